"""The global input buffer for USB handheld scanners: watches every key in the application, whatever has
focus, holds each key back until `kiosk.scanner_input.ScanBuffer` knows whether it belongs to a scan, and
then either hands the scan on (its keys reach no widget) or delivers the keys, late, to the focused widget.
"""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.scanner_input import KeyKind, ScanBuffer, ScannerTiming, Step, Stroke

POLL_MS = 25  # how often held keys are looked at (the pause that settles them is ScannerTiming.end_pause)

_KEY_EVENTS = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
_ENDS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
_MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr, Qt.Key.Key_Meta,
                  Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R)
# Ctrl, Alt or Meta held: no text for a scan, though part of a burst (a scanner's control characters, Alt codes).
_COMBINATIONS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                 | Qt.KeyboardModifier.MetaModifier)

Held = tuple[QKeyEvent, QWidget]  # a copy of the key event, and the widget it was for


class ScannerFilter(QObject):
    """Emits `scanned(text)` for each complete scan. Install it on the application.

    A held key's shortcut override is taken too (no shortcut fires for a key that may be a scanner's); a key
    delivered late is a fresh event, so Qt runs its shortcuts then as it would have. On the door screen
    itself nothing takes text: typed characters delivered late there are dropped, so a slow scanner's
    spaces never press a door button.
    """

    scanned = Signal(str)

    def __init__(self, door: QWidget, timing: ScannerTiming = ScannerTiming()) -> None:
        super().__init__(door)
        self._door = door
        self._buffer: ScanBuffer[Held] = ScanBuffer(timing)
        self._clock = time.monotonic
        self._poll = QTimer(self, interval=POLL_MS, timerType=Qt.TimerType.PreciseTimer)
        self._poll.timeout.connect(lambda: self._carry_out(self._buffer.poll(self._clock())))
        self._replaying: QKeyEvent | None = None  # the key being delivered late, which passes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (event.type() not in _KEY_EVENTS or not isinstance(event, QKeyEvent) or self._is_replay(event)
                or event.key() in _MODIFIER_KEYS or not _first_receiver(watched)):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # no shortcut now: the key press follows, and is held like any other
            return True
        held = (_copy(event), watched)
        now = self._clock()
        if event.type() == QEvent.Type.KeyRelease:
            step = self._buffer.release(event.key(), held)
        else:
            step = self._buffer.press(_stroke(event, now), held, now)
        self._carry_out(step)
        return not step.passes

    def _carry_out(self, step: Step[Held]) -> None:
        for event, receiver in step.replay:
            self._deliver(event, receiver)
        for text in step.scans:
            self.scanned.emit(text)
        if not self._buffer.holding:
            self._poll.stop()
        elif not self._poll.isActive():
            self._poll.start()

    def _deliver(self, event: QKeyEvent, receiver: QWidget) -> None:
        target = QApplication.focusWidget()  # an open drop-down list's, too
        if target is None:
            target = receiver if shiboken6.isValid(receiver) and receiver.isVisible() else None
        if target is None or (target.window() is self._door and event.text().isprintable() and event.text()):
            return
        # Only this key passes: a dialog it opens may run its own event loop, where keys are held as ever.
        before, self._replaying = self._replaying, event
        try:
            QApplication.sendEvent(target, event)
        finally:
            self._replaying = before

    def _is_replay(self, event: QKeyEvent) -> bool:
        # Qt sends a delivered key's shortcut override as a new event, with the key's timestamp.
        replaying = self._replaying
        return replaying is not None and (event is replaying or (
            event.type() == QEvent.Type.ShortcutOverride and event.key() == replaying.key()
            and event.timestamp() == replaying.timestamp()))


def _first_receiver(watched: QObject) -> bool:
    # A key event goes to the focus widget (or the window when nothing has focus) and, if ignored there,
    # on to each parent: look at it once only.
    if not watched.isWidgetType():
        return False
    focus = QApplication.focusWidget()
    return watched is focus if focus is not None else watched.isWindow()


def _stroke(event: QKeyEvent, now: float) -> Stroke:
    # The window system's timestamp (ms) times the key; a synthetic event without one is timed on arrival.
    at = event.timestamp() / 1000 if event.timestamp() else now
    key, text = event.key(), event.text()
    if event.isAutoRepeat():  # a key held down by a person
        kind = KeyKind.TYPING
    elif key in _ENDS:
        kind = KeyKind.END
    elif key == Qt.Key.Key_Backspace:
        kind = KeyKind.BACKSPACE
    elif text and text.isprintable() and not event.modifiers() & _COMBINATIONS:
        kind = KeyKind.CHAR
    else:
        kind = KeyKind.OTHER
    return Stroke(int(key), kind, at, text if kind is KeyKind.CHAR else "")


def _copy(event: QKeyEvent) -> QKeyEvent:
    # A fresh, non-spontaneous event: Qt gives it to shortcuts first when it is delivered, as it did not
    # while the key was held.
    copy = QKeyEvent(event.type(), event.key(), event.modifiers(), event.nativeScanCode(),
                     event.nativeVirtualKey(), event.nativeModifiers(), event.text(), event.isAutoRepeat(),
                     event.count())
    copy.setTimestamp(event.timestamp())
    return copy
