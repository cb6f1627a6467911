"""First start: the station's name, the admin PIN and the camera are chosen by a person, not defaulted."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from kiosk.admin_pin import PinError
from kiosk.first_start import SetupError, first_start_settings
from kiosk.settings import Settings
from ui.dialogs.buttons import name_buttons
from ui.dialogs.form_rows import FormRows
from ui.dialogs.settings_form import PinFields, camera_box


class SetupDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.result_settings: Settings | None = None
        self.intro = QLabel(objectName="setupIntro")
        self.intro.setWordWrap(True)
        self.station = QLineEdit(settings.station_name, objectName="stationName")
        self.pins = PinFields()
        self.camera = camera_box(settings.camera)
        self.error = QLabel(objectName="dialogError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.finish)
        form = QFormLayout(self)
        form.addRow(self.intro)
        self.rows = FormRows(form, (self.station, self.pins.pin, self.pins.repeat, self.camera))
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        name_buttons(self.buttons)
        self.setWindowTitle(self.tr("Set up this station"))
        self.intro.setText(self.tr("Three things before the first visitor: a name for this station, "
                                   "an admin PIN, and the camera."))
        self.rows.name(self.tr("Station name"), self.tr("Admin PIN (4–12 digits)"), self.tr("Admin PIN again"),
                       self.tr("Camera"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def finish(self) -> None:
        language = self._settings.language
        try:
            self.result_settings = first_start_settings(
                self._settings, self.station.text(), self.pins.pin.text(), self.pins.repeat.text(),
                self.camera.currentText())
        except (PinError, SetupError) as error:
            self.error.setText(error.reason.text(language))
            return
        self.accept()
