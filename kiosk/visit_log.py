"""The kiosk's visits: who was at this location and when, kept next to the entries they are built from.

Each scan rebuilds the visits of its person that it can change (those starting at most MAX_STAY before it)
with `kiosk.tracing.visits.build_visits`, in the transaction that stores the scan: an entry is never on
disk without its visit. A national QR code shown unmasked also records the link between its QID and its ID
number (the entry's `linked_key`, from `kiosk.tracing.identity.link_of`), the one link a trace follows.
Every person key here (visits.person_key, person_links.a and .b) is a tagged key (kiosk.person_seal), as in
the entries: equal people have equal tags, and no number is kept. An operator's "close all open
visits" is kept as a closure, so that a later rebuild ends the same visits at the same moment. Every trace
made here is recorded in `traces` (who, why, whom: masked, what window, how many contacts).

`VisitLog` runs SQL on the store's connection and leaves locking, transactions and error handling to
`kiosk.store.Store`, which calls it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from itertools import groupby
from typing import Any, Callable, Iterable, Iterator, Sequence

from kiosk.contract import Direction
from kiosk.entry import Entry, format_utc, parse_utc
from kiosk.tracing.identity import MAX_KEYS
from kiosk.tracing.visits import DEFAULT_STAY, MAX_STAY, EndReason, LocationRules, Scan, Visit, build_visits, \
    stay_from_minutes

SCHEMA_V4 = (
    """CREATE TABLE visits (
        entry_id TEXT PRIMARY KEY REFERENCES entries(id),
        person_key TEXT NOT NULL,  -- tagged (kiosk.person_seal), since schema 5
        location TEXT NOT NULL,
        start TEXT NOT NULL,
        "end" TEXT NOT NULL,
        end_reason TEXT NOT NULL,
        exit_id TEXT,
        display_name TEXT NOT NULL DEFAULT '',
        length_class INTEGER NOT NULL  -- LENGTH_CLASSES: bounds the search for the visits ongoing at a moment
    )""",
    # Both cover what a trace reads, so that it never visits the table.
    'CREATE INDEX idx_visits_start_end_person ON visits (start, "end", person_key, location, entry_id, '
    "display_name, end_reason, exit_id)",
    'CREATE INDEX idx_visits_length_start ON visits (length_class, start, "end", person_key, location, entry_id, '
    "display_name, end_reason, exit_id)",
    "CREATE INDEX idx_visits_person_start ON visits (person_key, start)",
    """CREATE TABLE person_links (
        a TEXT NOT NULL, b TEXT NOT NULL,  -- a QID and an ID number, tagged since schema 5
        seen_at TEXT NOT NULL,  -- the latest entry that proved the link: it goes when that entry goes
        PRIMARY KEY (a, b)
    )""",
    "CREATE INDEX idx_person_links_b ON person_links (b)",
    "CREATE TABLE visit_closures (location TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX idx_visit_closures_at ON visit_closures (at)",
    """CREATE TABLE traces (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL, who TEXT NOT NULL, reason TEXT NOT NULL,
        searched TEXT NOT NULL,  -- masked as the answer shows it
        since TEXT NOT NULL, until TEXT NOT NULL,  -- the window searched: kept while its entries are kept
        contacts INTEGER NOT NULL
    )""",
)

# Schema 5: the person keys of the visit tables tagged in place, by the SQL function `tag` the migration
# gives its connection (kiosk.person_seal.PersonSeal.tag).
TAG_PERSON_KEYS_V5 = (
    "UPDATE visits SET person_key = tag(person_key)",
    "UPDATE person_links SET a = tag(a), b = tag(b)",
)

_VISIT_COLUMNS = 'entry_id, person_key, location, start, "end", end_reason, exit_id, display_name'
_INSERT_VISIT = f"INSERT INTO visits ({_VISIT_COLUMNS}, length_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
# A visit's length class k: it lasts at most LENGTH_CLASSES[k]. The visits ongoing at a moment are then, for
# each class, those that started at most that long before it: short ranges of one index, not a day of it.
LENGTH_CLASSES = (timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6), MAX_STAY)
STREAMED = 256  # visits read at a time from a cursor a trace streams
_SCAN_COLUMNS = "id, person_key, station, direction, scanned_at, verdict, display_name"


def length_class(visit: Visit) -> int:
    """The first of LENGTH_CLASSES the visit fits in (the last: no visit is longer than MAX_STAY)."""
    length = visit.end - visit.start
    return next((k for k, longest in enumerate(LENGTH_CLASSES) if length <= longest), len(LENGTH_CLASSES) - 1)


def machine_zone() -> tzinfo:
    """The zone this machine's clock is set to (its current offset)."""
    return datetime.now().astimezone().tzinfo  # type: ignore[return-value]


