"""The always-visible bars above and below the verdict: station, mode, counts, clock; camera, sync, and the
few buttons a guard needs (each with a function key, since a scanner's keystrokes must press no button)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.door_screen import StatusView

BAR_TEXT_HEIGHT = 0.032  # share of the window's height
MIN_PIXELS = 12


def _scaled(widget: QWidget, pixels: int, bold: bool = False) -> None:
    pixels = max(MIN_PIXELS, pixels)
    font = widget.font()
    if font.pixelSize() != pixels or font.bold() != bold:
        font = QFont(font)
        font.setPixelSize(pixels)
        font.setBold(bold)
        widget.setFont(font)


class ElidedLabel(QLabel):
    """One line of the bar that gives way when the bar is full: it shows what fits, ending in "…", and
    the whole text in its tooltip, so that no text ever makes the window wider than the screen.
    `text()` is the whole text."""

    def __init__(self, object_name: str) -> None:
        super().__init__(objectName=object_name)
        self._full = ""

    def text(self) -> str:  # noqa: D102 (QLabel's)
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text
        self._elide()
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        width = self._overhead() + self.fontMetrics().horizontalAdvance(self._full)
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self._overhead() + self.fontMetrics().horizontalAdvance("…"),
                     super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._elide()

    def _overhead(self) -> int:
        """Padding and frame around the text (the style sheet's too)."""
        return QLabel.sizeHint(self).width() - self.fontMetrics().horizontalAdvance(QLabel.text(self))

    def _elide(self) -> None:
        room = self.width() - self._overhead()
        metrics = self.fontMetrics()
        shown = self._full if metrics.horizontalAdvance(self._full) <= room else metrics.elidedText(
            self._full, Qt.TextElideMode.ElideRight, max(room, 0))
        if shown != QLabel.text(self):
            QLabel.setText(self, shown)
        self.setToolTip(self._full if shown != self._full else "")


def _line_up(left: tuple[QWidget, ...], right: tuple[QWidget, ...]) -> QHBoxLayout:
    layout = QHBoxLayout()
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(28)
    for widget in left:
        layout.addWidget(widget)
    layout.addStretch(1)
    for widget in right:
        layout.addWidget(widget)
    return layout


def _set_property(widget: QWidget, name: str, value: bool) -> None:
    """Set a property the style sheet selects on, and apply the style sheet again if it changed (this
    resets the font, which the bar's next fit sets again)."""
    if widget.property(name) != value:
        widget.setProperty(name, value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class _Bar(QFrame):
    """A bar whose texts scale with the window's height, and get smaller when they would not fit its
    width: no text in a bar may make the window wider than the screen."""

    def __init__(self, parent: QWidget | None, object_name: str, share: float) -> None:
        super().__init__(parent, objectName=object_name)
        self._share = share
        self._window_height = 0
        self._room = 0
        self._fitted: tuple | None = None  # what the fonts were last chosen for

    def fit(self, window_height: int, room: int) -> None:
        """Font sizes for a window this tall whose bars have `room` pixels of width."""
        self._window_height, self._room = window_height, room
        self._fit()

    def _fit(self) -> None:
        if self._state() == self._fitted:
            return
        pixels = int(self._window_height * self._share)
        while True:
            for widget, bold in self._texts():
                _scaled(widget, pixels, bold)
            self.layout().invalidate()
            if pixels <= MIN_PIXELS or not self._room or self.layout().minimumSize().width() <= self._room:
                break
            pixels -= 1
        self._fitted = self._state()

    def _state(self) -> tuple:
        """What the fit depends on: nothing changed, nothing to do (the bars are updated every second)."""
        return (self._window_height, self._room,
                tuple((widget.text(), widget.isVisibleTo(self), widget.font().pixelSize())
                      for widget, _ in self._texts()))

    def _texts(self) -> tuple[tuple[QWidget, bool], ...]:
        """Each text of the bar, and whether it is bold."""
        raise NotImplementedError


class TopBar(_Bar):
    """Station name, entry/exit mode (click or F2), people inside, checked in today, clock."""

    toggle_mode = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, "topBar", BAR_TEXT_HEIGHT)
        self.station = ElidedLabel("station")
        self.mode = QPushButton(objectName="modeButton")
        self.mode.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mode.clicked.connect(self.toggle_mode)
        self.inside = QLabel(objectName="inside")
        self.today = QLabel(objectName="today")
        self.clock = QLabel(objectName="clock")
        layout = _line_up((self.station, self.mode), (self.inside, self.today, self.clock))
        layout.setContentsMargins(16, 8, 16, 8)
        self.setLayout(layout)

    def show_status(self, status: StatusView, entry_mode: bool) -> None:
        self.station.setText(status.station)
        self.mode.setText(f"{status.mode}  ⇄ F2")
        _set_property(self.mode, "exitMode", not entry_mode)
        self.inside.setText(status.inside)
        _set_property(self.inside, "full", status.full)
        self.today.setText(status.today)
        self._fit()

    def _texts(self) -> tuple[tuple[QWidget, bool], ...]:
        return ((self.station, True), (self.mode, True), (self.inside, True), (self.today, False),
                (self.clock, True))

    def tick(self, now: datetime) -> None:
        self.clock.setText(now.strftime("%H:%M:%S"))
        self._fit()  # digits differ in width: on a narrow screen a second could widen the window


class BottomBar(_Bar):
    """What the health authority's key needs, when it needs something, on a line of its own; camera and
    sync state; manual entry (F3), language (F4), admin (F10)."""

    manual = Signal()
    language = Signal()
    admin = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, "bottomBar", BAR_TEXT_HEIGHT * 0.8)
        self.camera = ElidedLabel("cameraState")
        self.sync = ElidedLabel("syncState")
        self.authority = QLabel(objectName="authorityNotice")
        self.authority.setWordWrap(True)
        self.authority.setVisible(False)
        self.start_notice = QLabel(objectName="startNotice")
        self.start_notice.setWordWrap(True)
        self.start_notice.setVisible(False)
        self.manual_button = QPushButton(objectName="manualButton")
        self.language_button = QPushButton(objectName="languageButton")
        self.admin_button = QPushButton(objectName="adminButton")
        for button, signal in ((self.manual_button, self.manual), (self.language_button, self.language),
                               (self.admin_button, self.admin)):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(signal)
        # The notices have lines of their own: they are long, and wrapped beside the buttons they would
        # stand as towers of words (the start notice says what to fix in the settings file).
        rows = QVBoxLayout(self)
        rows.setContentsMargins(16, 6, 16, 6)
        rows.setSpacing(6)
        rows.addWidget(self.start_notice)
        rows.addWidget(self.authority)
        rows.addLayout(_line_up((self.camera, self.sync),
                                (self.manual_button, self.language_button, self.admin_button)))
        self.retranslate()

    def retranslate(self) -> None:
        self.manual_button.setText(self.tr("Manual entry (F3)"))
        # The button names the language it switches to, in that language: the English screen offers
        # "Tiếng Việt", and the Vietnamese catalogue translates that into "English".
        self.language_button.setText(self.tr("Tiếng Việt (F4)"))
        self.admin_button.setText(self.tr("Admin (F10)"))
        self._fit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_status(self, status: StatusView) -> None:
        self.camera.setText(status.camera)
        _set_property(self.camera, "problem", not status.camera_ok)
        self.sync.setText(status.sync)
        _set_property(self.sync, "problem", not status.sync_ok)
        self.authority.setText(status.authority)
        self.authority.setVisible(bool(status.authority))
        self.start_notice.setText(status.start_notice)
        self.start_notice.setVisible(bool(status.start_notice))
        self._fit()

    def _texts(self) -> tuple[tuple[QWidget, bool], ...]:
        return ((self.camera, True), (self.sync, True), (self.authority, True), (self.start_notice, True),
                (self.manual_button, False), (self.language_button, False), (self.admin_button, False))
