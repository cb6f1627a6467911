"""First start: the station's name, the admin PIN and the camera are chosen by a person, not defaulted."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from kiosk.admin_pin import PinError
from kiosk.first_start import SetupError, first_start_settings, offered_camera
from kiosk.settings import Settings
from ui.dialogs.buttons import name_buttons
from ui.dialogs.form_rows import FormRows
from ui.dialogs.settings_form import PinFields, camera_box


class SetupDialog(QDialog):
    """`rehearsal`: this run is a demo run, whose camera stays the demo; the dialog says so, and that the
    camera chosen here is the real door's."""

    def __init__(self, settings: Settings, parent: QWidget | None = None, rehearsal: bool = False) -> None:
        super().__init__(parent)
        self._settings = settings
        self.result_settings: Settings | None = None
        self.intro = QLabel(objectName="setupIntro")
        self.intro.setWordWrap(True)
        self.rehearsal = QLabel(objectName="setupRehearsal")
        self.rehearsal.setWordWrap(True)
        self.rehearsal.setVisible(rehearsal)
        self.station = QLineEdit(settings.station_name, objectName="stationName")
        self.pins = PinFields()
        self.camera = camera_box(offered_camera(settings))
        self.error = QLabel(objectName="dialogError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.finish)
        form = QFormLayout(self)
        form.addRow(self.intro)
        form.addRow(self.rehearsal)
        self.rows = FormRows(form, (self.station, self.pins.pin, self.pins.repeat, self.camera))
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        name_buttons(self.buttons)
        self.setWindowTitle(self.tr("Set up this station"))
        self.intro.setText(self.tr("Three things before the first visitor: a name for this station, "
                                   "an admin PIN, and the camera."))
        self.rehearsal.setText(self.tr("This run is a rehearsal with the demo camera: its made-up visitors go to a "
                                       "separate rehearsal file and nothing is sent to a server. The camera you "
                                       "choose here is for the real door, from its next ordinary start."))
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
