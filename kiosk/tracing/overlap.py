"""Who was there at the same time: a case's visits against everyone else's at the same locations.

Each overlap of a case visit with another person's visit at the same location is one contact: from, to,
minutes, and a tier (any overlap, 10 minutes or more, 15 minutes or more: the ECDC close-contact figure).
Optionally the case's visit is padded after they left by min(stay, 30 min), as Corona-Warn-App does for
aerosols that stay in a room; off unless asked for, and the answer says when it is on.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate
from datetime import datetime, timedelta
from enum import Enum
from typing import Collection, Iterable, Iterator, Sequence

from kiosk.tracing.visits import Visit

AEROSOL_PADDING_MAX = timedelta(minutes=30)
DEFAULT_CAP = 2000  # contacts listed at most; the answer says how many there were


class Tier(str, Enum):
    ANY = "any"
    TEN = "10"
    FIFTEEN = "15"

    @classmethod
    def of(cls, minutes: float) -> "Tier":
        if minutes >= 15:
            return cls.FIFTEEN
        if minutes >= 10:
            return cls.TEN
        return cls.ANY


@dataclass(frozen=True)
class Contact:
    person_key: str
    location: str
    start: datetime
    end: datetime
    case_entry_id: str  # the case visit this overlap belongs to
    entry_id: str  # the contact's visit
    display_name: str = ""

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    @property
    def tier(self) -> Tier:
        return Tier.of(self.minutes)


@dataclass(frozen=True)
class ContactList:
    contacts: tuple[Contact, ...]
    total: int  # overlaps found, listed or not
    capped: bool  # more were found than are listed


def padded_end(visit: Visit, padding: bool) -> datetime:
    """The end of a case visit as traced: with padding, min(stay, 30 min) after they left."""
    if not padding:
        return visit.end
    return visit.end + min(visit.end - visit.start, AEROSOL_PADDING_MAX)


def find_contacts(case_visits: Sequence[Visit], others: Iterable[Visit], *, case_keys: Collection[str],
                  min_minutes: float = 0, padding: bool = False, cap: int = DEFAULT_CAP) -> ContactList:
    """Overlaps of `others` with the case's visits, in time order. Visits of the case's own keys, at other
    locations, or overlapping less than `min_minutes` are left out; the first `cap` are listed.
    Each other visit is matched only with the case visits it can overlap (a bisection over the case's
    visits at its location): a guard at a gate with hundreds of visits costs no more per candidate."""
    by_location = {place: _CaseVisits(visits, padding) for place, visits in _by_location(case_visits).items()}
    found = []
    for other in others:
        if other.person_key in case_keys or other.location not in by_location:
            continue
        for case, traced_until in by_location[other.location].overlapping(other.start, other.end):
            start, end = max(case.start, other.start), min(traced_until, other.end)
            contact = Contact(other.person_key, other.location, start, end, case.entry_id, other.entry_id,
                              other.display_name)
            if contact.minutes >= min_minutes:
                found.append(contact)
    found.sort(key=lambda c: (c.start, -c.minutes, c.person_key, c.entry_id))
    return ContactList(tuple(found[:cap]), len(found), len(found) > cap)


def _by_location(visits: Iterable[Visit]) -> dict[str, list[Visit]]:
    grouped: dict[str, list[Visit]] = {}
    for visit in visits:
        grouped.setdefault(visit.location, []).append(visit)
    return grouped


class _CaseVisits:
    """A case's visits at one location, by start, with the latest traced end up to each: the visits an
    interval overlaps are found by bisection and a walk back that stops where no earlier one reaches it."""

    def __init__(self, visits: Sequence[Visit], padding: bool) -> None:
        self.visits = sorted(visits, key=lambda v: (v.start, v.entry_id))
        self.starts = [visit.start for visit in self.visits]
        self.ends = [padded_end(visit, padding) for visit in self.visits]
        self.reach = list(accumulate(self.ends, max))

    def overlapping(self, start: datetime, end: datetime) -> Iterator[tuple[Visit, datetime]]:
        index = bisect_left(self.starts, end) - 1  # the last case visit starting before `end`
        while index >= 0 and self.reach[index] > start:
            if self.ends[index] > start:
                yield self.visits[index], self.ends[index]
            index -= 1
