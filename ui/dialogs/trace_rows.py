"""A trace's answer as the rows of a table: each case visit, then the contacts who overlapped it, masked as
everywhere else, with the tier in words, a rank mark and the pattern its timeline bar has.

A cell's text is made when the view asks for it, so that a guard's 2,000 contacts cost the screen only the
rows it shows, never a frozen door.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon

from kiosk.tracing.masking import mask_person_key
from kiosk.tracing.overlap import Contact, Tier, padded_end
from kiosk.tracing.report import END_REASON_WORDS, TIER_WORDS, Trace, by_case_visit
from kiosk.tracing.visits import Visit
from ui.timeline import BAR_ROLE, Bar, Look, axis_of, swatch

TIER_MARKS = {Tier.FIFTEEN: "●●●", Tier.TEN: "●●○", Tier.ANY: "●○○"}  # the tier's rank, without colour
COLUMNS = 9
LOCATION, TIER, TIMELINE = 3, 7, 8
CASE_ROW = QBrush(QColor("#E8EEF7"))  # a case visit's row heads the contacts under it

Index = QModelIndex | QPersistentModelIndex
_ROLES = {Qt.ItemDataRole.DisplayRole, BAR_ROLE, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.FontRole,
          Qt.ItemDataRole.BackgroundRole}


@dataclass(frozen=True)
class RowWords:
    """The words of the rows in the screen's language: the tab's own strings, and the language the
    catalogue's words (tiers, how a visit ended) are given in."""

    case: str
    contact: str
    language: str


def shown(moment: datetime, zone: tzinfo | None, same_day_as: datetime | None = None) -> str:
    """A time in the door's zone; the time of day alone when it is the same day as `same_day_as`."""
    local = moment.astimezone(zone)
    if same_day_as is not None and same_day_as.astimezone(zone).date() == local.date():
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


class TraceRows(QAbstractTableModel):
    def __init__(self, zone: tzinfo | None) -> None:
        super().__init__()
        self._zone = zone
        self._answer: Trace | None = None
        self._rows: list[tuple[Visit, Contact | None]] = []
        self._made: dict[int, tuple[list[str], Bar]] = {}
        self._words = RowWords("", "", "vi")
        self._headers: list[str] = [""] * COLUMNS
        self._bold = QFont()

    def show(self, answer: Trace | None, words: RowWords, headers: list[str], font: QFont) -> None:
        """Rows for `answer` (None: no rows), worded with `words`, under `headers`; case visits in a bold
        `font` (the view's)."""
        self.beginResetModel()
        self._answer, self._words, self._headers, self._made = answer, words, headers, {}
        self._bold = QFont(font)
        self._bold.setBold(True)
        self._rows = by_case_visit(answer) if answer is not None else []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt's names)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt's names)
        return 0 if parent.isValid() else COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt's name)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():  # the view asks a dozen roles per cell it sizes
            return None
        cells, bar = self._row(index.row())
        column, case_row = index.column(), self._rows[index.row()][1] is None
        if role == Qt.ItemDataRole.DisplayRole:
            return cells[column] if column < TIMELINE else None
        if role == BAR_ROLE and column == TIMELINE:
            return bar
        if role == Qt.ItemDataRole.DecorationRole and column == TIER and not case_row:
            return _tier_icon(bar.look)
        if role == Qt.ItemDataRole.FontRole and case_row:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and case_row:
            return CASE_ROW
        return None

    def _row(self, row: int) -> tuple[list[str], Bar]:
        if row not in self._made:
            visit, contact = self._rows[row]
            self._made[row] = self._case(visit) if contact is None else self._contact(visit, contact)
        return self._made[row]

    def _case(self, visit: Visit) -> tuple[list[str], Bar]:
        words, zone = self._words, self._zone
        ended = f"{shown(visit.end, zone, visit.start)} ({END_REASON_WORDS[visit.end_reason].text(words.language)})"
        cells = [words.case, mask_person_key(visit.person_key), visit.display_name or "–", visit.location,
                 shown(visit.start, zone), ended, str(int(visit.minutes)), ""]
        return cells, self._bar(visit, visit.start, visit.end, Look.CASE)

    def _contact(self, visit: Visit, contact: Contact) -> tuple[list[str], Bar]:
        words, zone = self._words, self._zone
        cells = [words.contact, mask_person_key(contact.person_key), contact.display_name or "–", contact.location,
                 shown(contact.start, zone, visit.start), shown(contact.end, zone, contact.start),
                 str(int(contact.minutes)), f"{TIER_MARKS[contact.tier]} {TIER_WORDS[contact.tier].text(words.language)}"]
        return cells, self._bar(visit, contact.start, contact.end, Look.of(contact.tier))

    def _bar(self, visit: Visit, start: datetime, end: datetime, look: Look) -> Bar:
        """A row's bar on the axis of its case visit (padding included when the trace was padded)."""
        traced_until = padded_end(visit, self._answer.padding)
        padded = look is Look.CASE and traced_until > visit.end
        local = [moment.astimezone(self._zone) for moment in (visit.start, traced_until, start, end)]
        return Bar(*axis_of(local[0], local[1]), local[2], local[3], look, local[1] if padded else None)


@cache
def _tier_icon(look: Look) -> QIcon:
    return QIcon(swatch(look, 22, 12))
