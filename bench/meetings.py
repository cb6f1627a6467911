"""Meetings at a conference's scale: importing the participant list, building a station's config, and the
door's lookup.

    python bench/meetings.py [--participants 5000] [--sessions 10] [--scans 5000] [--postgres URL | --no-postgres]
                             [--json]

A made-up list of `--participants` people (name, organisation, seat, 12-digit ID number, phone) is written
as the organiser's CSV (UTF-8 with BOM) and XLSX files. On SQLite and on PostgreSQL (a throw-away schema),
each file is imported (file bytes → database, server.meetings.participants.apply_import, every participant
tagged and their roster cards closed) into an event of its own with `--sessions` sessions at one station,
and the CSV once more (nothing changed: the re-import's cost). Then that station's whole config is built
as GET /api/v1/station/config builds it (median of 5), and its size given. At the door, the config's
"meetings" part is read once (MeetingPlan.from_json, as the kiosk does at each sync) and each scan looks its
person keys up (PlannedEvent.card_for): a chip card's ID key, a declaration's phone key, a badge, and one
scan in ten of someone not on the list; median and p99 per scan in ms.

Goals (issue 12): import ≤ 5 s, lookup ≤ 1 ms.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from sync import DEFAULT_POSTGRES  # bench/sync.py, next to this file: puts the repository on the path

import psycopg  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from meeting_files import HEADER, Attendee, generated, participant_csv  # noqa: E402
from percentiles import percentile  # noqa: E402
from processes import postgres_schema  # noqa: E402

IMPORT_GOAL_S = 5.0
LOOKUP_GOAL_MS = 1.0
BUILDS = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--scans", type=int, default=5000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server (a schema is made and dropped)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", action="store_true", help="the results as one JSON object")
    args = parser.parse_args()
    # The server's secrets (person tags, the meeting root, the badge keys) in a throw-away folder.
    os.environ["KIOSK_SERVER_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-meetings-")
    people = generated(args.participants)
    files = {"csv": participant_csv(people), "xlsx": _xlsx(people)}
    results = {"participants": args.participants, "sessions": args.sessions, "load_average": os.getloadavg()[0],
               "file_bytes": {kind: len(data) for kind, data in files.items()}, "backends": {}}
    for backend, url in _backends(args):
        with url as database_url:
            results["backends"][backend] = _run(database_url, files, people, args)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        _print_table(results)
    return 0


def _backends(args: argparse.Namespace) -> Iterator[tuple[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-meetings-db-"))
    yield "sqlite", _plain(f"sqlite:///{folder / 'server.sqlite3'}")
    if args.no_postgres:
        return
    try:
        psycopg.connect(args.postgres, connect_timeout=3).close()
    except psycopg.Error as error:
        print(f"PostgreSQL skipped: {error}".strip(), file=sys.stderr)
        return
    yield "postgres", postgres_schema(args.postgres)


@contextmanager
def _plain(url: str) -> Iterator[str]:
    yield url


def _run(url: str, files: dict[str, bytes], people: list[Attendee], args: argparse.Namespace) -> dict[str, Any]:
    from kiosk.meetings.keys import badge_key, id_number_key, phone_key
    from kiosk.meetings.plan import MeetingPlan
    from server.database import make_engine, migrate
    from server.meetings.service import add_event, add_session, apply_import, participants_of
    from server.station_config import DEFAULT_CONTRIBUTORS, StationConfigBuilder
    from server.stations import add_station, list_stations

    engine = make_engine(url)
    migrate(engine)
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    timings: dict[str, float] = {}
    events = {}
    for kind, data in files.items():
        station, _ = add_station(engine, f"Hội trường {kind.upper()}")
        event_id = add_event(engine, f"Hội nghị ({kind})")
        for number in range(args.sessions):  # two a day, morning and afternoon
            begins = start + timedelta(days=number // 2, hours=5 * (number % 2))
            add_session(engine, event_id, f"Phiên {number + 1}", begins, begins + timedelta(hours=3), [station.name])
        timings[f"import_{kind}_s"], timings[f"import_{kind}_cpu_s"] = _seconds(
            lambda: apply_import(engine, event_id, data, f"danh-sach.{kind}"))
        events[kind] = (event_id, station.name)
    event_id, station_name = events["csv"]
    timings["reimport_csv_s"], timings["reimport_csv_cpu_s"] = _seconds(
        lambda: apply_import(engine, event_id, files["csv"], "danh-sach.csv"))
    builder = StationConfigBuilder(DEFAULT_CONTRIBUTORS)
    with engine.connect() as conn:
        station = next(s for s in list_stations(conn) if s.name == station_name)
        builds = [_seconds(lambda: builder.build(conn, station))[0] for _ in range(BUILDS)]
        document = builder.build(conn, station)
    config = json.loads(document.body)
    read_started = time.perf_counter()
    plan = MeetingPlan.from_json(config["meetings"])
    plan_read_s = time.perf_counter() - read_started
    event = plan.events[str(event_id)]
    ids = [p.id for p in participants_of(engine, event_id, limit=len(people))]
    engine.dispose()
    scans = _scans(people, ids, args.scans, id_number_key, phone_key, badge_key)
    lookups, found = [], 0
    for keys in scans:
        began = time.perf_counter()
        card = event.card_for(keys)
        lookups.append((time.perf_counter() - began) * 1000)
        found += card is not None
    return {**timings, "config_build_ms_median": statistics.median(builds) * 1000, "config_bytes": len(document.body),
            "meetings_part_bytes": len(json.dumps(config["meetings"], separators=(",", ":"))),
            "roster_entries": len(event.roster), "plan_read_ms": plan_read_s * 1000,
            "lookup_ms_median": statistics.median(lookups), "lookup_ms_p99": percentile(lookups, 0.99),
            "scans": len(scans), "scans_found": found}


def _scans(people: list[Attendee], ids: list[str], count: int, id_number_key: Callable[[str], str],
           phone_key: Callable[[str], str], badge_key: Callable[[str], str]) -> list[list[str]]:
    """What the door reads: mostly listed people by one of their codes, one in ten nobody on the list."""
    chooser = random.Random(12)
    scans = []
    for number in range(count):
        if number % 10 == 9:
            scans.append([f"cccd:0790{chooser.randrange(10**8):08d}"])
            continue
        person = chooser.randrange(len(people))
        kind = number % 3
        scans.append([id_number_key(people[person].id_number)] if kind == 0 else
                     [phone_key(people[person].phone)] if kind == 1 else [badge_key(ids[person % len(ids)])])
    return scans


def _xlsx(people: list[Attendee]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách")
    sheet.append(list(HEADER))
    for number, p in enumerate(people, start=1):
        sheet.append([number, p.name, p.organisation, p.group, p.id_number, p.phone])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _seconds(work: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and this process's CPU seconds: on a busy machine the first waits for the CPU, the
    second does not (the database server's own work is in the first only)."""
    began, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - began, time.process_time() - cpu


