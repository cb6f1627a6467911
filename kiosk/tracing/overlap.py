"""Who was there at the same time: a case's visits against everyone else's at the same locations.

Each overlap of a case visit with another person's visit at the same location is one contact: from, to,
minutes, and a tier (any overlap, 10 minutes or more, 15 minutes or more: the ECDC close-contact figure).
Optionally the case's visit is padded after they left by min(stay, 30 min), as Corona-Warn-App does for
aerosols that stay in a room; off unless asked for, and the answer says when it is on.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from itertools import accumulate, groupby
from typing import Callable, Collection, Iterable, Iterator, Sequence

from kiosk.tracing.visits import Visit

AEROSOL_PADDING_MAX = timedelta(minutes=30)
DEFAULT_CAP = 2000  # contacts listed at most; the answer says when there were more

# The visits at a case visit's location that overlap [case.start, traced_until): first every one that
# started before case.start (in any order), then those starting from case.start on, in start order.
Candidates = Callable[[Visit, datetime], Iterable[Visit]]


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
    """The contacts in time order (overlap start, then longest first, person key, entry id).

    `total` is exact unless `capped`. When capped, `contacts` holds the first `cap` in time order, more
    exist, and `total` is only a lower bound (more than `cap`): an exact count would mean reading every
    overlap, which a busy hall cannot do in the time a trace is given."""

    contacts: tuple[Contact, ...]
    total: int  # overlaps found, listed or not: exact unless capped
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
    rank = {visit.entry_id: index for index, visit in enumerate(case_visits)}  # ties: the case's visits in order
    found.sort(key=lambda contact: (*_order(contact), rank[contact.case_entry_id]))
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

def first_contacts(case_visits: Sequence[Visit], candidates: Candidates, *, case_keys: Collection[str],
                   min_minutes: float = 0, padding: bool = False, cap: int = DEFAULT_CAP) -> ContactList:
    """The contacts find_contacts gives, in its order, read only as far as the first `cap` + 1.

    `case_visits` are in time order; `candidates(case_visit, traced_until)` gives the visits that can
    overlap one of them (see `Candidates`). Every contact of a case visit starts at or after its start, so
    its contacts come in time order from its candidates (sorted only among equal starts), the case visits'
    lists are merged, and a case visit's candidates are read only once the merged list reaches its start.
    When cap + 1 are found the reading stops: the list is capped and `total` is a lower bound."""
    streams = (_contacts_of(index, case, candidates, case_keys, min_minutes, padding)
               for index, case in enumerate(case_visits))
    merged = _merged(streams, [case.start for case in case_visits])
    found = []
    try:
        for contact in merged:
            found.append(contact)
            if len(found) > cap:
                break
    finally:
        merged.close()
    return ContactList(tuple(found[:cap]), len(found), len(found) > cap)


def _order(contact: Contact) -> tuple[datetime, timedelta, str, str]:
    """Time order: overlap start, then the longest first (start - end: minus its length), person, entry."""
    return contact.start, contact.start - contact.end, contact.person_key, contact.entry_id


def _contacts_of(index: int, case: Visit, candidates: Candidates, case_keys: Collection[str],
                 min_minutes: float, padding: bool) -> Iterator[tuple[tuple, int, Contact]]:
    """The contacts of one case visit in time order, as (order, case index, contact) for the merge. Each
    overlap is sorted by its order among those of the same start; a contact is made only when it is reached."""
    traced_until = padded_end(case, padding)
    found = iter(candidates(case, traced_until))
    try:
        overlaps = _overlaps(case, traced_until, found, case_keys, min_minutes)
        for _start, same_start in groupby(overlaps, key=lambda overlap: overlap[0][0]):
            for order, other in sorted(same_start, key=lambda overlap: overlap[0]):
                start, minus_length = order[0], order[1]
                yield order, index, Contact(other.person_key, other.location, start, start - minus_length,
                                            case.entry_id, other.entry_id, other.display_name)
    finally:
        close = getattr(found, "close", None)
        if close is not None:
            close()


def _overlaps(case: Visit, traced_until: datetime, found: Iterable[Visit], case_keys: Collection[str],
              min_minutes: float) -> Iterator[tuple[tuple, Visit]]:
    """(order, visit) of each candidate of another person overlapping [case.start, traced_until) enough."""
    for other in found:
        if other.person_key in case_keys or other.location != case.location:
            continue
        start = other.start if other.start > case.start else case.start
        end = other.end if other.end < traced_until else traced_until
        if end > start and (not min_minutes or (end - start).total_seconds() / 60 >= min_minutes):
            yield (start, start - end, other.person_key, other.entry_id), other


def _merged(streams: Iterator[Iterator[tuple[tuple, int, Contact]]], starts: list[datetime]) -> Iterator[Contact]:
    """The streams' contacts in one time order; stream i (whose contacts start at or after starts[i], in
    ascending order) is opened only when no contact found so far comes before starts[i]. Closing this
    closes the streams still open (a store's cursors)."""
    heap: list[tuple[tuple, int, Contact, Iterator]] = []
    opened = 0
    try:
        while True:
            while opened < len(starts) and (not heap or heap[0][0][0] >= starts[opened]):
                _push(heap, next(streams))
                opened += 1
            if not heap:
                return
            _order_key, _index, contact, stream = heapq.heappop(heap)
            _push(heap, stream)
            yield contact
    finally:
        for *_found, stream in heap:
            stream.close()  # type: ignore[attr-defined]


def _push(heap: list, stream: Iterator[tuple[tuple, int, Contact]]) -> None:
    """The stream's next contact onto the heap, if it has one."""
    following = next(stream, None)
    if following is not None:
        heapq.heappush(heap, (*following, stream))
