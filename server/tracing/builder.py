"""Visits from stored entries. Ingest queues each new entry's (person, scan time) in its own transaction;
the builder takes queued rows, rebuilds each person's visits around those times with the kiosk's rules
(kiosk.tracing.visits.build_visits) and records the links the entries prove (their `linked_key`, read at
ingest with kiosk.tracing.identity.link_of), all in one transaction: a crash leaves the queue as it was, so
every entry is built in exactly once. Person keys are the stored tagged keys throughout.

One builder at a time (an advisory lock on PostgreSQL, the write lock on SQLite): rebuilding a person's
window is idempotent, but two builders deleting and inserting the same visits would collide.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from kiosk.contract import Direction, Outcome
from kiosk.tracing.visits import MAX_STAY, Scan, Visit, build_visits
from server.database import writing
from server.stations import as_utc
from server.tables import entries, person_links, stations, visit_queue, visits
from server.tracing.rules import rules_for, server_zone

DRAIN_LIMIT = 20_000
LOCK_KEY = 712010  # pg advisory lock: one builder per schema
PEOPLE_PER_STATEMENT = 2_000  # windows per statement (SQLite binds each as three parameters)
ADMITTED = (Outcome.ADMIT.value, Outcome.WARN.value)

Window = tuple[datetime, datetime]  # the visit starts to rebuild for one person


def drain_queue(engine: Engine, limit: int = DRAIN_LIMIT, *, zone: ZoneInfo | None = None,
                wait: bool = False) -> int:
    """Build the visits of up to `limit` queued entries; returns how many were taken (0: nothing queued, or
    another builder is at work and `wait` is False)."""
    with writing(engine) as conn:
        if not lock(conn, wait):
            return 0
        taken = conn.execute(visit_queue.delete().where(visit_queue.c.id.in_(
            sa.select(visit_queue.c.id).order_by(visit_queue.c.id).limit(limit)))
            .returning(visit_queue.c.person_key, visit_queue.c.scanned_at)).all()
        if taken:
            rebuild(conn, windows_around((row.person_key, as_utc(row.scanned_at)) for row in taken),
                    zone or server_zone())
        return len(taken)


def drain_all(engine: Engine, *, zone: ZoneInfo | None = None) -> int:
    """Everything queued when called is built when this returns (waiting for a builder at work)."""
    drained = 0
    while True:
        taken = drain_queue(engine, zone=zone, wait=True)
        drained += taken
        if taken < DRAIN_LIMIT:
            return drained


def lock(conn: Connection, wait: bool) -> bool:
    """Become the one builder, for this transaction. SQLite's write lock (BEGIN IMMEDIATE) already is one."""
    if conn.dialect.name != "postgresql":
        return True
    # Keyed by schema too: builders of other schemas in the same database (tests, staging) are no rivals.
    if wait:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"), {"key": LOCK_KEY})
        return True
    return bool(conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:key, hashtext(current_schema()))"),
                             {"key": LOCK_KEY}).scalar())


def windows_around(moments: Iterable[tuple[str, datetime]]) -> dict[str, Window]:
    """Per person, the visit starts a scan at these moments can change: from MAX_STAY before the first (a
    visit it may end) to MAX_STAY after the last."""
    spans: dict[str, list[datetime]] = {}
    for person_key, at in moments:
        span = spans.setdefault(person_key, [at, at])
        span[0], span[1] = min(span[0], at), max(span[1], at)
    return {key: (first - MAX_STAY, last + MAX_STAY) for key, (first, last) in spans.items()}


def rebuild(conn: Connection, windows: Mapping[str, Window], zone: ZoneInfo) -> None:
    """Replace each person's visits starting in their window by those their entries make now."""
    people = sorted(windows)
    for start in range(0, len(people), PEOPLE_PER_STATEMENT):
        chunk = {key: windows[key] for key in people[start:start + PEOPLE_PER_STATEMENT]}
        rows = _entries_around(conn, chunk)
        scans = [_scan(row) for row in rows]
        rules = rules_for(conn, {scan.location for scan in scans}, zone,
                          since=min(lo for lo, _ in chunk.values()) - MAX_STAY)
        built = [visit for visit in build_visits(scans, rules.__getitem__)
                 if chunk[visit.person_key][0] <= visit.start <= chunk[visit.person_key][1]]
        _replace_visits(conn, chunk, built, {str(row.id): row.station_id for row in rows})
        _record_links(conn, rows)


def _entries_around(conn: Connection, windows: Mapping[str, Window]) -> list[sa.Row]:
    """The people's entries that can decide the visits in their windows: from MAX_STAY before (a visit
    started then may end inside) to MAX_STAY after (the scan that ends the last one)."""
    location = sa.case((entries.c.location == "", stations.c.name), else_=entries.c.location)
    query = (sa.select(entries.c.id, entries.c.person_key, location.label("location"), entries.c.station_id,
                       entries.c.scanned_at, entries.c.direction, entries.c.verdict, entries.c.display_name,
                       entries.c.linked_key)
             .select_from(_windows_joined(conn, windows, entries.c.person_key, entries.c.scanned_at, 1)
                          .join(stations, stations.c.id == entries.c.station_id)))
    return conn.execute(query).all()


