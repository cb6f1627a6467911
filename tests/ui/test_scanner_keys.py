"""A USB scanner types into the real window while a guard's dialog has focus: no key of its burst reaches a
widget, the scan is handled as one scan, and a person typing still gets their letters. Key events carry
window-system timestamps, as from a real keyboard."""

import itertools
import time

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from kiosk.credentials.examples import AN, cccd_payload, vnqr_payload
from kiosk.entry import Source
from kiosk.verdict import Outcome
from tests.ui.kiosk_fixtures import PIN
from ui.dialogs.admin_dialog import AdminDialog
from ui.dialogs.pin_dialog import PinDialog

# In a key list: the Escape, Enter, keypad Enter and Backspace keys.
ESCAPE, RETURN, KEYPAD_ENTER, BACKSPACE = "\x1b", "\r", "\n", "\b"
_KEYS = {ESCAPE: (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier, ESCAPE),
         BACKSPACE: (Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier, BACKSPACE),
         RETURN: (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, RETURN),
         KEYPAD_ENTER: (Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier, RETURN)}
_clock_ms = itertools.count(10_000_000, 60_000)  # each burst a minute after the last, on the "window system"


def key_events(text: str, start_ms: int, step_ms: int = 4) -> list[QKeyEvent]:
    """A press and a release per character, as a keyboard-wedge scanner sends them, `step_ms` apart."""
    events = []
    for i, char in enumerate(text):
        key, modifiers, typed = _KEYS.get(char, (ord(char.upper()), Qt.KeyboardModifier.NoModifier, char))
        for kind, offset in ((QEvent.Type.KeyPress, 0), (QEvent.Type.KeyRelease, 1)):
            event = QKeyEvent(kind, key, modifiers, typed)
            event.setTimestamp(start_ms + i * step_ms + offset)
            events.append(event)
    return events


def focus(window):
    return QApplication.focusWidget() or window


def scan(window, text: str) -> None:
    """The scanner types `text` (a burst, 4 ms a key) into whatever has focus."""
    for event in key_events(text, next(_clock_ms)):
        QApplication.sendEvent(focus(window), event)


def open_pin_dialog(qtbot, window) -> PinDialog:
    window.open_admin()
    dialog = window.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.activateWindow()
    return dialog


def put_focus(qtbot, widget) -> None:
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def manual_entry_typing(qtbot, window):
    """The manual entry dialog, open, with the keyboard in its name field."""
    window.open_manual_entry()
    dialog = window.dialog
    qtbot.waitUntil(dialog.isVisible)
    put_focus(qtbot, dialog.name)
    return dialog


@pytest.mark.parametrize("button", ["quit", "export"])
def test_a_scan_presses_no_button_of_the_admin_screen(qtbot, open_kiosk, button):
    window = open_kiosk()
    dialog = open_pin_dialog(qtbot, window)
    dialog.pin.setText(PIN)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: isinstance(window.dialog, AdminDialog))
    admin = window.dialog
    pressed = []
    admin.quit_kiosk.connect(lambda: pressed.append("quit"))
    admin.export_requested.connect(lambda *_: pressed.append("export"))
    target = getattr(admin, button)
    admin.tabs.setCurrentIndex(admin.tabs.indexOf(target.parentWidget()))
    put_focus(qtbot, target)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        scan(window, vnqr_payload(AN) + RETURN + KEYPAD_ENTER)
    assert shown.args[0].verdict.outcome is Outcome.ADMIT and shown.args[0].entry.source is Source.SCANNER
    qtbot.wait(300)  # anything a stray key set off would have happened by now
    assert pressed == []
    assert admin.isVisible() and window.isVisible()
    assert window.panel.word.text() == "MỜI VÀO"


