"""Who attended a session, and how long, from the entries its stations stored: the one rule every report
uses (docs/meetings.md, "Attendance").

- A session counts the entries of its stations scanned in [opens, end + 60 min), cut at the next session's
  `opens` on the same station. Refused entries never count.
- An entry belongs to a participant when its reasons carry `meeting.listed` with a participant of this
  event (one of another event's makes the entry not this event's at all), else when its person key or
  linked key is one of the participant's keys.
- Per person, in time order: an "in" opens a stay if none is open, an "out" closes it, an "out" with no
  open stay is ignored, and a stay still open at the end closes at the end. Minutes: the stays' overlap with
  [start, end], rounded to the nearest minute.
- absent: no "in"; late: first "in" after start + late_after; left-early: not late, and the last stay was
  closed by an "out" before end - early_leave; else present.
- Walk-ins: people on no list with an admitted or warned "in", one per person (entries joined by their
  person and linked keys), named as the door showed them.

Pure: the rows come in as plain values (server.meetings.report_data reads them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import cached_property
from operator import attrgetter
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from kiosk.contract import Direction, Outcome

IN, OUT, REFUSED = Direction.IN.value, Direction.OUT.value, Outcome.REFUSE.value  # plain strings: hot loops
EXITS_AFTER_END = timedelta(minutes=60)  # exits are still counted this long after a session's end
LISTED_REASON = "meeting.listed"

PRESENT = "present"
ABSENT = "absent"
LATE = "late"
LEFT_EARLY = "left-early"
WALK_IN = "walk-in"
STATUSES = (PRESENT, LATE, LEFT_EARLY, ABSENT, WALK_IN)


@dataclass(frozen=True)
class SessionRules:
    """A session's times and its event's thresholds. `opens`: the earliest its stations open for it;
    `station_opens`: when each of its stations (by id) opens for it where that is later (the previous
    session there ended after `opens`: kiosk.meetings.plan.opening). `next_opens`: for each of its stations
    where a later session follows, when that one opens; this session's entries there stop at that moment."""

    name: str
    room: str
    start: datetime
    end: datetime
    opens: datetime
    late_after: timedelta
    early_leave: timedelta
    stations: frozenset[int]
    next_opens: Mapping[int, datetime] = field(default_factory=dict)
    station_opens: Mapping[int, datetime] = field(default_factory=dict)

    @property
    def until(self) -> datetime:
        """The end of the widest window (a station with no later session)."""
        return self.end + EXITS_AFTER_END

    def window_ends(self) -> dict[int, datetime]:
        """For each of its stations, when this session's entries there stop: the widest window's end, or
        earlier where the next session opens."""
        return {station: min(self.until, self.next_opens.get(station, self.until)) for station in self.stations}


@dataclass(frozen=True)
class ListedPerson:
    """A participant of the event: `keys` are their tagged person keys (ID number, phone, badge)."""

    id: str
    name: str
    organisation: str = ""
    group: str = ""
    keys: frozenset[str] = frozenset()


class Scan(NamedTuple):
    """One stored entry, as far as attendance is concerned (keys tagged, `display_name` masked). A named
    tuple, not a dataclass: a large report makes a hundred thousand of them, at a third of the cost."""

    station: int
    scanned_at: datetime
    direction: str
    verdict: str
    person_key: str
    linked_key: str | None = None
    display_name: str = ""
    listed: str | None = None  # the participant its `meeting.listed` reason names (listed_participant)


@dataclass(frozen=True)
class AttendanceRow:
    session: str
    participant: str  # "" for a walk-in
    name: str
    organisation: str
    group: str
    status: str  # one of STATUSES
    minutes: int
    first_in: datetime | None
    last_out: datetime | None  # the "out" that closed the last stay; None when it closed at the end


@dataclass(frozen=True)
class SessionSummary:
    session: str
    room: str
    start: datetime
    end: datetime
    listed: int
    attended: int  # present + late + left_early
    present: int
    late: int
    left_early: int
    absent: int
    walk_ins: int
    arrivals: tuple[datetime, ...]  # the first "in" of each person who came, walk-ins included, in order


@dataclass(frozen=True)
class EventReport:
    event: str
    generated_at: datetime
    zone: tzinfo
    sessions: tuple[SessionSummary, ...]
    rows: tuple[AttendanceRow, ...]

    @cached_property
    def local_times(self) -> tuple[tuple[str, str], ...]:
        """Each row's first_in and last_out as ISO 8601 in the report's zone to the second ("" for none):
        worked out once for all the files made of the report, not once per file."""
        zone, times = self.zone, {None: ""}
        for row in self.rows:
            for moment in (row.first_in, row.last_out):
                if moment not in times:
                    times[moment] = moment.astimezone(zone).isoformat(timespec="seconds")
        return tuple((times[row.first_in], times[row.last_out]) for row in self.rows)


@dataclass(frozen=True)
class _Presence:
    first_in: datetime | None
    last_out: datetime | None  # the "out" that closed the last stay
    minutes: int


_NOBODY = _Presence(None, None, 0)
_SCANNED_AT = attrgetter("scanned_at")


