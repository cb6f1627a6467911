"""A trace at one busy kiosk: a month of a hospital's waiting hall (about a million entries), then
`kiosk.trace_here.trace_here` for 100 cases with many visits, median and p99; the answers of a sample are
checked against a brute-force overlap of every pair of visits.

    python bench/trace_kiosk.py [--people 45000] [--days 28] [--cases 100] [--check 10] [--min-minutes N]
                                [--db FILE]

The store is filled in bulk (entries inserted in large transactions, then every visit built with
kiosk.tracing.visits.build_visits, person by person: `Store.rebuild_visits`), not one scan at a time.
The goal is a trace in 50 ms or less. Each trace includes writing its audit row (one durable commit). In a
busy hall a case meets thousands: the trace lists the first DEFAULT_CAP contacts in time order and says there
are more; the check compares those with the first of the brute force's full list, in the same order.
With `--db FILE` an existing filled store is reused (made by a first run with the same arguments).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from kiosk.entry import format_utc, utc_now  # noqa: E402
from kiosk.settings import Settings  # noqa: E402
from kiosk.store import Store  # noqa: E402
from kiosk.trace_here import trace_here  # noqa: E402
from kiosk.tracing.overlap import DEFAULT_CAP  # noqa: E402
from kiosk.tracing.report import Trace  # noqa: E402
from kiosk.tracing.visits import MAX_STAY, Visit  # noqa: E402
from kiosk.visit_log import VisitRules  # noqa: E402
from percentiles import percentile  # noqa: E402
from trace_data import VIETNAM, Site, brute_force_contacts, make_sites, pick_cases, synthetic_scans  # noqa: E402

CHUNK = 100_000  # entries per transaction while filling
_INSERT = ("INSERT INTO entries (id, scanned_at, station, direction, source, format, person_key, display_name, "
           "fields, verdict, reasons, sync_state) VALUES (?, ?, ?, ?, 'camera', ?, ?, ?, ?, ?, '[]', 'synced')")


def kiosk_settings(site: Site) -> Settings:
    """The hall's kiosk: its location, the site's default stay and closing time; a retention that keeps the
    whole month generated, so that a trace's window holds every visit the brute force sees."""
    return Settings(station_name=site.stations[0], location=site.location,
                    default_stay_minutes=site.default_stay_minutes, closing_time=site.closes.strftime("%H:%M"),
                    retention_days=35)


def fill(store: Store, site: Site, people: int, days: int, start: datetime) -> tuple[int, int, float]:
    """(entries, visits, seconds): the month's scans inserted in bulk, then every visit built."""
    began = time.perf_counter()
    connection = store._connection  # a bulk load: many rows per transaction, as no door would write them
    connection.execute("PRAGMA synchronous=OFF")
    rows, count = [], 0
    for scan in synthetic_scans([site], people=people, days=days, start=start):
        rows.append((scan.entry_id, format_utc(scan.scanned_at), scan.station, scan.direction, scan.format,
                     scan.person_key, scan.display_name, json.dumps(dict(scan.fields or {}), ensure_ascii=False),
                     scan.verdict))
        if len(rows) == CHUNK:
            count += _insert(connection, rows)
    count += _insert(connection, rows)
    visits = store.rebuild_visits()
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("ANALYZE")
    return count, visits, time.perf_counter() - began


def _insert(connection, rows: list[tuple]) -> int:  # type: ignore[no-untyped-def]
    connection.execute("BEGIN")
    connection.executemany(_INSERT, rows)
    connection.execute("COMMIT")
    count = len(rows)
    rows.clear()
    return count


def all_visits(store: Store, start: datetime) -> list[Visit]:
    return store.visits_starting(start - MAX_STAY, utc_now() + MAX_STAY, start - MAX_STAY)


def check(result: Trace, visits: list[Visit]) -> str | None:
    """What differs between the trace and the brute force, or None: the same first DEFAULT_CAP contacts in
    time order (overlap start, longest first, person), capped the same, and the same total when not capped."""
    expected = sorted(brute_force_contacts(set(result.identity.keys), visits, min_minutes=result.min_minutes),
                      key=lambda c: (c[2], c[2] - c[3], c[0]))
    capped = len(expected) > DEFAULT_CAP
    if result.contacts.capped != capped:
        return f"capped: {result.contacts.capped}, brute force {len(expected)} contacts"
    if not capped and result.contacts.total != len(expected):
        return f"{result.contacts.total} contacts found, brute force {len(expected)}"
    found = [(c.person_key, c.location, c.start, c.end) for c in result.contacts.contacts]
    return None if found == expected[:DEFAULT_CAP] else "different contacts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=45_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--check", type=int, default=10, help="cases checked against the brute force")
    parser.add_argument("--min-minutes", type=float, default=0, help="minimum overlap of a contact")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="keep the filled store here (and reuse it if it exists)")
    args = parser.parse_args()
    [site] = make_sites(1, args.seed)
    first = datetime.now(VIETNAM).date() - timedelta(days=args.days)
    start = datetime.combine(first, datetime.min.time(), tzinfo=VIETNAM)
    settings = kiosk_settings(site)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "entries.sqlite3"
        reuse = path.exists()
        with Store.open(path, visit_rules=VisitRules.from_settings(settings, VIETNAM)) as store:
            if not reuse:
                entries, visits, seconds = fill(store, site, args.people, args.days, start)
                print(f"filled               {entries:,} entries, {visits:,} visits in {seconds:.0f} s "
                      f"({entries / seconds:,.0f} entries/s, visits built in bulk)")
            everything = all_visits(store, start)
            cases = pick_cases(everything, args.cases, args.seed)
            print(f"store                {path.stat().st_size / 2**20:,.0f} MiB, {len(everything):,} visits; "
                  f"{len(cases)} cases")
            # The traces are timed in a process like a kiosk's, without a month of visits or a hundred answers
            # in memory (the garbage collector's full collections would walk them): the brute force reads the
            # visits again after, and only the answers it checks are kept.
            del everything
            gc.collect()
            timings, processor, shapes, checked = [], [], [], []
            for number, case in enumerate(cases):
                began, began_processor = time.perf_counter(), time.process_time()
                result = trace_here(store, settings, case, min_minutes=args.min_minutes, who="bench",
                                    reason="BENCH-1")
                timings.append(time.perf_counter() - began)
                processor.append(time.process_time() - began_processor)
                shapes.append((len(result.contacts.contacts), result.contacts.capped, len(result.case_visits)))
                if number < args.check:
                    checked.append(result)
            listed = [shape[0] for shape in shapes]
            print(f"trace_here           median {statistics.median(timings) * 1000:.1f} ms, "
                  f"p99 {percentile(timings, 0.99) * 1000:.1f} ms (goal 50 ms), min overlap "
                  f"{args.min_minutes:g} min; contacts listed per case: median {statistics.median(listed):,.0f}, "
                  f"capped at {DEFAULT_CAP:,} in {sum(shape[1] for shape in shapes)} of {len(shapes)}; "
                  f"case visits median {statistics.median(shape[2] for shape in shapes):.0f}")
            # The processor time leaves out waiting: for the disk (the audit's commit) and for other programs.
            print(f"  processor time     median {statistics.median(processor) * 1000:.1f} ms, "
                  f"p99 {percentile(processor, 0.99) * 1000:.1f} ms")
            everything = all_visits(store, start) if args.check else []
            problems = [(case, problem) for case, result in zip(cases, checked)
                        if (problem := check(result, everything))]
            print(f"brute force check    {args.check - len(problems)}/{args.check} cases agree"
                  + "".join(f"\n  {case}: {problem}" for case, problem in problems))
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
