"""What the self-test checks on each screenshot, besides that the state appeared: the window keeps the
screen's size (a long station name must not widen it), the bars' texts and buttons stay inside it, the
verdict word fits its line and no dialog covers it. Each problem is a sentence for the installer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QFontMetrics, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QStyle, QWidget

from kiosk.door_screen import ScreenState

if TYPE_CHECKING:
    from ui.window import KioskWindow


def screen_picture(window: QWidget) -> QPixmap:
    """What the screen shows of `window`: the window, with every dialog it opened painted where it is."""
    picture = window.grab()
    painter = QPainter(picture)
    for dialog in open_dialogs(window):
        painter.drawPixmap(dialog.frameGeometry().topLeft() - window.geometry().topLeft(), dialog.grab())
    painter.end()
    return picture


def open_dialogs(window: QWidget) -> list[QWidget]:
    return [widget for widget in QApplication.topLevelWidgets()
            if widget is not window and widget.isVisible() and widget.parentWidget() is window]


def layout_problems(window: QWidget, size: QSize, parts: dict[str, QWidget]) -> list[str]:
    """The window is `size`, and each of `parts` (named for the sentence) lies inside it."""
    problems = []
    if window.size() != size:
        problems.append(f"the window is {window.width()}×{window.height()}, not {size.width()}×{size.height()}")
    inside = window.rect()
    for name, part in parts.items():
        if part.isVisible() and not inside.contains(_rect_in(part, window)):
            problems.append(f"{name} is outside the window")
    return problems


def word_problems(window: QWidget, word: QLabel) -> list[str]:
    """The verdict word fits its line and no dialog covers any of it."""
    problems = []
    metrics = QFontMetrics(word.font())
    text = QSize(metrics.horizontalAdvance(word.text()), metrics.height())
    if text.width() > word.contentsRect().width():
        problems.append(f"the word {word.text()!r} is wider than its line")
    drawn = QStyle.alignedRect(word.layoutDirection(), word.alignment(), text, word.contentsRect())
    shown = drawn.translated(word.mapToGlobal(QPoint(0, 0)))
    for dialog in open_dialogs(window):
        if dialog.frameGeometry().intersects(shown):
            problems.append(f"the dialog {dialog.windowTitle()!r} covers the word {word.text()!r}")
    return problems


def door_problems(window: "KioskWindow", size: QSize) -> list[str]:
    """Every check of a shot of the door window: its size and bars, and the verdict word when one is shown."""
    parts = {"the station's name": window.top.station, "the count inside": window.top.inside,
             "today's count": window.top.today, "the clock": window.top.clock,
             "the manual entry button": window.bottom.manual_button,
             "the language button": window.bottom.language_button,
             "the admin button": window.bottom.admin_button}
    problems = layout_problems(window, size, parts)
    if window.view is not None and window.view.state is ScreenState.VERDICT:
        problems += word_problems(window, window.panel.word)
    return problems


def _rect_in(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
