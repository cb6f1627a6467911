"""The door screen's layout at the sizes of real door screens: nothing is pushed off the screen, the kiosk
fills the screen without a window manager (the offscreen platform has none), dialogs are sized for a door
screen, and a dialog opened during scanning never hides the verdict."""

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFontInfo, QFontMetrics
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QWidget

from kiosk.credentials.examples import AN, vnqr_payload
from kiosk.door_screen import ScreenState
from tests.ui.kiosk_fixtures import PIN, door_settings
from ui.dialogs.admin_dialog import AdminDialog

LONG_STATION = ("Cổng chính phía Đông — Toà nhà Trung tâm Hội nghị Quốc gia, tầng trệt, "
                "lối vào dành cho khách mời và đại biểu")
# The longest verdict words, in both languages, and a longer one still: each must fit, never be cut.
LONG_WORDS = ("ALREADY CHECKED IN", "NOT ON THE LIST", "KHÔNG CÓ TRONG DANH SÁCH", "ĐÃ VÀO RỒI — CHO QUA")
SCREENS = [(1366, 768), (1920, 1080)]


def in_window(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def on_screen(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def text_fits(widget: QLabel) -> bool:
    return QFontMetrics(widget.font()).horizontalAdvance(widget.text()) <= widget.contentsRect().width()


def fully_shown(label: QLabel) -> bool:
    """A wrapped label has the height its text needs at its width, and lies inside its window."""
    return (label.isVisible() and label.height() >= label.heightForWidth(label.width())
            and label.window().rect().contains(in_window(label)))


def enter_pin(dialog, pin: str) -> None:
    dialog.pin.setText(pin)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_a_long_station_name_leaves_counts_clock_and_buttons_on_a_1366_screen(qtbot, open_kiosk):
    window = open_kiosk(door_settings(station_name=LONG_STATION, location="Sảnh chính"))
    window.resize(1366, 768)
    top, bottom = window.top, window.bottom
    qtbot.waitUntil(lambda: top.station.text() == f"{LONG_STATION} — Sảnh chính")
    qtbot.waitUntil(lambda: window.width() <= 1366, timeout=3000)
    whole = (top.mode, top.inside, top.today, top.clock, bottom.manual_button, bottom.language_button,
             bottom.admin_button)
    parts = (top.station, *whole, bottom.camera, bottom.sync)
    for part in parts:
        assert part.isVisible() and window.rect().contains(in_window(part)), part.objectName()
    for index, part in enumerate(parts):
        for other in parts[index + 1:]:
            assert not in_window(part).intersects(in_window(other)), (part.objectName(), other.objectName())
    for part in whole:  # the counts, the clock and the buttons are never cut
        assert QFontMetrics(part.font()).horizontalAdvance(part.text()) <= part.width(), part.objectName()
    assert top.station.toolTip() == f"{LONG_STATION} — Sảnh chính"  # the whole name, for who asks
    assert not bottom.camera.toolTip() and not bottom.sync.toolTip()  # short texts are not cut


def test_in_kiosk_mode_the_window_fills_the_screen_without_a_window_manager(qtbot, open_kiosk):
    window = open_kiosk(door_settings(station_name=LONG_STATION), kiosk_mode=True)
    qtbot.waitUntil(lambda: window.top.station.text() == LONG_STATION)
    qtbot.waitUntil(lambda: window.geometry() == window.screen().geometry(), timeout=3000)
    assert window.isFullScreen()
    assert window.rect().contains(in_window(window.top.clock))
    assert window.rect().contains(in_window(window.bottom.admin_button))
    # Something moved it (another resolution, a monitor plugged in): it takes the whole screen again.
    window.setGeometry(40, 30, 700, 400)
    window.screen().geometryChanged.emit(window.screen().geometry())
    qtbot.waitUntil(lambda: window.geometry() == window.screen().geometry(), timeout=3000)


@pytest.mark.parametrize("size, text_pixels", [((1366, 768), 18), ((1920, 1080), 25)])
def test_the_pin_dialog_is_sized_for_a_door_screen_and_its_error_is_never_cut(qtbot, open_kiosk, size,
                                                                              text_pixels):
    window = open_kiosk(pin_clock=lambda: 100.0)  # the lock's minute never runs out during the test
    window.resize(*size)
    window.open_admin()
    dialog = window.dialog
    qtbot.waitUntil(dialog.isVisible)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    for widget in (dialog.prompt, dialog.error, ok):
        assert QFontInfo(widget.font()).pixelSize() >= text_pixels
    assert QFontInfo(dialog.pin.font()).pixelSize() >= 1.5 * text_pixels  # the PIN field is large
    assert ok.height() >= 2 * text_pixels and ok.width() >= 4 * text_pixels  # a fingertip's size
    for _ in range(4):
        enter_pin(dialog, "0000")
        qtbot.waitUntil(lambda: "1" in dialog.error.text() or "2" in dialog.error.text() or
                        "3" in dialog.error.text() or "4" in dialog.error.text())
        qtbot.waitUntil(lambda: fully_shown(dialog.error), timeout=3000)
    enter_pin(dialog, "0000")  # the fifth: locked for a minute, the longest text
    qtbot.waitUntil(lambda: not ok.isEnabled())
    qtbot.waitUntil(lambda: fully_shown(dialog.error), timeout=3000)
    assert window.rect().contains(QRect(window.mapFromGlobal(dialog.frameGeometry().topLeft()),
                                        dialog.frameGeometry().size()))


def open_admin_screen(qtbot, window) -> AdminDialog:
    window.open_admin()
    enter_pin(window.dialog, PIN)
    qtbot.waitUntil(lambda: isinstance(window.dialog, AdminDialog))
    return window.dialog


def open_manual_entry(qtbot, window):
    window.open_manual_entry()
    return window.dialog


@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("opener", [open_manual_entry, open_admin_screen], ids=["manual", "admin"])
def test_a_verdict_stays_readable_beside_an_open_dialog(qtbot, open_kiosk, size, opener):
    window = open_kiosk(door_settings(language="en"))
    window.resize(*size)
    dialog = opener(qtbot, window)
    qtbot.waitUntil(dialog.isVisible)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(vnqr_payload(AN))  # scanning never stops for a dialog
    word = window.panel.word
    assert window.view.state is ScreenState.VERDICT and word.text() == window.view.word
    qtbot.waitUntil(lambda: not on_screen(word).intersects(dialog.frameGeometry()), timeout=3000)
    assert word.isVisible() and text_fits(word)
    assert window.rect().contains(in_window(word))
    assert QFontInfo(word.font()).pixelSize() >= 0.05 * window.height()  # still legible at two metres
    for long_word in LONG_WORDS:  # long words get smaller to fit, and are never cut
        window.panel.show_view(replace(window.view, word=long_word))
        assert text_fits(word), long_word
        assert not on_screen(word).intersects(dialog.frameGeometry())
    dialog.close()
    # The dialog closed: the verdict has the whole width again.
    qtbot.waitUntil(lambda: in_window(word).width() > window.width() * 0.8, timeout=3000)
