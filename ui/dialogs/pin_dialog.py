"""Asks for the admin PIN; the lock in `kiosk.admin_pin.PinLock` decides (five wrong tries → one minute)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRegularExpression, Qt, QTimer
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from kiosk.admin_pin import PIN_MAX_LENGTH, PinLock
from ui.dialogs.buttons import name_buttons


class PinDialog(QDialog):
    def __init__(self, lock: PinLock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lock = lock
        self.setModal(True)
        self.prompt = QLabel()
        self.pin = QLineEdit(echoMode=QLineEdit.EchoMode.Password, objectName="pinField")
        self.pin.setMaxLength(PIN_MAX_LENGTH)
        self.pin.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d*"), self.pin))
        self.error = QLabel(objectName="dialogError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.try_pin)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.prompt, self.pin, self.error, self.buttons):
            layout.addWidget(widget)
        self.retranslate()
        self._show_lock()

    def retranslate(self) -> None:
        name_buttons(self.buttons)
        self.setWindowTitle(self.tr("Admin PIN"))
        self.prompt.setText(self.tr("Enter the admin PIN"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def try_pin(self) -> None:
        answer = self._lock.attempt(self.pin.text())
        self.pin.clear()
        if answer.accepted:
            self.accept()
        elif answer.locked:
            self._show_lock()
        else:
            self.error.setText(self.tr("Wrong PIN. %n tries left.", "", answer.tries_left))

    def _show_lock(self) -> None:
        seconds = round(self._lock.locked_for())
        locked = seconds > 0
        self.pin.setEnabled(not locked)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not locked)
        if locked:
            self.error.setText(self.tr("Too many wrong tries. Locked for %n seconds.", "", seconds))
            QTimer.singleShot(1000, self._show_lock)  # count down, and open again when the minute is over
        else:
            self.error.clear()
        self.pin.setFocus(Qt.FocusReason.OtherFocusReason)
