"""Every dialog the door window opens, sized and placed for a door screen.

A door screen is read at arm's length and touched with a finger: a dialog's text and buttons scale with the
screen's height (never under 18 px), its buttons and fields are fingertip-sized, and wrapped text such as
an error always gets the room it needs.

Scanning goes on while a dialog is open, so a dialog never hides the verdict: it takes one side of the door
panel and the panel draws its content in the part left free (`Side`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QMargins, QObject, QPoint, QRect
from PySide6.QtWidgets import QDialog

from ui.door_panel import DoorPanel

TEXT_HEIGHT = 0.026  # a dialog's text, as a share of the door screen's height
MIN_TEXT_PIXELS = 18
BUTTON_LINES = 2.4  # a button's height in lines of text: a fingertip
FIELD_LINES = 1.9  # an input field's height in lines of text
PIN_TEXT = 1.8  # the PIN field's text, in dialog text sizes: the digits' dots are seen from a step back


@dataclass(frozen=True)
class Side:
    """Where a dialog goes. `below` False: over the right part of the door panel (`share` of its width, the
    height its content needs), the verdict drawn to its left. `below` True, for a dialog too wide for
    that: over the lower part of the panel and the bottom bar (`share` of their height, at least what the
    dialog needs), the verdict drawn above it."""

    share: float
    below: bool


NARROW = Side(0.42, below=False)  # the PIN, manual entry: a few fields
WIDE = Side(0.7, below=True)  # the admin screen: tables, the trace's form and timeline


def text_pixels(screen_height: int) -> int:
    """A dialog's text size on a door screen this tall."""
    return max(MIN_TEXT_PIXELS, round(screen_height * TEXT_HEIGHT))


def door_style(pixels: int) -> str:
    """The dialog's sizes for text of `pixels` (its colours are the theme's, resources/themes/kiosk.qss)."""
    button = round(pixels * BUTTON_LINES)
    field = round(pixels * FIELD_LINES)
    pin = round(pixels * PIN_TEXT)
    return (
        f"QWidget {{ font-size: {pixels}px; }}"
        f"QPushButton {{ min-height: {button}px; min-width: {2 * button}px; }}"
        f"QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox, QDateTimeEdit {{ min-height: {field}px; }}"
        f"QLineEdit#pinField {{ font-size: {pin}px; min-height: {round(pin * FIELD_LINES)}px; }}"
        f"QTabBar::tab {{ min-height: {button}px; padding: 0 {pixels}px; }}"
        f"QCheckBox::indicator {{ width: {pixels}px; height: {pixels}px; }}"
    )


def place_beside_verdict(dialog: QDialog, panel: DoorPanel, side: Side) -> None:
    """Size `dialog` for the door screen and keep it on one side of `panel` while it is open; the panel
    keeps its content clear of the dialog's frame, wherever the dialog ends up."""
    dialog.setStyleSheet(door_style(text_pixels(panel.screen_height())))
    _Beside(dialog, panel, side).place()


class _Beside(QObject):
    """Places the dialog when it shows, when its content asks for more room (a new error text) and when the
    window or the panel moves or changes size; tells the panel what the dialog's frame covers, wherever a
    window manager (or a hand) puts it."""

    def __init__(self, dialog: QDialog, panel: DoorPanel, side: Side) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self._panel = panel
        self._side = side
        self._placing = False
        self._placed_with = QMargins()
        self._window = panel.window()
        for watched in (dialog, panel, self._window):
            watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if watched is self._panel or watched is self._window:
            if kind in (QEvent.Type.Resize, QEvent.Type.Move) and self._dialog.isVisible():
                self.place()
        elif kind in (QEvent.Type.Show, QEvent.Type.LayoutRequest):
            self.place()
        elif kind in (QEvent.Type.Move, QEvent.Type.Resize):
            if self._frame_margins() != self._placed_with:
                self.place()  # a window manager framed it after it showed: place the frame, not the inside
            else:
                self._cover()
        elif kind == QEvent.Type.Hide:
            self._panel.keep_clear(None)
        return False

    def place(self) -> None:
        if self._placing:
            return
        self._placing = True
        try:
            self._placed_with = self._frame_margins()
            self._dialog.setGeometry(self._geometry())
        finally:
            self._placing = False
        self._cover()

    def _frame_margins(self) -> QMargins:
        """The window manager's frame around the dialog (none without a window manager)."""
        frame, inner = self._dialog.frameGeometry(), self._dialog.geometry()
        return QMargins(inner.left() - frame.left(), inner.top() - frame.top(), frame.right() - inner.right(),
                        frame.bottom() - inner.bottom())

    def _geometry(self) -> QRect:
        """The dialog's own geometry (inside its window frame, if a window manager draws one)."""
        panel = self._panel
        area = QRect(panel.mapToGlobal(QPoint(0, 0)), panel.size())
        margins = self._placed_with
        left, top = margins.left(), margins.top()
        extra_width, extra_height = left + margins.right(), top + margins.bottom()
        layout = self._dialog.layout()
        if self._side.below:
            window = self._window
            area.setBottom(window.mapToGlobal(QPoint(0, window.height() - 1)).y())  # over the bottom bar too
            width = area.width() - extra_width
            height = max(round(area.height() * self._side.share) - extra_height,
                         layout.totalMinimumSize().height())
            height = min(height, area.height() - extra_height)
            return QRect(area.left() + left, area.bottom() + 1 - height - extra_height + top, width, height)
        width = round(area.width() * self._side.share) - extra_width
        room = area.height() - extra_height
        height = layout.totalMinimumSize().height()
        if layout.hasHeightForWidth():
            height = max(height, layout.totalHeightForWidth(width))
        height = min(max(height, layout.totalSizeHint().height()), room)
        x = area.right() + 1 - width - extra_width + left
        y = area.top() + (room - height) // 2 + top
        return QRect(x, y, width, height)

    def _cover(self) -> None:
        if not self._dialog.isVisible():
            return
        frame = self._dialog.frameGeometry()
        self._panel.keep_clear(QRect(self._panel.mapFromGlobal(frame.topLeft()), frame.size()))