def _print_table(results: dict[str, Any]) -> None:
    print(f"Meetings: {results['participants']} participants, {results['sessions']} sessions; files "
          f"CSV {results['file_bytes']['csv']:,} B, XLSX {results['file_bytes']['xlsx']:,} B; load average "
          f"{results['load_average']:.1f} on {os.cpu_count()} CPUs at the start")
    rows = [("import CSV (s)", "import_csv_s", IMPORT_GOAL_S), ("  of which CPU here (s)", "import_csv_cpu_s", None),
            ("import XLSX (s)", "import_xlsx_s", IMPORT_GOAL_S), ("  of which CPU here (s)", "import_xlsx_cpu_s", None),
            ("re-import CSV, unchanged (s)", "reimport_csv_s", None),
            ("station config build (ms, median)", "config_build_ms_median", None),
            ("station config size (bytes)", "config_bytes", None), ("roster entries", "roster_entries", None),
            ("kiosk reads the plan (ms, once per sync)", "plan_read_ms", None),
            ("door lookup (ms, median)", "lookup_ms_median", LOOKUP_GOAL_MS),
            ("door lookup (ms, p99)", "lookup_ms_p99", LOOKUP_GOAL_MS)]
    backends = list(results["backends"])
    print(f"{'':<42}" + "".join(f"{name:>14}" for name in backends) + f"{'goal':>8}")
    for label, key, goal in rows:
        values = "".join(f"{_shown(results['backends'][name][key]):>14}" for name in backends)
        print(f"{label:<42}{values}{'≤ ' + format(goal, 'g') if goal else '':>8}")
    for name in backends:
        found = results["backends"][name]
        print(f"{name}: {found['scans_found']} of {found['scans']} scans found a participant (one in ten is "
              "nobody on the list)")


def _shown(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(main())