def _windows_joined(conn: Connection, windows: Mapping[str, Window], person: sa.Column, moment: sa.Column,
                    margin: int) -> sa.Join:
    """`person`'s table joined to the windows (widened by `margin` times MAX_STAY): on PostgreSQL three
    arrays unnested, elsewhere a VALUES list; each window is one range read of the (person, time) index."""
    keys = list(windows)
    los = [windows[key][0] - margin * MAX_STAY for key in keys]
    his = [windows[key][1] + margin * MAX_STAY for key in keys]
    if conn.dialect.name == "postgresql":
        window = sa.func.unnest(sa.bindparam("keys", keys, type_=postgresql.ARRAY(sa.Text)),
                                sa.bindparam("los", los, type_=postgresql.ARRAY(sa.DateTime(timezone=True))),
                                sa.bindparam("his", his, type_=postgresql.ARRAY(sa.DateTime(timezone=True)))
                                ).table_valued("key", "lo", "hi").render_derived(name="wanted")
    else:
        window = sa.values(sa.column("key", sa.String), sa.column("lo", sa.DateTime(timezone=True)),
                           sa.column("hi", sa.DateTime(timezone=True)), name="wanted").data(
            list(zip(keys, los, his))).cte("wanted")  # SQLite names a VALUES list's columns only in a CTE
    return sa.join(person.table, window, sa.and_(person == window.c.key, moment >= window.c.lo,
                                                 moment <= window.c.hi))


_DIRECTIONS = {direction.value: direction for direction in Direction}


def _scan(row: sa.Row) -> Scan:
    return Scan(str(row.id), row.person_key, row.location, as_utc(row.scanned_at), _DIRECTIONS[row.direction],
                row.verdict in ADMITTED, row.display_name)


_VISIT_COLUMNS = [column.name for column in visits.columns]
_VISIT_TYPES = {"entry_id": "uuid", "exit_id": "uuid", "station_id": "int", "started_at": "timestamptz",
                "ended_at": "timestamptz"}
_UNNEST_INSERT = (f"INSERT INTO visits ({', '.join(_VISIT_COLUMNS)}) SELECT * FROM unnest("
                  + ", ".join(f"%b::{_VISIT_TYPES.get(name, 'text')}[]" for name in _VISIT_COLUMNS) + ")")
VisitRow = tuple  # the values of _VISIT_COLUMNS, ids as UUIDs and times aware


def _replace_visits(conn: Connection, windows: Mapping[str, Window], built: list[Visit],
                    stations_of: Mapping[str, int]) -> None:
    """Make the stored visits in the windows the built ones, writing only those that changed: most of a
    window is as it was, and every row written costs the interval index an insertion."""
    stored = conn.execute(sa.select(*visits.columns).select_from(
        _windows_joined(conn, windows, visits.c.person_key, visits.c.started_at, 0)))
    current = {row.entry_id: _stored_row(row) for row in stored}
    wanted = {row[0]: row for row in (_built_row(visit, stations_of) for visit in built)}
    stale = [entry_id for entry_id, row in current.items() if wanted.get(entry_id) != row]
    fresh = [row for entry_id, row in wanted.items() if current.get(entry_id) != row]
    for start in range(0, len(stale), 10_000):
        conn.execute(visits.delete().where(visits.c.entry_id.in_(stale[start:start + 10_000])))
    if not fresh:
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_UNNEST_INSERT, tuple(list(column) for column in zip(*fresh)))
    else:
        conn.execute(visits.insert(), [dict(zip(_VISIT_COLUMNS, row)) for row in fresh])


def _built_row(visit: Visit, stations_of: Mapping[str, int]) -> VisitRow:
    return (uuid.UUID(visit.entry_id), visit.person_key, visit.location, stations_of[visit.entry_id],
            visit.start, visit.end, visit.end_reason.value, uuid.UUID(visit.exit_id) if visit.exit_id else None,
            visit.display_name)


def _stored_row(row: sa.Row) -> VisitRow:
    return (row.entry_id, row.person_key, row.location, row.station_id, as_utc(row.started_at),
            as_utc(row.ended_at), row.end_reason, row.exit_id, row.display_name)


def _record_links(conn: Connection, rows: list[sa.Row]) -> None:
    """Keep each link an entry proves, with the latest time it was seen."""
    latest: dict[tuple[str, str], datetime] = {}
    for row in rows:
        if row.linked_key:
            link, at = (row.person_key, row.linked_key), as_utc(row.scanned_at)
            latest[link] = max(latest.get(link, at), at)
    if not latest:
        return
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(person_links)
    newest = sa.func.greatest if conn.dialect.name == "postgresql" else sa.func.max
    conn.execute(insert.on_conflict_do_update(
        index_elements=[person_links.c.a, person_links.c.b],
        set_={"seen_at": newest(person_links.c.seen_at, insert.excluded.seen_at)}),
        [{"a": a, "b": b, "seen_at": at} for (a, b), at in latest.items()])
