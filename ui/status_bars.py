"""The always-visible bars above and below the verdict: station, mode, counts, clock; camera, sync, and the
few buttons a guard needs (each with a function key, since a scanner's keystrokes must press no button)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.door_screen import StatusView

BAR_TEXT_HEIGHT = 0.032  # share of the window's height


def _scaled(widget: QWidget, pixels: int, bold: bool = False) -> None:
    font = QFont(widget.font())
    font.setPixelSize(max(12, pixels))
    font.setBold(bold)
    widget.setFont(font)


def _line_up(bar: QWidget, left: tuple[QWidget, ...], right: tuple[QWidget, ...], margin: int) -> None:
    layout = QHBoxLayout(bar)
    layout.setContentsMargins(16, margin, 16, margin)
    layout.setSpacing(28)
    for widget in left:
        layout.addWidget(widget)
    layout.addStretch(1)
    for widget in right:
        layout.addWidget(widget)


def _restyle(widgets: tuple[QWidget, ...], pixels: int, bold: bool) -> None:
    """Apply the style sheet again after a property it selects on changed; re-polishing resets the
    font, so the size is set again too."""
    for widget in widgets:
        widget.style().unpolish(widget)
        widget.style().polish(widget)
        _scaled(widget, pixels, bold)


class TopBar(QFrame):
    """Station name, entry/exit mode (click or F2), people inside, checked in today, clock."""

    toggle_mode = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="topBar")
        self.station = QLabel(objectName="station")
        self.mode = QPushButton(objectName="modeButton")
        self.mode.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mode.clicked.connect(self.toggle_mode)
        self.inside = QLabel(objectName="inside")
        self.today = QLabel(objectName="today")
        self.clock = QLabel(objectName="clock")
        self._pixels = 24
        _line_up(self, (self.station, self.mode), (self.inside, self.today, self.clock), margin=8)

    def show_status(self, status: StatusView, entry_mode: bool) -> None:
        self.station.setText(status.station)
        self.mode.setText(f"{status.mode}  ⇄ F2")
        self.mode.setProperty("exitMode", not entry_mode)
        self.inside.setText(status.inside)
        self.inside.setProperty("full", status.full)
        self.today.setText(status.today)
        _restyle((self.mode, self.inside), self._pixels, bold=True)

    def fit(self, window_height: int) -> None:
        """Font sizes for a window this tall."""
        self._pixels = int(window_height * BAR_TEXT_HEIGHT)
        for widget in (self.station, self.mode, self.inside, self.today, self.clock):
            _scaled(widget, self._pixels, bold=widget is not self.today)

    def tick(self, now: datetime) -> None:
        self.clock.setText(now.strftime("%H:%M:%S"))


class BottomBar(QFrame):
    """Camera and sync state, and what the health authority's key needs when it needs something; manual
    entry (F3), language (F4), admin (F10)."""

    manual = Signal()
    language = Signal()
    admin = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="bottomBar")
        self.camera = QLabel(objectName="cameraState")
        self.sync = QLabel(objectName="syncState")
        self.authority = QLabel(objectName="authorityNotice")
        self.authority.setWordWrap(True)
        self.authority.setVisible(False)
        self.start_notice = QLabel(objectName="startNotice")
        self.start_notice.setWordWrap(True)
        self.start_notice.setVisible(False)
        self.manual_button = QPushButton(objectName="manualButton")
        self.language_button = QPushButton(objectName="languageButton")
        self.admin_button = QPushButton(objectName="adminButton")
        self._pixels = 20
        for button, signal in ((self.manual_button, self.manual), (self.language_button, self.language),
                               (self.admin_button, self.admin)):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(signal)
        # The start notice (what to fix in the settings file) is a sentence: a full-width line of its own.
        row = QWidget()
        _line_up(row, (self.camera, self.sync, self.authority),
                 (self.manual_button, self.language_button, self.admin_button), margin=6)
        lines = QVBoxLayout(self)
        lines.setContentsMargins(0, 0, 0, 0)
        lines.setSpacing(0)
        lines.addWidget(row)
        lines.addWidget(self.start_notice)
        self.retranslate()

    def retranslate(self) -> None:
        self.manual_button.setText(self.tr("Manual entry (F3)"))
        # The button names the language it switches to, in that language: the English screen offers
        # "Tiếng Việt", and the Vietnamese catalogue translates that into "English".
        self.language_button.setText(self.tr("Tiếng Việt (F4)"))
        self.admin_button.setText(self.tr("Admin (F10)"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_status(self, status: StatusView) -> None:
        self.camera.setText(status.camera)
        self.camera.setProperty("problem", not status.camera_ok)
        self.sync.setText(status.sync)
        self.sync.setProperty("problem", not status.sync_ok)
        self.authority.setText(status.authority)
        self.authority.setVisible(bool(status.authority))
        self.start_notice.setText(status.start_notice)
        self.start_notice.setVisible(bool(status.start_notice))
        _restyle((self.camera, self.sync), self._pixels, bold=True)

    def fit(self, window_height: int) -> None:
        """Font sizes for a window this tall."""
        self._pixels = int(window_height * BAR_TEXT_HEIGHT * 0.8)
        for widget in (self.camera, self.sync, self.authority, self.start_notice, self.manual_button,
                       self.language_button, self.admin_button):
            _scaled(widget, self._pixels, bold=widget in (self.camera, self.sync, self.authority))
