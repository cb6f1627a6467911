"""From scans to visits: when a person was at a location, and how the end of that time was decided.

An admitted entry scan opens a visit. It ends at the person's next scan when that is an exit at the same
location (an exit is believed even after the default stay, but not past the closing time, an operator's
closure or MAX_STAY), or at any other next scan (a door elsewhere, or this door again) that comes before the
end the location's rules give. With no such scan the rules decide: the default stay, the closing time, an
operator closing all open visits, whichever comes first. Peers do the same: Corona-Warn-App's default stay
in 15-minute steps, pretix's "exit all at", luca's 24-hour limit.

Deterministic: the same scans give the same visits, so a person's visits can be rebuilt whenever scans
arrive late or out of order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from kiosk.contract import Direction

MAX_STAY = timedelta(hours=24)  # no visit is longer: index scans for overlaps can be bounded by it
DEFAULT_STAY = timedelta(hours=2)
STAY_STEP = timedelta(minutes=15)
SHORTEST_STAY = STAY_STEP
LONGEST_STAY = MAX_STAY
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class EndReason(str, Enum):
    EXIT = "exit"
    NEXT_SCAN = "next_scan"
    DEFAULT_STAY = "default_stay"
    CLOSING_TIME = "closing_time"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Scan:
    entry_id: str
    person_key: str
    location: str
    at: datetime
    direction: Direction
    admitted: bool  # the door let them through (admit or warn)
    display_name: str = ""  # as the door stored it (masked)


def stay_from_minutes(minutes: int) -> timedelta:
    """A default stay as peers allow it: rounded to 15-minute steps, between 15 minutes and 24 hours."""
    steps = round(minutes / (STAY_STEP.total_seconds() / 60))
    return min(max(STAY_STEP * steps, SHORTEST_STAY), LONGEST_STAY)


@dataclass(frozen=True)
class LocationRules:
    default_stay: timedelta = DEFAULT_STAY
    closing_time: time | None = None  # "exit all at": every visit ends at this local time
    zone: ZoneInfo = VIETNAM
    closures: tuple[datetime, ...] = ()  # moments an operator closed all open visits, in time order

    def limit(self, start: datetime) -> tuple[datetime, EndReason]:
        """When a visit starting at `start` ends if no exit is scanned, and why."""
        candidates = [(start + self.default_stay, EndReason.DEFAULT_STAY)]
        closing = self.closing_after(start)
        if closing is not None:
            candidates.append((closing, EndReason.CLOSING_TIME))
        closure = self.closure_after(start)
        if closure is not None:
            candidates.append((closure, EndReason.OPERATOR))
        return min(candidates, key=lambda candidate: candidate[0])

    def hard_limit(self, start: datetime) -> datetime:
        """The latest an exit can end a visit: the closing time, a closure or MAX_STAY."""
        limits = [start + MAX_STAY]
        limits += [moment for moment in (self.closing_after(start), self.closure_after(start)) if moment]
        return min(limits)

    def closing_after(self, start: datetime) -> datetime | None:
        if self.closing_time is None:
            return None
        local = start.astimezone(self.zone)
        closing = datetime.combine(local.date(), self.closing_time, tzinfo=self.zone)
        if closing <= local:
            closing = datetime.combine(local.date() + timedelta(days=1), self.closing_time, tzinfo=self.zone)
        return closing.astimezone(start.tzinfo)

    def closure_after(self, start: datetime) -> datetime | None:
        index = bisect_right(self.closures, start)
        return self.closures[index] if index < len(self.closures) else None


@dataclass(frozen=True)
class Visit:
    entry_id: str
    person_key: str
    location: str
    start: datetime
    end: datetime
    end_reason: EndReason
    exit_id: str | None = None
    display_name: str = ""

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def build_visits(scans: Iterable[Scan], rules: Callable[[str], LocationRules]) -> list[Visit]:
    """Every visit the scans make, person by person, in time order."""
    by_person: dict[str, list[Scan]] = defaultdict(list)
    for scan in scans:
        if scan.person_key:
            by_person[scan.person_key].append(scan)
    visits: list[Visit] = []
    for person_key in sorted(by_person):
        visits.extend(_person_visits(sorted(by_person[person_key], key=lambda s: (s.at, s.entry_id)), rules))
    return visits


def _person_visits(scans: list[Scan], rules: Callable[[str], LocationRules]) -> list[Visit]:
    visits = []
    for index, scan in enumerate(scans):
        if scan.direction is Direction.IN and scan.admitted:
            following = next((later for later in scans[index + 1:] if later.at > scan.at), None)
            visits.append(_visit(scan, following, rules(scan.location)))
    return visits


def _visit(entry: Scan, following: Scan | None, rules: LocationRules) -> Visit:
    end, reason = rules.limit(entry.at)
    exit_id = None
    if following is not None:
        is_exit = following.location == entry.location and following.direction is Direction.OUT
        if is_exit and following.at <= rules.hard_limit(entry.at):
            end, reason, exit_id = following.at, EndReason.EXIT, following.entry_id
        elif not is_exit and following.at < end:
            end, reason = following.at, EndReason.NEXT_SCAN
    return Visit(entry.entry_id, entry.person_key, entry.location, entry.at, end, reason, exit_id,
                 entry.display_name)
