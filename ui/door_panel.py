"""The big area of the door screen: paints a `DoorView` (colour, icon, word, the meeting's session, reason,
the watch list's note, name, the participant's organisation and seat, time) and, on the ready screen, the
down-scaled live preview. Font sizes follow the widget's height so that the verdict word
stays legible at two metres on any monitor."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QFont, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from kiosk.door_screen import (
    DEMO_STRIPE_BACKGROUND,
    DEMO_STRIPE_EDGE,
    DEMO_STRIPE_FOREGROUND,
    DoorView,
    ScreenState,
)
from ui.resource_paths import icon_path

# Share of the window's height (the whole screen in kiosk mode) for each line of text.
WORD_HEIGHT = 0.11
REASON_HEIGHT = 0.052
DETAIL_HEIGHT = 0.045
ICON_HEIGHT = 0.22


def render_icon(name: str, colour: str, size: int) -> QPixmap:
    svg = icon_path(name).read_text(encoding="utf-8").replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


class DoorPanel(QWidget):
    """Shows one `DoorView`. `screen_height` is what the font sizes are measured against."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("doorPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._view: DoorView | None = None
        self._sized_for = 0  # the height the fonts were last chosen for
        self._icon_cache: dict[tuple[str, str, int], QPixmap] = {}

        # The demo-mode stripe: its own colours, whatever the look (see kiosk.door_screen).
        self.banner = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="demoBanner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.icon = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.word = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="verdictWord")
        self.reason = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="verdictReason")
        self.reason.setWordWrap(True)
        # The watch list's note for the guard (DoorView.watch_note): shown, never logged or stored.
        self.watch_note = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="watchNote")
        self.watch_note.setWordWrap(True)
        self.watch_note.setVisible(False)
        self.name = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="verdictName")
        self.details = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="verdictDetails")
        self.details.setWordWrap(True)
        self.meeting = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="meetingLine")
        self.meeting.setWordWrap(True)
        self.time = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="verdictTime")
        self.notice = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="verdictNotice")
        self.notice.setWordWrap(True)
        self.preview = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="preview")
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(self.banner)
        layout.addStretch(1)
        for widget in (self.icon, self.word, self.meeting, self.reason, self.watch_note, self.name, self.details,
                       self.time, self.notice):
            layout.addWidget(widget)
        layout.addWidget(self.preview, 3)
        layout.addStretch(1)

    def screen_height(self) -> int:
        return self.window().height()

    def show_view(self, view: DoorView) -> None:
        self._view = view
        look = view.look
        self.setStyleSheet(
            f"#doorPanel {{ background: {look.background}; }}"
            f"#doorPanel QLabel {{ color: {look.foreground}; background: transparent; }}"
            f"#doorPanel QLabel#demoBanner {{ color: {DEMO_STRIPE_FOREGROUND};"
            f" background: {DEMO_STRIPE_BACKGROUND}; border: 4px solid {DEMO_STRIPE_EDGE}; padding: 6px; }}"
        )
        self.banner.setText(view.banner)
        self.banner.setVisible(bool(view.banner))
        self.word.setText(view.word)
        self.reason.setText(view.reason)
        self.watch_note.setText(view.watch_note)
        self.watch_note.setVisible(bool(view.watch_note))
        self.name.setText(view.name)
        self.name.setVisible(bool(view.name))
        for label, text in ((self.details, view.details), (self.meeting, view.meeting)):
            label.setText(text)
            label.setVisible(bool(text))
        self.time.setText(view.time)
        self.time.setVisible(bool(view.time))
        self.notice.setText(view.notice)
        self.notice.setVisible(bool(view.notice))
        self.preview.setVisible(view.state in (ScreenState.READY, ScreenState.OFFLINE))
        self._apply_sizes()

    def show_preview(self, image: QImage) -> None:
        if not self.preview.isVisible():
            return
        box = self.preview.size()
        self.preview.setPixmap(
            QPixmap.fromImage(image).scaled(box, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.FastTransformation)
        )

    def clear_preview(self) -> None:
        self.preview.clear()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._apply_sizes()

    def _apply_sizes(self) -> None:
        height = max(self.screen_height(), 200)
        if height != self._sized_for:
            self._sized_for = height
            self._apply_fonts(height)
        if self._view is not None:
            look = self._view.look
            # The preview, or a participant's organisation and seat, take the room of a full-size icon.
            smaller = self.preview.isVisible() or self.details.isVisible()
            size = int(height * ICON_HEIGHT * (0.6 if smaller else 1.0))
            key = (look.icon, look.foreground, size)
            if key not in self._icon_cache:
                self._icon_cache[key] = render_icon(look.icon, look.foreground, size)
            self.icon.setPixmap(self._icon_cache[key])

    def _apply_fonts(self, height: int) -> None:
        for label, share, bold in (
            (self.banner, DETAIL_HEIGHT, True),
            (self.word, WORD_HEIGHT, True),
            (self.reason, REASON_HEIGHT, False),
            (self.watch_note, REASON_HEIGHT, True),
            (self.name, DETAIL_HEIGHT, True),
            (self.details, DETAIL_HEIGHT, True),
            (self.meeting, REASON_HEIGHT, True),
            (self.time, DETAIL_HEIGHT, False),
            (self.notice, REASON_HEIGHT, True),
        ):
            font = QFont(label.font())
            font.setPixelSize(int(height * share))
            font.setBold(bold)
            label.setFont(font)