@pytest.mark.parametrize("locked", [False, True], ids=["open", "locked"])
def test_a_scan_with_escape_and_two_enters_leaves_the_pin_dialog_alone(qtbot, open_kiosk, locked):
    window = open_kiosk()
    dialog = open_pin_dialog(qtbot, window)
    if locked:
        for _ in range(5):
            dialog.pin.setText("0000")
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert not dialog.pin.isEnabled()
        put_focus(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    else:
        put_focus(qtbot, dialog.pin)
    error = dialog.error.text()
    payload = vnqr_payload(AN)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        scan(window, payload[:20] + ESCAPE + payload[20:] + RETURN + KEYPAD_ENTER)
    assert shown.args[0].verdict.outcome is Outcome.ADMIT
    qtbot.wait(300)
    assert window.dialog is dialog and dialog.isVisible()  # neither Cancel nor Escape closed it
    assert dialog.pin.text() == ""
    assert dialog.error.text() == error  # no PIN attempt was used
    if not locked:
        dialog.pin.setText("0000")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert "4" in dialog.error.text()  # the first wrong try of five


def test_a_person_typing_in_manual_entry_keeps_their_letters_around_a_scan(qtbot, open_kiosk):
    window = open_kiosk()
    dialog = manual_entry_typing(qtbot, window)
    QTest.keyClicks(dialog.name, "Ngt", Qt.KeyboardModifier.NoModifier, 120)  # a person, with a typo ...
    QTest.keyClick(dialog.name, Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier, 120)  # ... put right
    QTest.keyClicks(dialog.name, "uyen", Qt.KeyboardModifier.NoModifier, 120)
    qtbot.waitUntil(lambda: dialog.name.text() == "Nguyen", timeout=3000)
    payload = vnqr_payload(AN)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        scan(window, payload[:10] + ESCAPE + payload[10:] + RETURN + KEYPAD_ENTER)
    assert shown.args[0].verdict.outcome is Outcome.ADMIT
    QTest.keyClicks(dialog.name, " Van An", Qt.KeyboardModifier.NoModifier, 120)
    qtbot.waitUntil(lambda: dialog.name.text() == "Nguyen Van An", timeout=3000)
    assert window.dialog is dialog and dialog.isVisible()  # no Escape, no Enter reached the form


def test_the_guards_own_keys_still_work_a_moment_later(qtbot, open_kiosk):
    window = open_kiosk()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keyClick(focus(window), Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: window.top.mode.text().startswith("CHẾ ĐỘ RA"), timeout=3000)
    QTest.keyClick(focus(window), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: isinstance(window.dialog, PinDialog), timeout=3000)


def test_telex_rewriting_a_scan_in_a_dialog_names_the_input_method_and_leaves_the_field_alone(
        qtbot, open_kiosk):
    window = open_kiosk()
    dialog = manual_entry_typing(qtbot, window)
    QTest.keyClicks(dialog.name, "Hoa", Qt.KeyboardModifier.NoModifier, 120)
    qtbot.waitUntil(lambda: dialog.name.text() == "Hoa", timeout=3000)
    # Telex sees "OO" typed, takes both back with Backspace and types "Ô".
    scan(window, "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO" + BACKSPACE * 2 + "Ô6" + RETURN)
    qtbot.waitUntil(lambda: window.panel.word.text() == "LỖI MÁY QUÉT", timeout=3000)
    assert "Telex" in window.panel.reason.text()
    assert dialog.name.text() == "Hoa" and dialog.isVisible()


class _Stall(QObject):
    """Blocks the GUI thread when its event is handled, then lets the rest of the burst arrive."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, seconds: float, then) -> None:
        super().__init__()
        self.seconds, self.then = seconds, then

    def event(self, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == self.TYPE:
            time.sleep(self.seconds)  # the stall itself is what is tested: a full disk, a loaded CPU
            self.then()
            return True
        return super().event(event)


@pytest.mark.parametrize("behind_timers", [False, True], ids=["keys-first", "timers-first"])
def test_a_burst_handled_across_a_stalled_gui_thread_is_one_scan(qtbot, open_kiosk, behind_timers):
    """The keys typed during the stall are handled after it, either before the timers that fell due
    meanwhile or after them."""
    window = open_kiosk()
    verdicts = []
    window.verdict_shown.connect(verdicts.append)
    events = key_events(vnqr_payload(AN) + RETURN, next(_clock_ms))
    target = focus(window)
    first, rest = events[:40], events[40:]

    def post(batch):
        for event in batch:
            QCoreApplication.postEvent(target, event)

    stall = _Stall(0.3, (lambda: QTimer.singleShot(0, lambda: post(rest))) if behind_timers else lambda: post(rest))
    post(first)
    QCoreApplication.postEvent(stall, QEvent(_Stall.TYPE))
    qtbot.waitUntil(lambda: len(verdicts) > 0, timeout=5000)
    qtbot.wait(1000)  # a second piece of the burst would be a second verdict
    assert [result.verdict.outcome for result in verdicts] == [Outcome.ADMIT]
    assert len(window.app.store.entries(limit=5)) == 1


def test_a_chip_card_typed_by_a_scanner_without_vietnamese_names_the_scanner_problem(qtbot, open_kiosk):
    window = open_kiosk()
    damaged = "".join(char if char.isascii() else "?" for char in cccd_payload(AN))  # "Nguy?n V?n An|N?|..."
    scan(window, damaged + RETURN)
    qtbot.waitUntil(lambda: window.panel.word.text() == "LỖI MÁY QUÉT", timeout=3000)
    assert "tiếng Việt" in window.panel.reason.text() and "camera" in window.panel.reason.text()
    assert window.app.store.entries(limit=5) == []


def test_the_keyboard_comes_back_to_the_door_when_a_dialog_closes(qtbot, open_kiosk):
    """Without a window manager nobody else gives it back: a scan after closing a dialog would go nowhere."""
    window = open_kiosk()
    dialog = manual_entry_typing(qtbot, window)
    dialog.reject()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        scan(window, vnqr_payload(AN) + RETURN)
