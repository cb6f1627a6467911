"""Contact tracing on the server at a province's scale: how long the trace's query takes, and how fast the
builder turns entries into visits.

    python bench/trace_server.py [--sites 2000] [--people 300000] [--days 28] [--cases 100] [--check 10]
                                 [--builder-days 2] [--reveal 500] [--postgres postgresql://...]

Trace: synthetic scans (bench/trace_data.py) become visits with kiosk.tracing.visits.build_visits, one
local day at a time, and go into a fresh PostgreSQL schema with COPY (indexes built afterwards), with the
links their national QR codes prove. For 100 random cases with visits on 14 days or more, the query part of
run_trace (identity, the case's visits, the candidates, the overlaps) is timed with the GiST index (`&&`)
and with the bounded B-tree; the goal is 100 ms at the median and p99. On a sample of cases the contacts
are checked against bench/trace_data.brute_force_contacts over every visit at the case's locations.

Builder: `--builder-days` days of the same scans are stored as entries with a full queue, and
server.tracing.builder.drain_queue empties it: entries per second, to set beside bench/ingest.py.

Unsealing: a person whose contacts come from at least `--reveal` entries is traced as `kiosk-server trace
--key` does it (run_trace, recorded), then server.tracing.reveal.reveal_contacts opens those entries with the
authority's key (their audit row first); the goal is 1 s for 500 contacts, each entry opened once.

Everything is stored as the server stores it: person keys (visits, links, entries, the queue) tagged with
the server's "person-tag" secret (a fresh one, in a throw-away data directory), entries with their linked
key tagged and their personal fields sealed to a made-up authority key. The builder's entries all carry one
real box (the builder never opens it: sealing hundreds of thousands would time the sealing, not the
builder); the revealed contacts' entries each carry their own, sealed to their id.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Iterable, Iterator, Sequence

from psycopg.types.json import Jsonb
import sqlalchemy as sa

from sync import DEFAULT_POSTGRES  # bench/sync.py, next to this file: puts the repository on the path

from percentiles import percentile  # noqa: E402
from processes import postgres_schema  # noqa: E402
from trace_data import (VIETNAM, brute_force_contacts, make_sites, pick_cases, rules_for,  # noqa: E402
                        synthetic_scans, to_scan)

from kiosk.sealing.authority import AuthorityPrivateKey, generate_private_key  # noqa: E402
from kiosk.sealing.kept import sealed_content  # noqa: E402
from kiosk.sealing.seal import seal_entry  # noqa: E402
from kiosk.sealing.tags import tagged_key  # noqa: E402
from kiosk.sealing.weeks import week_of  # noqa: E402
from kiosk.tracing.identity import link_of  # noqa: E402
from kiosk.tracing.report import trace  # noqa: E402
from kiosk.tracing.request import TraceWindow  # noqa: E402
from kiosk.tracing.visits import Visit, build_visits  # noqa: E402
from server.database import make_engine, migrate  # noqa: E402
from server.secret_keys import secret  # noqa: E402
from server.tables import station_settings  # noqa: E402
from server.tracing.builder import DRAIN_LIMIT, drain_all  # noqa: E402
from server.tracing.query import candidate_visits, case_visits, resolved, run_trace  # noqa: E402
from server.tracing.reveal import reveal_contacts  # noqa: E402

GOAL_MS = 100
RETENTION_DAYS = 40  # pushed to the schema: the generated weeks lie inside it
VISIT_COLUMNS = ("entry_id", "person_key", "location", "station_id", "started_at", "ended_at", "end_reason",
                 "exit_id", "display_name")
ENTRY_COLUMNS = ("id", "station_id", "scanned_at", "received_at", "location", "direction", "source", "format",
                 "person_key", "display_name", "verdict", "reasons", "linked_key", "sealed", "sealed_kid")
REVEAL_GOAL_S = 1.0


class Tags:
    """Person keys as the server stores them (server.sealing_store.stored_key, its secret read once), and
    the clear key behind each tag made, to ask a trace by the key as a tracer types it."""

    def __init__(self) -> None:
        self.clear: dict[str, str] = {}
        self._tag = cache(lambda key: tagged_key(secret("person-tag"), key))

    def __call__(self, person_key: str) -> str:
        if not person_key:
            return ""  # a refusal without a person
        tagged = self._tag(person_key)
        self.clear[tagged] = person_key
        return tagged

    def row(self, row):  # a ScanRow with its person key tagged
        return dataclasses.replace(row, person_key=self(row.person_key))

    def link(self, row) -> tuple[str, str] | None:
        """The link the row's code proves, tagged (read from its clear key and fields)."""
        link = link_of(row.format, row.person_key, row.fields or {})
        return (self(link[0]), self(link[1])) if link else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--check", type=int, default=10, help="cases checked against the brute force")
    parser.add_argument("--builder-days", type=int, default=2, help="days of entries the builder drains (0: skip)")
    parser.add_argument("--reveal", type=int, default=500, help="contacts' entries unsealed at least (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()

    sites = make_sites(args.sites, args.seed)
    start = (datetime.now(VIETNAM) - timedelta(days=args.days + 1)).replace(hour=0, minute=0, second=0,
                                                                            microsecond=0)
    window = TraceWindow(start.astimezone(timezone.utc), datetime.now(timezone.utc))
    with tempfile.TemporaryDirectory() as data_dir, postgres_schema(args.postgres) as url:
        os.environ["KIOSK_SERVER_DATA_DIR"] = data_dir  # the server's secrets, fresh for this run
        tags = Tags()
        engine = make_engine(url)
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(station_settings.insert().values(station_id=None, key="retention_days",
                                                          value=RETENTION_DAYS))
        visits = load_visits(engine, sites, args, start, tags)
        cases = [tags.clear[key] for key in pick_cases(visits, args.cases, args.seed)]  # as a tracer types them
        for method in ("gist", "btree"):
            time_queries(engine, cases, window, method)
        check_answers(engine, visits, cases[: args.check], window)
        if args.reveal:
            time_reveal(engine, visits, tags, window, args.reveal, start, args.days)
        del visits
        if args.builder_days:
            time_builder(engine, sites, args, start, tags)
        engine.dispose()


def load_visits(engine: sa.Engine, sites: Sequence, args: argparse.Namespace, start: datetime,
                tags: Tags) -> list[Visit]:
    """Visits of every generated day, COPYed with the links (all keys tagged); the indexes are built after
    the load."""
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
            link = tags.link(row)
            if link:
                links[link] = max(links.get(link, row.scanned_at), row.scanned_at)
        built = build_visits((to_scan(tags.row(row)) for row in day), rules)
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


def time_builder(engine: sa.Engine, sites: Sequence, args: argparse.Namespace, start: datetime,
                 tags: Tags) -> None:
    """Store `--builder-days` days of scans as entries with every one queued, then drain the queue."""
    station_ids = _add_stations(engine, sites)
    received = datetime.now(timezone.utc)
    rows = [row for day in _first_days(synthetic_scans(sites, people=args.people, days=args.builder_days,
                                                        start=start, seed=args.seed + 1), args.builder_days)
            for row in day]
    authority = generate_private_key(week_of(start))
    box = _sealed(authority, start, args.days, rows[0].person_key, str(uuid.uuid4()))  # one, of the real size
    _copy(engine, "entries", ENTRY_COLUMNS, (
        (uuid.uuid4(), station_ids[row.station], row.scanned_at, received, row.location, row.direction, "camera",
         row.format, tags(row.person_key), row.display_name, row.verdict, Jsonb([]),
         (tags.link(row) or (None, None))[1], box.box, box.kid) for row in rows))
    _copy(engine, "visit_queue", ("person_key", "scanned_at"),
          ((tags(row.person_key), row.scanned_at) for row in rows if row.person_key))
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE entries")
        queued = conn.exec_driver_sql("SELECT count(*) FROM visit_queue").scalar()
    began = time.perf_counter()
    drained = drain_all(engine, zone=VIETNAM)
    spent = time.perf_counter() - began
    print(f"builder: {drained:,} of {queued:,} queued entries ({args.builder_days} days, {len(rows):,} scans) "
          f"built in {spent:.1f} s = {drained / spent:,.0f} entries/s (one process, batches of {DRAIN_LIMIT:,})")


def time_reveal(engine: sa.Engine, visits: Sequence[Visit], tags: Tags, window: TraceWindow, entries: int,
                start: datetime, days: int) -> None:
    """Trace a person whose contacts come from at least `entries` entries as `kiosk-server trace --key` does,
    and open the sealed entries of the contacts it returns; times both."""
    person = _busy_person(engine, visits, tags, window, entries)
    if person is None:
        print(f"unsealing skipped: nobody's contacts come from {entries} entries here (more --people or --days)")
        return
    authority = generate_private_key(week_of(start))
    began = time.perf_counter()
    found = run_trace(engine, person, since=window.since, until=window.until, asked_by="đo-tải", role="tracer",
                      via="cli", case_number="BENCH-1", zone=VIETNAM)
    traced = time.perf_counter() - began
    ids = {contact.entry_id for contact in found.contacts.contacts}
    _store_sealed_entries(engine, authority, [v for v in visits if v.entry_id in ids], tags, start, days)
    began = time.perf_counter()
    revealed = reveal_contacts(engine, found, authority, unsealed_by="đo-tải", case_number="BENCH-1")
    opened = time.perf_counter() - began
    total = traced + opened
    verdict = "meets" if total <= REVEAL_GOAL_S and revealed.opened >= entries else "misses"
    print(f"trace with unsealing: {len(found.contacts.contacts)} contacts from {len(ids)} entries, "
          f"{revealed.opened} opened: trace {traced * 1000:.0f} ms + unsealing {opened * 1000:.0f} ms "
          f"({opened / max(revealed.opened, 1) * 1000:.2f} ms an entry) = {total * 1000:.0f} ms "
          f"({verdict} the {REVEAL_GOAL_S:g} s goal for {entries})")


def _busy_person(engine: sa.Engine, visits: Sequence[Visit], tags: Tags, window: TraceWindow,
                 entries: int) -> str | None:
    """A person (the clear key, as typed) whose contacts come from at least `entries` entries: the busiest
    people are tried first (a guard), the one nearest `entries` is taken."""
    counts: dict[str, int] = defaultdict(int)
    for visit in visits:
        counts[visit.person_key] += 1
    found = {}
    for key in sorted(counts, key=counts.get, reverse=True)[:30]:
        with engine.connect() as conn:
            identity = resolved(conn, tags.clear[key])
            own = case_visits(conn, identity.keys, window)
            result = trace(identity, window, own, candidate_visits(conn, own, padding=False))
        reached = len({contact.entry_id for contact in result.contacts.contacts})
        if reached >= entries:
            found[tags.clear[key]] = reached
    return min(found, key=found.get) if found else None


def _sealed(authority: AuthorityPrivateKey, start: datetime, days: int, person_key: str, entry_id: str,
            at: datetime | None = None):
    """A made-up visitor's fields sealed as a door seals them (kiosk.sealing.seal), bound to `entry_id`."""
    key_set = _key_set(authority, start, days)
    content = sealed_content("cccd", person_key, "", {"name": "Trần Thị Mơ", "phone": "0912345678",
                                                      "birth_date": "1999-04-15"})
    return seal_entry(content, key_set, at or start, entry_id)


@cache
def _key_set(authority: AuthorityPrivateKey, start: datetime, days: int):
    return authority.key_set(start, days // 7 + 2)


def _store_sealed_entries(engine: sa.Engine, authority: AuthorityPrivateKey, visits: Sequence[Visit],
                          tags: Tags, start: datetime, days: int) -> None:
    """The entries behind `visits` as ingest stores them: tagged key, fields sealed to their own id."""
    with engine.begin() as conn:
        station = conn.exec_driver_sql(
            "INSERT INTO stations (name, location, token_hash, created_at) VALUES (%s, %s, %s, now()) RETURNING id",
            (f"Cổng đo {uuid.uuid4().hex[:8]}", "Đo tải", uuid.uuid4().hex * 2)).scalar_one()
    rows = []
    for visit in visits:
        box = _sealed(authority, start, days, tags.clear[visit.person_key], visit.entry_id, visit.start)
        rows.append((uuid.UUID(visit.entry_id), station, visit.start, visit.start, visit.location, "in", "camera",
                     "cccd", visit.person_key, visit.display_name, "admit", Jsonb([]), None, box.box, box.kid))
    _copy(engine, "entries", ENTRY_COLUMNS, rows)


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
