"""The big area of the door screen: paints a `DoorView` (colour, icon, word, the meeting's session, reason,
the watch list's note, name, the participant's organisation and seat, time) and, on the ready screen, the
down-scaled live preview. Font sizes follow the widget's height so that the verdict word
stays legible at two metres on any monitor; a line that does not wrap (the word, the name, the time) gets
smaller until it fits the width, never cut. While a dialog covers one side of the panel, the content is
drawn in the part that stays visible (`keep_clear`)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMargins, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter, QPixmap
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
MARGINS = QMargins(24, 16, 24, 16)
MIN_SCALE = 0.5  # how much smaller the texts may get when a dialog leaves the verdict little room


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
        self._covered: QRect | None = None  # the part a dialog covers, in the panel's coordinates
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

        # The lines that do not wrap get smaller to fit the width: they never ask for more.
        for label in self._one_liners():
            label.setMinimumWidth(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGINS)
        layout.addWidget(self.banner)
        layout.addStretch(1)
        for widget in (self.icon, self.word, self.meeting, self.reason, self.watch_note, self.name, self.details,
                       self.time, self.notice):
            layout.addWidget(widget)
        layout.addWidget(self.preview, 3)
        layout.addStretch(1)

    def screen_height(self) -> int:
        return self.window().height()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        # The panel takes the room the window has and fits its content into it (smaller texts, no icon):
        # it never asks for more, which would push the window past the screen.
        return QSize(0, 0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False

    def keep_clear(self, covered: QRect | None) -> None:
        """Draw the content beside `covered` (a dialog's frame, in this panel's coordinates), in the
        largest free part of the panel; None: the whole panel again."""
        self._covered = covered
        self._apply_sizes()

    def _margins(self) -> QMargins:
        margins = QMargins(MARGINS)
        covered = self._covered.intersected(self.rect()) if self._covered is not None else QRect()
        if covered.isEmpty():
            return margins
        width, height = self.width(), self.height()
        left, right = covered.left(), width - 1 - covered.right()
        above, below = covered.top(), height - 1 - covered.bottom()
        free = max((left * height, "left"), (right * height, "right"), (above * width, "above"),
                   (below * width, "below"))[1]
        if free == "left":
            margins.setRight(width - covered.left() + MARGINS.right())
        elif free == "right":
            margins.setLeft(covered.right() + 1 + MARGINS.left())
        elif free == "above":
            margins.setBottom(height - covered.top() + MARGINS.bottom())
        else:
            margins.setTop(covered.bottom() + 1 + MARGINS.top())
        return margins

    def _one_liners(self) -> tuple[QLabel, ...]:
        return (self.word, self.name, self.time)

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
        margins = self._margins()
        if margins != self.layout().contentsMargins():
            self.layout().setContentsMargins(margins)
        width = self.width() - margins.left() - margins.right()
        room = self.height() - margins.top() - margins.bottom()
        self._apply_fonts(height, width)
        self.icon.setVisible(self._view is not None)
        if self._view is not None:
            look = self._view.look
            # The preview, or a participant's organisation and seat, take the room of a full-size icon.
            smaller = self.preview.isVisibleTo(self) or self.details.isVisibleTo(self)
            size = int(height * ICON_HEIGHT * (0.6 if smaller else 1.0))
            key = (look.icon, look.foreground, size)
            if key not in self._icon_cache:
                self._icon_cache[key] = render_icon(look.icon, look.foreground, size)
            self.icon.setPixmap(self._icon_cache[key])
        if self._content_height(width) <= room:
            return
        # Short of room (a dialog below): the icon goes first (the word, the colour and the sound remain),
        # then every text gets smaller together, down to half its size.
        self.icon.setVisible(False)
        scale = 1.0
        while scale > MIN_SCALE and self._content_height(width) > room:
            scale = max(MIN_SCALE, scale - 0.05)
            self._apply_fonts(int(height * scale), width)

    def _content_height(self, width: int) -> int:
        """The height the visible lines take at `width` (the preview takes what is left)."""
        shown = [widget for widget in (self.banner, self.icon, *(label for label, *_ in self._lines()))
                 if widget.isVisibleTo(self)]
        heights = [widget.heightForWidth(width) if widget.hasHeightForWidth() else widget.sizeHint().height()
                   for widget in shown]
        return sum(heights) + self.layout().spacing() * max(0, len(shown) - 1)

    def _lines(self) -> tuple[tuple[QLabel, float, bool], ...]:
        """Each line of text under the icon: its share of the screen's height, and whether it is bold."""
        return ((self.word, WORD_HEIGHT, True), (self.meeting, REASON_HEIGHT, True),
                (self.reason, REASON_HEIGHT, False), (self.watch_note, REASON_HEIGHT, True),
                (self.name, DETAIL_HEIGHT, True), (self.details, DETAIL_HEIGHT, True),
                (self.time, DETAIL_HEIGHT, False), (self.notice, REASON_HEIGHT, True))

    def _apply_fonts(self, height: int, width: int) -> None:
        """Font sizes for a screen this tall; a line that does not wrap is made smaller until it fits
        `width`, never cut."""
        for label, share, bold in ((self.banner, DETAIL_HEIGHT, True), *self._lines()):
            font = QFont(label.font())
            pixels = int(height * share)
            font.setPixelSize(pixels)
            font.setBold(bold)
            if label in self._one_liners():
                text_width = QFontMetrics(font).horizontalAdvance(label.text())
                while text_width > width and pixels > 8:
                    pixels = max(8, min(pixels - 1, int(pixels * width / text_width)))
                    font.setPixelSize(pixels)
                    text_width = QFontMetrics(font).horizontalAdvance(label.text())
            if font != label.font():
                label.setFont(font)
