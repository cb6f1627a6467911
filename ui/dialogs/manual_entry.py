"""Manual entry for visitors without a code: name, phone, optional ID number, note. The fields are checked
by `kiosk.credentials.manual` before anything is sent, so a typo is corrected here instead of being logged
as a refusal; the station then applies the same policy as to a scan."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from kiosk.credentials.base import Refusal
from kiosk.credentials.manual import manual_credential
from ui.dialogs.buttons import name_buttons
from ui.dialogs.form_rows import FormRows


# Which field a refusal of the manual format is about.
_FIELDS = {"manual.no-name": "name", "manual.bad-phone": "phone", "manual.bad-id": "id_number"}


@dataclass(frozen=True)
class ManualVisitor:
    name: str
    phone: str
    id_number: str
    note: str


class ManualEntryDialog(QDialog):
    """Emits `submitted(ManualVisitor)` and closes when the fields are acceptable."""

    submitted = Signal(object)

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self.name = QLineEdit(objectName="manualName")
        self.phone = QLineEdit(objectName="manualPhone")
        self.id_number = QLineEdit(objectName="manualIdNumber")
        self.note = QLineEdit(objectName="manualNote")
        self.error = QLabel(objectName="dialogError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        self.rows = FormRows(form, (self.name, self.phone, self.id_number, self.note))
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        name_buttons(self.buttons)
        self.setWindowTitle(self.tr("Manual entry"))
        self.rows.name(self.tr("Full name"), self.tr("Phone"), self.tr("ID number (optional)"), self.tr("Note"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def submit(self) -> None:
        visitor = ManualVisitor(self.name.text(), self.phone.text(), self.id_number.text(), self.note.text())
        checked = manual_credential(visitor.name, visitor.phone, visitor.id_number, visitor.note)
        if isinstance(checked, Refusal):
            self.error.setText(checked.reason.text(self._language))
            getattr(self, _FIELDS.get(checked.reason.code, "name")).setFocus()
            return
        self.submitted.emit(visitor)
        self.accept()