def session_attendance(rules: SessionRules, listed: Sequence[ListedPerson],
                       scans: Iterable[Scan]) -> tuple[tuple[AttendanceRow, ...], SessionSummary]:
    """One row per listed participant (in the order given), then one per walk-in (by arrival), and the
    session's counts. `listed` is every participant of the event."""
    by_id = {person.id: person for person in listed}
    by_key: dict[str, str] = {}
    for person in listed:
        for key in person.keys:
            by_key.setdefault(key, person.id)
    theirs: dict[str, list[Scan]] = {person.id: [] for person in listed}
    strangers: list[Scan] = []
    for scan in sorted(_counted(rules, scans), key=_SCANNED_AT):
        named = scan.listed
        if named is not None:
            if named in by_id:
                theirs[named].append(scan)
            continue  # another event's participant: the door counted this entry for that event
        owner = by_key.get(scan.person_key) or (by_key.get(scan.linked_key) if scan.linked_key else None)
        if owner is not None:
            theirs[owner].append(scan)
        elif scan.person_key:
            strangers.append(scan)
    rows = [_listed_row(rules, person, _presence(rules, theirs[person.id])) for person in listed]
    walk_ins = sorted((_walk_in_row(rules, scans) for scans in _people(strangers)
                       if any(scan.direction == IN for scan in scans)),
                      key=lambda row: (row.first_in, row.name))
    return (*rows, *walk_ins), _summary(rules, rows, walk_ins)


def _counted(rules: SessionRules, scans: Iterable[Scan]) -> list[Scan]:
    """The scans that are this session's: not refused, at one of its stations, in that station's window."""
    until, opens, later = rules.window_ends(), rules.opens, rules.station_opens
    return [scan for scan in scans
            if scan.verdict != REFUSED and scan.station in until
            and later.get(scan.station, opens) <= scan.scanned_at < until[scan.station]]


def listed_participant(reasons: Iterable[Any]) -> str | None:
    """The participant the first `meeting.listed` reason naming one names, if any. Reasons are stored as
    the kiosk sent them: checked, not trusted. (server.meetings.report_data asks the database the same.)"""
    for reason in reasons:
        if isinstance(reason, Mapping) and reason.get("code") == LISTED_REASON:
            params = reason.get("params")
            participant = params.get("participant") if isinstance(params, Mapping) else None
            if isinstance(participant, str) and participant:
                return participant
    return None


def _presence(rules: SessionRules, scans: Sequence[Scan]) -> _Presence:
    """Stays from a person's scans in time order, and their overlap with the session."""
    if not scans:
        return _NOBODY
    first_in = opened = last_out = None
    seconds = 0.0
    for scan in scans:
        if scan.direction == IN and opened is None:
            opened = scan.scanned_at
            first_in = first_in or opened
        elif scan.direction == OUT and opened is not None:
            seconds += _overlap(rules, opened, scan.scanned_at)
            opened, last_out = None, scan.scanned_at
    if opened is not None:  # never scanned out: the stay ends with the session
        seconds += _overlap(rules, opened, rules.end)
        last_out = None
    return _Presence(first_in, last_out, math.floor(seconds / 60 + 0.5))


def _overlap(rules: SessionRules, since: datetime, until: datetime) -> float:
    return max(0.0, (min(until, rules.end) - max(since, rules.start)).total_seconds())


def _status(rules: SessionRules, presence: _Presence) -> str:
    if presence.first_in is None:
        return ABSENT
    if presence.first_in > rules.start + rules.late_after:
        return LATE
    if presence.last_out is not None and presence.last_out < rules.end - rules.early_leave:
        return LEFT_EARLY
    return PRESENT


def _listed_row(rules: SessionRules, person: ListedPerson, presence: _Presence) -> AttendanceRow:
    return AttendanceRow(rules.name, person.id, person.name, person.organisation, person.group,
                         _status(rules, presence), presence.minutes, presence.first_in, presence.last_out)


def _walk_in_row(rules: SessionRules, scans: Sequence[Scan]) -> AttendanceRow:
    presence = _presence(rules, scans)
    shown = [scan.display_name for scan in scans if scan.display_name]
    arrived = [scan.display_name for scan in scans if scan.display_name and scan.direction == IN]
    name = (arrived or shown or [""])[0]
    return AttendanceRow(rules.name, "", name, "", "", WALK_IN, presence.minutes, presence.first_in,
                         presence.last_out)


def _people(scans: Sequence[Scan]) -> list[list[Scan]]:
    """Scans grouped by person: two scans are one person's when they share a person or linked key."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for scan in scans:
        if scan.linked_key:
            parent[root(scan.linked_key)] = root(scan.person_key)
    groups: dict[str, list[Scan]] = {}
    for scan in scans:  # already in time order, and so is each group
        groups.setdefault(root(scan.person_key), []).append(scan)
    return list(groups.values())


def _summary(rules: SessionRules, rows: Sequence[AttendanceRow], walk_ins: Sequence[AttendanceRow]) -> SessionSummary:
    count = {status: 0 for status in STATUSES}
    for row in rows:
        count[row.status] += 1
    arrivals = sorted(row.first_in for row in (*rows, *walk_ins) if row.first_in is not None)
    return SessionSummary(rules.name, rules.room, rules.start, rules.end, listed=len(rows),
                          attended=count[PRESENT] + count[LATE] + count[LEFT_EARLY], present=count[PRESENT],
                          late=count[LATE], left_early=count[LEFT_EARLY], absent=count[ABSENT],
                          walk_ins=len(walk_ins), arrivals=tuple(arrivals))
