"""The trace on the server: a person's visits in a window and everyone whose visit overlapped one of them
at the same location, across every station, recorded in the audit log.

Person keys are stored tagged (server.sealing_store): the typed person's keys are tagged before they are
looked for, and the answer shows them masked as tags. The queue is drained first, so every entry stored before the trace is in its visits. Overlaps are found in
one query for all the case's visits: on PostgreSQL with the GiST index on (location, tstzrange) (`&&`), or
with the B-tree on (location, started_at), bounded because no visit is longer than MAX_STAY.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Literal, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from kiosk.tracing.identity import MAX_KEYS, Identity, keys_for_query, resolve
from kiosk.tracing.overlap import DEFAULT_CAP, padded_end
from kiosk.tracing.report import Trace, trace
from kiosk.tracing.request import TraceWindow, checked_case_number, checked_min_minutes, checked_window
from kiosk.tracing.visits import MAX_STAY, EndReason, Visit
from server.database import writing
from server.sealing_store import stored_key
from server.stations import as_utc
from server.tables import person_links, visits
from server.tracing.audit import VIAS, record_trace
from server.tracing.builder import drain_all
from server.retention import retention_days
from server.tracing.rules import server_zone

Method = Literal["gist", "btree"]
Moments = sa.DateTime(timezone=True)


def run_trace(engine: Engine, person: str, *, since: datetime | None = None, until: datetime | None = None,
              min_minutes: float = 0, padding: bool = False, cap: int = DEFAULT_CAP, asked_by: str, role: str,
              via: str, case_number: str, now: datetime | None = None, zone: ZoneInfo | None = None) -> Trace:
    """Trace `person` (an ID number, a QID or a person key) and record it against `case_number`. Times
    without a zone are the server's (`zone`, default KIOSK_SERVER_TIMEZONE); the answer's times are in it.
    A request that cannot be answered as asked raises TraceProblem and is not recorded."""
    if via not in VIAS:
        raise ValueError(f"via must be one of {VIAS}")
    zone = zone or server_zone()
    case_number = checked_case_number(case_number)
    now = (now or datetime.now(timezone.utc)).astimezone(zone)
    with engine.connect() as conn:
        window = checked_window(_local_moment(since, zone), _local_moment(until, zone), now, retention_days(conn))
    min_minutes = checked_min_minutes(min_minutes)
    keys_for_query(person)  # a query naming no person is refused before anything is done
    drain_all(engine, zone=zone)
    with engine.connect() as conn:
        identity = resolved(conn, person)
        own = case_visits(conn, identity.keys, window, zone)
        others = candidate_visits(conn, own, padding=padding, method=preferred_method(conn), zone=zone)
    result = trace(identity, window, own, others, min_minutes=min_minutes, padding=padding, cap=cap)
    with writing(engine) as conn:
        record_trace(conn, result, asked_at=now, asked_by=asked_by, role=role, via=via, case_number=case_number)
    return result


def resolved(conn: Connection, person: str) -> Identity:
    """The searched keys and the keys linked to them, as stored (tagged), reading only the links that touch
    them. `resolve` starts from the keys as typed: the links reaching them are renamed back to those for it,
    and its answer tagged again."""
    typed = {stored_key(key): key for key in keys_for_query(person)}
    known = set(typed)
    frontier, links = set(known), set()
    while frontier and len(known) <= 4 * MAX_KEYS:
        rows = conn.execute(sa.select(person_links.c.a, person_links.c.b).where(
            sa.or_(person_links.c.a.in_(frontier), person_links.c.b.in_(frontier)))).all()
        links |= {(row.a, row.b) for row in rows}
        frontier = {key for row in rows for key in row} - known
        known |= frontier
    identity = resolve(person, sorted((typed.get(a, a), typed.get(b, b)) for a, b in links))
    stored = {key: tagged for tagged, key in typed.items()}
    return replace(identity, keys=tuple(stored.get(key, key) for key in identity.keys))


def case_visits(conn: Connection, keys: Sequence[str], window: TraceWindow,
                zone: ZoneInfo = timezone.utc) -> list[Visit]:
    """The visits of these keys overlapping the window (read by person and start), times in `zone`."""
    since, until = window.since.astimezone(timezone.utc), window.until.astimezone(timezone.utc)
    query = sa.select(visits).where(visits.c.person_key.in_(keys), visits.c.started_at >= since - MAX_STAY,
                                    visits.c.started_at < until, visits.c.ended_at > since)
    return [_visit(row, zone) for row in conn.execute(query)]


def candidate_visits(conn: Connection, case: Sequence[Visit], *, padding: bool, method: Method = "btree",
                     zone: ZoneInfo = timezone.utc) -> list[Visit]:
    """Every visit at a case visit's location overlapping it (padded when asked), the case's own included,
    times in `zone`; one query for all of them."""
    if not case:
        return []
    spans = [(v.location, v.start.astimezone(timezone.utc), padded_end(v, padding).astimezone(timezone.utc))
             for v in case]
    span = _spans(conn, spans)
    if method == "gist":
        overlaps = _during(visits.c.started_at, visits.c.ended_at).op("&&")(_during(span.c.lo, span.c.hi))
    else:
        overlaps = sa.and_(visits.c.started_at >= span.c.earliest, visits.c.started_at < span.c.hi,
                           visits.c.ended_at > span.c.lo)
    rows = conn.execute(sa.select(visits).select_from(
        sa.join(span, visits, sa.and_(visits.c.location == span.c.location, overlaps))))
    unique = {row.entry_id: row for row in rows}  # a visit overlapping two case visits comes twice
    return [_visit(row, zone) for row in unique.values()]


def preferred_method(conn: Connection) -> Method:
    return "gist" if conn.dialect.name == "postgresql" else "btree"


def _spans(conn: Connection, spans: list[tuple[str, datetime, datetime]]) -> sa.FromClause:
    """The case's visits as a table (location, lo, hi, earliest = lo - MAX_STAY)."""
    columns = [[s[0] for s in spans], [s[1] for s in spans], [s[2] for s in spans],
               [s[1] - MAX_STAY for s in spans]]
    if conn.dialect.name == "postgresql":
        types = [postgresql.ARRAY(sa.Text)] + [postgresql.ARRAY(Moments)] * 3
        arrays = [sa.bindparam(f"span_{n}", values, type_=kind) for n, (values, kind)
                  in enumerate(zip(columns, types))]
        return sa.func.unnest(*arrays).table_valued("location", "lo", "hi", "earliest").render_derived(name="span")
    return sa.values(sa.column("location", sa.String), sa.column("lo", Moments), sa.column("hi", Moments),
                     sa.column("earliest", Moments), name="span").data(list(zip(*columns))).cte("span")


def _during(start: sa.ColumnElement, end: sa.ColumnElement) -> sa.ColumnElement:
    """The expression the GiST index is built on (migration 0009)."""
    return sa.func.tstzrange(start, end, sa.literal_column("'[)'"))


_REASONS = {reason.value: reason for reason in EndReason}


def _visit(row: sa.Row, zone: ZoneInfo) -> Visit:
    return Visit(str(row.entry_id), row.person_key, row.location, as_utc(row.started_at).astimezone(zone),
                 as_utc(row.ended_at).astimezone(zone), _REASONS[row.end_reason],
                 str(row.exit_id) if row.exit_id else None, row.display_name)


def _local_moment(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone)
