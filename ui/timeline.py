"""A trace's timeline, drawn in a table column: each row's bar on the time axis of the case visit it belongs
to, so that a case visit and every contact's overlap with it read at a glance, one under the other.

A bar's look tells what it is by pattern as well as colour (guards and tracers can be colour-blind): the
case's visit solid dark blue, its padding (aerosols) hatched in the same blue; contacts solid for 15
minutes or more, cross-hatched for 10 or more, dotted for any shorter overlap. `swatch` draws the same
looks for the legend and for the tier column, so the three always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import cache

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from kiosk.tracing.overlap import Tier

BAR_ROLE = Qt.ItemDataRole.UserRole + 1  # a row's `Bar`, in the timeline column's item
SHORTEST_BAR = 4  # pixels: a one-minute overlap on a day's axis is still seen
MOST_HOUR_TICKS = 30  # an axis longer than this many hours gets no hour ticks (they would blur into grey)


class Look(Enum):
    CASE = "case"
    PADDING = "padding"
    CLOSE = Tier.FIFTEEN.value
    TEN = Tier.TEN.value
    ANY = Tier.ANY.value

    @classmethod
    def of(cls, tier: Tier) -> "Look":
        return cls(tier.value)


_COLOURS = {Look.CASE: "#1A3F7A", Look.PADDING: "#1A3F7A", Look.CLOSE: "#B3261E", Look.TEN: "#C45A00",
            Look.ANY: "#5C5C00"}
_PATTERNS = {Look.CASE: Qt.BrushStyle.SolidPattern, Look.PADDING: Qt.BrushStyle.BDiagPattern,
             Look.CLOSE: Qt.BrushStyle.SolidPattern, Look.TEN: Qt.BrushStyle.DiagCrossPattern,
             Look.ANY: Qt.BrushStyle.Dense5Pattern}


@dataclass(frozen=True)
class Bar:
    """One row's interval on its axis (the case visit's time, padding included, with a margin)."""

    axis_start: datetime
    axis_end: datetime
    start: datetime
    end: datetime
    look: Look
    padded_until: datetime | None = None  # a case visit traced on after the case left


def axis_of(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """A case visit's axis: its time with a twentieth of it (at least five minutes) on either side."""
    margin = max((end - start) / 20, timedelta(minutes=5))
    return start - margin, end + margin


def paint_look(painter: QPainter, rect: QRectF, look: Look) -> None:
    colour = QColor(_COLOURS[look])
    if _PATTERNS[look] is not Qt.BrushStyle.SolidPattern:
        painter.fillRect(rect, QColor("#FFFFFF"))
    painter.fillRect(rect, QBrush(colour, _PATTERNS[look]))
    painter.setPen(QPen(colour, 1.5))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect.adjusted(0.75, 0.75, -0.75, -0.75))


@cache
def swatch(look: Look, width: int = 34, height: int = 16) -> QPixmap:
    """The look as a small picture: for the legend and the tier column (drawn once per look and size)."""
    pixmap = QPixmap(width, height)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_look(painter, QRectF(0, 0, width, height), look)
    painter.end()
    return pixmap


class TimelineDelegate(QStyledItemDelegate):
    """Paints the `Bar` a cell holds (under BAR_ROLE) instead of text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        bar = index.data(BAR_ROLE)
        if not isinstance(bar, Bar):
            super().paint(painter, option, index)
            return
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        area = option.rect.adjusted(6, 5, -6, -5)
        _paint_hours(painter, area, bar)
        if bar.padded_until is not None:
            paint_look(painter, _span(area, bar, bar.end, bar.padded_until), Look.PADDING)
        span = _span(area, bar, bar.start, bar.end)
        paint_look(painter, span, bar.look)
        if bar.look is Look.CASE:
            painter.setFont(option.font)
            painter.setClipRect(span)
            _label_hours(painter, area, bar)
        painter.restore()


def _x(area: QRect, bar: Bar, moment: datetime) -> float:
    span = (bar.axis_end - bar.axis_start).total_seconds()
    return area.left() + area.width() * (moment - bar.axis_start).total_seconds() / span


def _span(area: QRect, bar: Bar, start: datetime, end: datetime) -> QRectF:
    left, right = _x(area, bar, start), _x(area, bar, end)
    width = max(right - left, SHORTEST_BAR)
    return QRectF(left, area.top(), width, area.height())


def _hours(bar: Bar) -> list[datetime]:
    """The full hours on the axis (none on an axis too long for them to be told apart)."""
    if bar.axis_end - bar.axis_start > timedelta(hours=MOST_HOUR_TICKS):
        return []
    hour = bar.axis_start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hours = []
    while hour < bar.axis_end:
        hours.append(hour)
        hour += timedelta(hours=1)
    return hours


def _paint_hours(painter: QPainter, area: QRect, bar: Bar) -> None:
    """A faint line at each full hour of the axis, and the axis itself."""
    painter.setPen(QPen(QColor("#9E9E9E"), 1))
    middle = area.center().y()
    painter.drawLine(area.left(), middle, area.right(), middle)
    painter.setPen(QPen(QColor("#B0B0B0"), 1, Qt.PenStyle.DotLine))
    for hour in _hours(bar):
        x = round(_x(area, bar, hour))
        painter.drawLine(x, area.top() - 4, x, area.bottom() + 4)


def _label_hours(painter: QPainter, area: QRect, bar: Bar) -> None:
    """The case's row names the hours its ticks stand for, in white on its bar (clipped to it)."""
    painter.setPen(QColor("#FFFFFF"))
    for hour in _hours(bar):
        x = round(_x(area, bar, hour)) + 3
        painter.drawText(QRect(x, area.top(), area.width(), area.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, f"{hour:%H}h")
