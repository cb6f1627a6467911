"""Manual entry for visitors without a code: name, phone, optional ID number, note. The fields are checked
by `kiosk.manual_entry`; the credential then goes through the same policy as a scan."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from kiosk.manual_entry import ManualEntryError, manual_credential


class ManualEntryDialog(QDialog):
    """Emits `submitted(Credential)` and closes when the fields are acceptable."""

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
        self.form = QFormLayout(self)
        for field in (self.name, self.phone, self.id_number, self.note):
            self.form.addRow(QLabel(), field)
        self.form.addRow(self.error)
        self.form.addRow(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Manual entry"))
        labels = (self.tr("Full name"), self.tr("Phone"), self.tr("ID number (optional)"), self.tr("Note"))
        for row, text in enumerate(labels):
            self.form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().setText(text)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def submit(self) -> None:
        try:
            credential = manual_credential(self.name.text(), self.phone.text(), self.id_number.text(),
                                           self.note.text())
        except ManualEntryError as error:
            self.error.setText(error.reason.text(self._language))
            getattr(self, error.field).setFocus()
            return
        self.submitted.emit(credential)
        self.accept()
