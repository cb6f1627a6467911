"""Contact tracing on the server at a province's scale: how long the trace's query takes, and how fast the
builder turns entries into visits.

    python bench/trace_server.py [--sites 2000] [--people 300000] [--days 28] [--cases 100] [--check 10]
                                 [--builder-days 2] [--postgres postgresql://...]

Trace: synthetic scans (bench/trace_data.py) become visits with kiosk.tracing.visits.build_visits, one
local day at a time, and go into a fresh PostgreSQL schema with COPY (indexes built afterwards), with the
links their national QR codes prove. For 100 random cases with visits on 14 days or more, the query part of
run_trace (identity, the case's visits, the candidates, the overlaps) is timed with the GiST index (`&&`)
and with the bounded B-tree; the goal is 100 ms at the median and p99. On a sample of cases the contacts
are checked against bench/trace_data.brute_force_contacts over every visit at the case's locations.

Builder: `--builder-days` days of the same scans are stored as entries with a full queue, and
server.tracing.builder.drain_queue empties it: entries per second, to set beside bench/ingest.py.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator, Sequence

from psycopg.types.json import Jsonb
import sqlalchemy as sa

from sync import DEFAULT_POSTGRES  # bench/sync.py, next to this file: puts the repository on the path

from percentiles import percentile  # noqa: E402
from processes import postgres_schema  # noqa: E402
from trace_data import (VIETNAM, brute_force_contacts, make_sites, pick_cases, rules_for,  # noqa: E402
                        synthetic_scans, to_scan)

from kiosk.tracing.identity import link_of  # noqa: E402
from kiosk.tracing.report import trace  # noqa: E402
from kiosk.tracing.request import TraceWindow  # noqa: E402
from kiosk.tracing.visits import Visit, build_visits  # noqa: E402
from server.database import make_engine, migrate  # noqa: E402
from server.tables import station_settings  # noqa: E402
from server.tracing.builder import DRAIN_LIMIT, drain_queue  # noqa: E402
from server.tracing.query import candidate_visits, case_visits, resolved  # noqa: E402

GOAL_MS = 100
RETENTION_DAYS = 40  # pushed to the schema: the generated weeks lie inside it
VISIT_COLUMNS = ("entry_id", "person_key", "location", "station_id", "started_at", "ended_at", "end_reason",
                 "exit_id", "display_name")
ENTRY_COLUMNS = ("id", "station_id", "scanned_at", "received_at", "location", "direction", "source", "format",
                 "person_key", "display_name", "fields", "verdict", "reasons")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--check", type=int, default=10, help="cases checked against the brute force")
    parser.add_argument("--builder-days", type=int, default=2, help="days of entries the builder drains (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()

    sites = make_sites(args.sites, args.seed)
    start = (datetime.now(VIETNAM) - timedelta(days=args.days + 1)).replace(hour=0, minute=0, second=0,
                                                                            microsecond=0)
    window = TraceWindow(start.astimezone(timezone.utc), datetime.now(timezone.utc))
    with postgres_schema(args.postgres) as url:
        engine = make_engine(url)
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(station_settings.insert().values(station_id=None, key="retention_days",
                                                          value=RETENTION_DAYS))
        visits = load_visits(engine, sites, args, start)
        cases = pick_cases(visits, args.cases, args.seed)
        for method in ("gist", "btree"):
            time_queries(engine, cases, window, method)
        check_answers(engine, visits, cases[: args.check], window)
        del visits
        if args.builder_days:
            time_builder(engine, sites, args, start)
        engine.dispose()


def load_visits(engine: sa.Engine, sites: Sequence, args: argparse.Namespace, start: datetime) -> list[Visit]:
    """Visits of every generated day, COPYed with the links; the indexes are built after the load."""
    rules = rules_for(sites)
    station_ids = {name: number for number, name in enumerate((s for site in sites for s in site.stations), 1)}
    began = time.perf_counter()
    indexes = _drop_indexes(engine, "visits")
    visits: list[Visit] = []
    links: dict[tuple[str, str], datetime] = {}
    scans = 0
    for day in _days(synthetic_scans(sites, people=args.people, days=args.days, start=start, seed=args.seed)):
        scans += len(day)
        stations_of = {row.entry_id: station_ids[row.station] for row in day}
        for row in day:
            link = link_of(row.format, row.person_key, row.fields or {})
            if link:
                links[link] = max(links.get(link, row.scanned_at), row.scanned_at)
        built = build_visits((to_scan(row) for row in day), rules)
        visits.extend(built)
        _copy(engine, "visits", VISIT_COLUMNS, (_visit_row(v, stations_of[v.entry_id]) for v in built))
    generated = time.perf_counter() - began
    _copy(engine, "person_links", ("a", "b", "seen_at"), ((a, b, at) for (a, b), at in links.items()))
    began = time.perf_counter()
    _build_indexes(engine, indexes)
    indexed = time.perf_counter() - began
    print(f"loaded {len(visits):,} visits from {scans:,} scans ({args.sites} sites, {args.people:,} people, "
          f"{args.days} days) and {len(links):,} links in {generated:.0f} s; indexes and ANALYZE {indexed:.0f} s")
    return visits


def _drop_indexes(engine: sa.Engine, table: str) -> list[str]:
    """Drop the table's indexes but its key; returns their definitions, to build them again after a load."""
    with engine.begin() as conn:
        found = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND schemaname = current_schema() "
            "AND indexname <> %s", (table, f"{table}_pkey")).all()
        for name, _definition in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def _copy(engine: sa.Engine, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _build_indexes(engine: sa.Engine, definitions: Sequence[str]) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
        for definition in definitions:
            conn.exec_driver_sql(definition)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE visits")
        conn.exec_driver_sql("ANALYZE person_links")


def _days(rows: Iterable) -> Iterator[list]:
    """The scans in local days (they come sorted by time)."""
    day, current = [], None
    for row in rows:
        date = row.scanned_at.astimezone(VIETNAM).date()
        if date != current and day:
            yield day
            day = []
        current = date
        day.append(row)
    if day:
        yield day


def _visit_row(visit: Visit, station_id: int) -> tuple:
    return (visit.entry_id, visit.person_key, visit.location, station_id, visit.start, visit.end,
            visit.end_reason.value, visit.exit_id, visit.display_name)


def time_queries(engine: sa.Engine, cases: Sequence[str], window: TraceWindow, method: str) -> None:
    """The query part of run_trace per case: identity, the case's visits, the candidates, the overlaps."""
    spent, case_counts, contact_counts = [], [], []
    for key in cases:
        with engine.connect() as conn:
            began = time.perf_counter()
            identity = resolved(conn, key)
            own = case_visits(conn, identity.keys, window)
            others = candidate_visits(conn, own, padding=False, method=method)
            result = trace(identity, window, own, others)
            spent.append(time.perf_counter() - began)
        case_counts.append(len(result.case_visits))
        contact_counts.append(result.contacts.total)
    spent.sort()
    p50, p99 = percentile(spent, 0.5) * 1000, percentile(spent, 0.99) * 1000
    verdict = "meets" if p99 <= GOAL_MS else "misses"
    print(f"trace query, {method:<5}: {len(cases)} cases (median {statistics.median(case_counts):.0f} visits, "
          f"{statistics.median(contact_counts):.0f} contacts; most {max(contact_counts)}): median {p50:.1f} ms, "
          f"p99 {p99:.1f} ms, max {spent[-1] * 1000:.1f} ms ({verdict} the {GOAL_MS} ms goal)")


def check_answers(engine: sa.Engine, visits: Sequence[Visit], cases: Sequence[str], window: TraceWindow) -> None:
    """Every contact the indexes find is the brute force's, and none is missing (padding off and on)."""
    by_location: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        by_location[visit.location].append(visit)
    for key in cases:
        with engine.connect() as conn:
            identity = resolved(conn, key)
            own = case_visits(conn, identity.keys, window)
            for padding in (False, True):
                for method in ("gist", "btree"):
                    result = trace(identity, window, own, candidate_visits(conn, own, padding=padding,
                                                                           method=method),
                                   padding=padding, cap=10**9)
                    found = sorted((c.person_key, c.location, c.start, c.end) for c in result.contacts.contacts)
                    nearby = [v for location in {v.location for v in own} for v in by_location[location]]
                    expected = brute_force_contacts(identity.keys, nearby, padding=padding)
                    if found != expected:
                        raise SystemExit(f"{method}, padding {padding}: {len(found)} contacts for a case, "
                                         f"the brute force finds {len(expected)}")
    print(f"answers checked against the brute force: {len(cases)} cases, padding off and on, both indexes")


def time_builder(engine: sa.Engine, sites: Sequence, args: argparse.Namespace, start: datetime) -> None:
    """Store `--builder-days` days of scans as entries with every one queued, then drain the queue."""
    station_ids = _add_stations(engine, sites)
    received = datetime.now(timezone.utc)
    rows = [row for day in _first_days(synthetic_scans(sites, people=args.people, days=args.builder_days,
                                                        start=start, seed=args.seed + 1), args.builder_days)
            for row in day]
    _copy(engine, "entries", ENTRY_COLUMNS, ((uuid.uuid4(), station_ids[row.station], row.scanned_at, received,
                                              row.location, row.direction, "camera", row.format, row.person_key,
                                              row.display_name, Jsonb(dict(row.fields or {})),
                                              row.verdict, Jsonb([])) for row in rows))
    _copy(engine, "visit_queue", ("person_key", "scanned_at"),
          ((row.person_key, row.scanned_at) for row in rows if row.person_key))
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE entries")
        queued = conn.exec_driver_sql("SELECT count(*) FROM visit_queue").scalar()
    began = time.perf_counter()
    drained = 0
    while True:
        taken = drain_queue(engine, zone=VIETNAM)
        drained += taken
        if taken < DRAIN_LIMIT:
            break
    spent = time.perf_counter() - began
    print(f"builder: {drained:,} of {queued:,} queued entries ({args.builder_days} days, {len(rows):,} scans) "
          f"built in {spent:.1f} s = {drained / spent:,.0f} entries/s (one process, batches of {DRAIN_LIMIT:,})")


def _first_days(rows: Iterable, count: int) -> Iterator[list]:
    for number, day in enumerate(_days(rows)):
        if number >= count:
            return
        yield day


def _add_stations(engine: sa.Engine, sites: Sequence) -> dict[str, int]:
    names = [(station, site.location) for site in sites for station in site.stations]
    _copy(engine, "stations", ("name", "location", "token_hash", "created_at"),
          ((name[:100], location, uuid.uuid4().hex + uuid.uuid4().hex, datetime.now(timezone.utc))
           for name, location in names))
    with engine.connect() as conn:
        by_name = dict(conn.exec_driver_sql("SELECT name, id FROM stations").all())
    return {name: by_name[name[:100]] for name, _ in names}


if __name__ == "__main__":
    main()