@dataclass(frozen=True)
class VisitRules:
    """What the station's settings say about the visits at this kiosk."""

    location: str = ""  # the location of every visit here; "" means each entry's station name
    default_stay: timedelta = DEFAULT_STAY
    closing_time: time | None = None
    zone: tzinfo = field(default_factory=machine_zone)

    @classmethod
    def from_settings(cls, settings: Any, zone: tzinfo | None = None) -> "VisitRules":
        """From `kiosk.settings.Settings` (location, default_stay_minutes, closing_time) and the door's zone
        (None: the machine's)."""
        closing = time.fromisoformat(settings.closing_time) if settings.closing_time else None
        return cls(settings.location.strip(), stay_from_minutes(settings.default_stay_minutes), closing,
                   zone or machine_zone())

    def location_of(self, station: str) -> str:
        return self.location or station


@dataclass(frozen=True)
class TraceRecord:
    at: datetime
    who: str
    reason: str
    searched: str
    since: datetime
    until: datetime
    contacts: int


class VisitLog:
    """The visit tables of one store; the caller holds the store's lock, and a transaction for writes."""

    def __init__(self, connection: sqlite3.Connection, rules: VisitRules | None = None) -> None:
        self._connection = connection
        self.rules = rules or VisitRules()

    # --- writing --------------------------------------------------------------------------------------

    def record(self, entries: Sequence[Entry]) -> None:
        """The entries (as stored: tagged keys) were just inserted: rebuild the visits they can change,
        record the links they prove.

        A visit's end depends only on its person's next scan, so a scan at `t` can change only the visit
        opened by the person's scan just before `t` (when it lies within MAX_STAY) and the visits from `t` on:
        rebuilding the person's visits from that previous scan gives the same visits as rebuilding the
        whole day before `t`, and keeps a scan's cost the same for a guard who scans in all day."""
        earliest: dict[str, datetime] = {}
        for entry in entries:
            if entry.person_key:
                earliest[entry.person_key] = min(entry.scanned_at, earliest.get(entry.person_key, entry.scanned_at))
        for person_key, at in earliest.items():
            previous = self._connection.execute(
                "SELECT MAX(scanned_at) FROM entries WHERE person_key = ? AND scanned_at >= ? AND scanned_at < ?",
                [person_key, format_utc(at - MAX_STAY), format_utc(at)]).fetchone()[0]
            self._rebuild(person_key, parse_utc(previous) if previous else at)
        self._link((entry.person_key, entry.linked_key, entry.scanned_at) for entry in entries)

    def rebuild_all(self) -> int:
        """Every visit, from every entry kept (the migration that brought visits, and bulk loads); returns
        how many visits there are. Person by person, so memory holds one person's scans at a time."""
        self._connection.execute("DELETE FROM visits")
        rules = self._rules_since(None)
        rows = self._connection.execute(
            f"SELECT {_SCAN_COLUMNS} FROM entries WHERE person_key != '' ORDER BY person_key, scanned_at")
        count = 0
        for _person, scans in groupby(map(self._scan, rows), key=lambda scan: scan.person_key):
            count += self._insert(build_visits(scans, rules))
        rows = self._connection.execute("SELECT person_key, linked_key, scanned_at FROM entries "
                                        "WHERE linked_key != ''").fetchall()
        self._link((key, linked, parse_utc(at)) for key, linked, at in rows)
        return count

    def close_open(self, at: datetime) -> int:
        """The operator closes every visit open at `at`: a closure per location, the visits rebuilt so they
        end then (and stay so when rebuilt later). Returns how many visits it ended."""
        moment = format_utc(at)
        open_visits = self._connection.execute(
            'SELECT entry_id, person_key, location, start FROM visits WHERE start >= ? AND start < ? AND "end" > ?',
            [format_utc(at - MAX_STAY), moment, moment]).fetchall()
        locations = {location for _id, _key, location, _start in open_visits} | ({self.rules.location} - {""})
        self._connection.executemany("INSERT INTO visit_closures (location, at) VALUES (?, ?)",
                                     [(location, moment) for location in sorted(locations)])
        earliest: dict[str, str] = {}
        for _id, person_key, _location, start in open_visits:
            earliest[person_key] = min(start, earliest.get(person_key, start))
        for person_key, start in earliest.items():
            self._rebuild(person_key, parse_utc(start))
        return self._connection.execute(
            'SELECT COUNT(*) FROM visits WHERE entry_id IN (SELECT value FROM json_each(?)) AND "end" = ? '
            "AND end_reason = ?", [json.dumps([row[0] for row in open_visits]), moment,
                                   EndReason.OPERATOR.value]).fetchone()[0]

    def purge(self, cutoff: datetime) -> None:
        """Remove what is as old as the entries scanned before `cutoff` (the store removes those)."""
        moment = format_utc(cutoff)
        self._connection.execute("DELETE FROM visits WHERE start < ?", [moment])
        self._connection.execute("DELETE FROM person_links WHERE seen_at < ?", [moment])
        self._connection.execute("DELETE FROM visit_closures WHERE at < ?", [moment])
        self._connection.execute("DELETE FROM traces WHERE until < ?", [moment])

    def record_trace(self, record: TraceRecord) -> None:
        self._connection.execute(
            "INSERT INTO traces (at, who, reason, searched, since, until, contacts) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [format_utc(record.at), record.who, record.reason, record.searched, format_utc(record.since),
             format_utc(record.until), record.contacts])

    # --- reading --------------------------------------------------------------------------------------

    def links_around(self, keys: Sequence[str]) -> list[tuple[str, str]]:
        """Every link of the given keys, of the keys they link to, and so on (at most MAX_KEYS keys deep):
        all `kiosk.tracing.identity.resolve` needs to follow and to see which links are contested."""
        seen, frontier, links = set(keys), list(keys), set()
        while frontier and len(seen) <= 4 * MAX_KEYS:
            marks = ", ".join("?" * len(frontier))
            found = self._connection.execute(
                f"SELECT a, b FROM person_links WHERE a IN ({marks}) UNION SELECT a, b FROM person_links "
                f"WHERE b IN ({marks})", [*frontier, *frontier]).fetchall()
            links.update(found)
            frontier = [key for pair in found for key in pair if key not in seen]
            seen.update(frontier)
        return sorted(links)

    def visits_of(self, keys: Sequence[str], since: datetime, until: datetime) -> list[Visit]:
        """The visits of these person keys that may overlap [since, until)."""
        marks = ", ".join("?" * len(keys))
        return self._visits(
            f'SELECT {_VISIT_COLUMNS} FROM visits WHERE person_key IN ({marks}) AND start >= ? AND start < ? '
            f'AND "end" > ?', [*keys, format_utc(since - MAX_STAY), format_utc(until), format_utc(since)])

    def visits_starting(self, start_from: datetime, start_before: datetime, end_after: datetime) -> list[Visit]:
        """Visits starting in [start_from, start_before) that end after `end_after`: one range of the
        (start, end, person_key) index."""
        return self._visits(
            f'SELECT {_VISIT_COLUMNS} FROM visits WHERE start >= ? AND start < ? AND "end" > ?',
            [format_utc(start_from), format_utc(start_before), format_utc(end_after)])

    def overlapping(self, case: Visit, traced_until: datetime) -> Iterator[Visit]:
        """The visits at the case visit's location that overlap [case.start, traced_until), as
        kiosk.tracing.overlap.Candidates wants them: first those ongoing at case.start (one short range of
        the length-class index per class), then those starting from then on in start order, streamed from
        the (start, ...) index a few at a time: a trace that stops early reads no further."""
        start, until = format_utc(case.start), format_utc(traced_until)
        ongoing = " UNION ALL ".join(
            f'SELECT {_VISIT_COLUMNS} FROM visits WHERE length_class = {k} AND start >= ? AND start < ? '
            f'AND "end" > ? AND location = ?' for k in range(len(LENGTH_CLASSES)))
        yield from self._visits(ongoing, [value for longest in LENGTH_CLASSES
                                          for value in (format_utc(case.start - longest), start, start, case.location)])
        cursor = self._connection.execute(
            f"SELECT {_VISIT_COLUMNS} FROM visits WHERE start >= ? AND start < ? AND location = ? ORDER BY start",
            [start, until, case.location])
        try:
            while rows := cursor.fetchmany(STREAMED):
                yield from map(_visit, rows)
        finally:
            cursor.close()

    def traces(self) -> list[TraceRecord]:
        rows = self._connection.execute(
            "SELECT at, who, reason, searched, since, until, contacts FROM traces ORDER BY id").fetchall()
        return [TraceRecord(parse_utc(at), who, reason, searched, parse_utc(since), parse_utc(until), contacts)
                for at, who, reason, searched, since, until, contacts in rows]

    # --- inside ---------------------------------------------------------------------------------------

    def _rebuild(self, person_key: str, since: datetime) -> None:
        """The person's visits starting at or after `since`, built again from their scans since then."""
        moment = format_utc(since)
        rows = self._connection.execute(
            f"SELECT {_SCAN_COLUMNS} FROM entries WHERE person_key = ? AND scanned_at >= ? ORDER BY scanned_at",
            [person_key, moment])
        visits = build_visits(map(self._scan, rows), self._rules_since(since))
        self._connection.execute("DELETE FROM visits WHERE person_key = ? AND start >= ?", [person_key, moment])
        self._insert(visits)

    def _link(self, sightings: Iterable[tuple[str, str, datetime]]) -> None:
        """Record the links that entries, given as (person_key, linked_key, scanned_at), prove."""
        self._connection.executemany(
            "INSERT INTO person_links (a, b, seen_at) VALUES (?, ?, ?) ON CONFLICT (a, b) "
            "DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)",
            [(a, b, format_utc(at)) for a, b, at in sightings if a and b])

    def _insert(self, visits: list[Visit]) -> int:
        self._connection.executemany(_INSERT_VISIT, [
            (v.entry_id, v.person_key, v.location, format_utc(v.start), format_utc(v.end), v.end_reason.value,
             v.exit_id, v.display_name, length_class(v)) for v in visits])
        return len(visits)

    def _rules_since(self, since: datetime | None) -> Callable[[str], LocationRules]:
        """The rules of each location, with the operator's closures after `since` (all when None)."""
        rows = self._connection.execute("SELECT location, at FROM visit_closures WHERE at > ? ORDER BY at",
                                        [format_utc(since) if since else ""]).fetchall()
        closures: dict[str, list[datetime]] = {}
        for location, at in rows:
            closures.setdefault(location, []).append(parse_utc(at))
        made: dict[str, LocationRules] = {}

        def rules(location: str) -> LocationRules:
            if location not in made:
                made[location] = LocationRules(self.rules.default_stay, self.rules.closing_time,
                                               self.rules.zone, tuple(closures.get(location, ())))  # type: ignore[arg-type]
            return made[location]
        return rules

    def _scan(self, row: tuple[str, ...]) -> Scan:
        entry_id, person_key, station, direction, scanned_at, verdict, display_name = row
        return Scan(entry_id, person_key, self.rules.location_of(station), parse_utc(scanned_at),
                    Direction(direction), verdict != "refuse", display_name or "")

    def _visits(self, sql: str, params: list[Any]) -> list[Visit]:
        return list(map(_visit, self._connection.execute(sql, params)))


def _visit(row: tuple[Any, ...]) -> Visit:
    # The times were written by format_utc ("...Z"), which fromisoformat reads as UTC: a trace reads
    # thousands of visits, and parse_utc's checks would double the time it takes.
    entry_id, person_key, location, start, end, reason, exit_id, display_name = row
    return Visit(entry_id, person_key, location, datetime.fromisoformat(start), datetime.fromisoformat(end),
                 EndReason(reason), exit_id, display_name)
