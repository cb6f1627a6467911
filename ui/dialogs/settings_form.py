"""The settings the admin can change at the door, and the PIN fields shared with the first-start setup."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from kiosk.admin_pin import new_pin_hash
from kiosk.settings import CAMERA_BACKENDS, LANGUAGES, Settings, checked_value, chosen_camera
from ui.dialogs.form_rows import FormRows

# Not the demo camera: its made-up visitors would be logged at a real door (rehearse with `kiosk run --demo`).
CAMERA_CHOICES = ("camera:0", "camera:1", "camera:2")


def camera_box(current: str) -> QComboBox:
    """Editable: a device, a video file or a folder of images (or "demo", typed)."""
    box = QComboBox(editable=True, objectName="cameraChoice")
    box.addItems(CAMERA_CHOICES)
    box.setCurrentText(current)
    return box


class PinFields:
    """A new PIN typed twice. `new_hash()` gives the hash to store, None if left empty (keep the old one),
    or raises PinError."""

    def __init__(self) -> None:
        self.pin = QLineEdit(echoMode=QLineEdit.EchoMode.Password, objectName="newPin")
        self.repeat = QLineEdit(echoMode=QLineEdit.EchoMode.Password, objectName="newPinRepeat")

    def new_hash(self, required: bool) -> str | None:
        return new_pin_hash(self.pin.text(), self.repeat.text(), required)


class SettingsForm(QWidget):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.camera = camera_box(settings.camera)
        self.backend = QComboBox(objectName="cameraBackend")
        self.backend.addItems(CAMERA_BACKENDS)
        self.backend.setCurrentText(settings.camera_backend)
        self.station = QLineEdit(settings.station_name, objectName="stationName")
        self.location = QLineEdit(settings.location, objectName="location")
        self.server_url = QLineEdit(settings.server_url, objectName="serverUrl")
        self.server_token = QLineEdit(settings.server_token, objectName="serverToken",
                                      echoMode=QLineEdit.EchoMode.Password)
        self.dedup = QSpinBox(objectName="dedupMinutes", minimum=0, maximum=24 * 60)
        self.dedup.setValue(settings.dedup_minutes)
        self.reset = QDoubleSpinBox(objectName="resetSeconds", minimum=1.0, maximum=60.0, decimals=1)
        self.reset.setValue(settings.reset_seconds)
        self.retention = QSpinBox(objectName="retentionDays", minimum=1, maximum=366)
        self.retention.setValue(settings.retention_days)
        self.capacity = QSpinBox(objectName="capacity", minimum=0, maximum=100_000)
        self.capacity.setValue(settings.capacity or 0)
        self.sound = QCheckBox(objectName="sound")
        self.sound.setChecked(settings.sound)
        self.language = QComboBox(objectName="languageChoice")
        self.language.addItems(LANGUAGES)
        self.language.setCurrentText(settings.language)
        self.pins = PinFields()
        self.rows = FormRows(QFormLayout(self), (
            self.station, self.location, self.camera, self.backend, self.server_url, self.server_token,
            self.dedup, self.reset, self.retention, self.capacity, self.sound, self.language, self.pins.pin,
            self.pins.repeat))
        self.retranslate()

    def retranslate(self) -> None:
        self.rows.name(
            self.tr("Station name"), self.tr("Location"), self.tr("Camera"), self.tr("Camera backend"),
            self.tr("Server URL"), self.tr("Station token"), self.tr("Same person again within (minutes)"),
            self.tr("Back to ready after (seconds)"), self.tr("Keep entries for (days)"),
            self.tr("Capacity (0 = no limit)"), self.tr("Sound"), self.tr("Language"),
            self.tr("New admin PIN (leave empty to keep)"), self.tr("New admin PIN again"),
        )
        self.capacity.setSpecialValueText(self.tr("no limit"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def settings(self) -> Settings:
        """The edited settings; raises PinError when a new PIN was typed wrongly."""
        new_hash = self.pins.new_hash(required=False)
        return self._settings.replace(
            station_name=self.station.text().strip(),
            location=self.location.text().strip(),
            camera=chosen_camera(self.camera.currentText()),
            camera_backend=self.backend.currentText(),
            server_url=self.server_url.text().strip(),
            server_token=self.server_token.text().strip(),
            dedup_minutes=self.dedup.value(),
            reset_seconds=self.reset.value(),
            retention_days=self.retention.value(),
            capacity=checked_value("capacity", self.capacity.value()),
            sound=self.sound.isChecked(),
            language=self.language.currentText(),
            admin_pin_hash=new_hash or self._settings.admin_pin_hash,
        )
