"""The door screen's layout at the sizes of real door screens: nothing is pushed off the screen, the kiosk
fills the screen without a window manager (the offscreen platform has none)."""

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

from tests.ui.kiosk_fixtures import door_settings

LONG_STATION = ("Cổng chính phía Đông — Toà nhà Trung tâm Hội nghị Quốc gia, tầng trệt, "
                "lối vào dành cho khách mời và đại biểu")


def in_window(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


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
