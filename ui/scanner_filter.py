"""The global input buffer for USB handheld scanners: watches every key press in the application, whatever
has focus, and hands complete scans on; the timing rules live in `kiosk.scanner_input.ScanBuffer`."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from kiosk.scanner_input import ScanBuffer, ScannerTiming

_ENDS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab)


class ScannerFilter(QObject):
    """Emits `scanned(text)` for each complete scan.

    On the door screen itself (`door`) nothing takes text, so its keys are swallowed. In a dialog keys
    still reach the focused field (a person may be typing a name); when a burst there turns out to be a
    scan, the scanned text is taken back out of the field and its Enter is swallowed, so that a scan never
    presses the focused button or submits a half-filled form. A field that is not a text (a date, a number,
    a choice) gets back the value it had when the burst began.
    """

    scanned = Signal(str)

    def __init__(self, door: QWidget, timing: ScannerTiming = ScannerTiming()) -> None:
        super().__init__(door)
        self._door = door
        self._buffer = ScanBuffer(timing)
        self._clock = time.monotonic
        self._pause = QTimer(self, singleShot=True, interval=int(timing.end_pause * 1000) + 10)
        self._pause.timeout.connect(self._poll)
        self._last_key: float | None = None
        self._before: tuple[QWidget, str, object] | None = None  # a field's value as the burst began

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not _first_receiver(watched):
            return False
        now = self._clock()
        key = event.key()
        if key in _ENDS:
            self._last_key = None  # whether a scan or not, the burst is over
            text = self._buffer.end(now)
            if text is None:
                return False
            self._deliver(text)
            return True
        if key == Qt.Key.Key_Backspace:
            self._buffer.backspace(now)
            return False
        typed = event.text()
        if typed and typed.isprintable():
            begins = self._last_key is None or now - self._last_key > self._buffer.timing.max_gap
            finished = self._buffer.key(typed, now)
            if finished is not None:
                self._deliver(finished)
            if begins:  # the key has not reached the field yet
                self._before = _value_of(QApplication.focusWidget())
            self._last_key = now
            self._pause.start()
            focus = QApplication.focusWidget()
            return focus is None or focus.window() is self._door
        return False

    def _poll(self) -> None:
        text = self._buffer.poll(self._clock())
        if text is not None:
            self._last_key = None
            self._deliver(text)

    def _deliver(self, text: str) -> None:
        focus = QApplication.focusWidget()
        _take_back(focus, text)
        if self._before is not None and self._before[0] is focus:
            focus.setProperty(self._before[1], self._before[2])
        self._before = None
        self.scanned.emit(text)


def _first_receiver(watched: QObject) -> bool:
    # A key press goes to the focus widget (or the window when nothing has focus) and, if ignored there,
    # on to each parent: look at it once only.
    if not watched.isWidgetType():
        return False
    focus = QApplication.focusWidget()
    return watched is focus if focus is not None else watched.isWindow()


def _value_of(widget: QWidget | None) -> tuple[QWidget, str, object] | None:
    """A field's value by Qt's user property (a date edit's dateTime, a spin box's value), unless it holds
    text, which `_take_back` puts right."""
    if widget is None or isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
        return None
    user = widget.metaObject().userProperty()
    return (widget, user.name(), widget.property(user.name())) if user.isValid() else None


def _take_back(widget: object, text: str) -> None:
    if isinstance(widget, QLineEdit) and widget.text().endswith(text):
        widget.setText(widget.text()[: -len(text)])
    elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
        content = widget.toPlainText()
        if content.endswith(text):
            widget.setPlainText(content[: -len(text)])
