"""A large meeting's attendance report and badges: seconds against the goals of docs/meetings.md.

    python bench/meeting_reports.py [--participants 5000] [--sessions 10] [--badges 5000] [--runs 3]
                                    [--backend sqlite|postgres|both] [--postgres postgresql://...] [--json]

An event of `--participants` people (ID number, phone for some, badge) with `--sessions` sessions over days
of five: two plenaries back to back at the hall's two doors, two rooms in parallel, a closing plenary. Its
entries are written straight into a fresh database (SQLite, and PostgreSQL in a throw-away schema when it
is reachable), as ingest stores them: tagged keys, masked names, the door's reasons. At each session most of
its expected people come, in a spread around the start, by ID card, national QR code (linked to the ID
number), badge or typed phone; a few come late, leave early, scan twice or never scan out; a few walk-ins
and refusals. Not timed: filling the database.

Timed (median of `--runs`): `load_report` and each of the four files (JSON lines, CSV, XLSX, PDF), then the
full report in one pass (load_report and the four files of that fresh report), goal 3 s. Then the badges: their codes signed with a throw-away Ed25519 key
(kiosk.meetings.badge_code.encode), not part of the goal, and the A4 PDF, goal 30 s (the label layout, one
page each, shown too).
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "server")]

importlib.import_module("kiosk.credentials")  # before the badge code: the two import each other

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from kiosk.meetings.badge_code import Badge, encode  # noqa: E402
from kiosk.meetings.keys import badge_key, id_number_key, phone_key  # noqa: E402
from processes import postgres_schema  # noqa: E402
from server.database import make_engine, migrate  # noqa: E402
from server.meetings.badge_sheets import PrintedBadge, write_badges_pdf  # noqa: E402
from server.meetings.report_data import load_report  # noqa: E402
from server.meetings.report_files import (report_json_lines, write_report_csv, write_report_pdf,  # noqa: E402
                                          write_report_xlsx)
from server.secret_keys import tag_person  # noqa: E402
from server.tables import (entries, event_session_stations, event_sessions, events, participants,  # noqa: E402
                           stations)

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
REPORT_GOAL, BADGES_GOAL = 3.0, 30.0
EVENT = "Hội nghị tổng kết công tác y tế dự phòng năm 2026"
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Tôn Nữ")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh", "Thị Phương", "Xuân", "Thanh")
GIVEN = ("An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hải", "Hạnh", "Khánh", "Linh", "Nam", "Phúc", "Thảo",
         "Trang", "Tuấn", "Yến", "Hoàng Anh")
ORGANISATIONS = ("Sở Y tế Hà Nội", "Bệnh viện Bạch Mai", "Trung tâm Kiểm soát bệnh tật tỉnh Nghệ An",
                 "Trường Đại học Y Dược Thành phố Hồ Chí Minh", "Viện Vệ sinh Dịch tễ Trung ương")
# (name, room, start, minutes, stations) for each of a day's five sessions: 0, 1 the hall's doors, 2, 3 rooms.
DAY_PLAN = (("Phiên toàn thể {day}A", "Hội trường Diên Hồng", "08:00", 105, (0, 1)),
            ("Phiên toàn thể {day}B", "Hội trường Diên Hồng", "10:00", 90, (0, 1)),
            ("Tổ thảo luận {day}.1", "Phòng 201", "13:30", 120, (2,)),
            ("Tổ thảo luận {day}.2", "Phòng 305", "13:30", 120, (3,)),
            ("Phiên bế mạc {day}", "Hội trường Diên Hồng", "15:45", 75, (0, 1)))


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    organisation: str
    group: str
    card: str  # tagged keys; "" when the person has none of the kind
    phone: str
    badge: str
    qid: str  # the key of their national QR code, linked to `card` at the door


def fill(engine: sa.Engine, people_count: int, session_count: int, keys_dir: Path, seed: int = 12) -> tuple[int, int]:
    """The event, its sessions and people, and their entries; returns (event id, entries)."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        station_ids = [conn.execute(stations.insert().values(
            name=f"{label} {uuid.uuid4().hex[:6]}", location="Trung tâm Hội nghị Quốc gia",
            token_hash=uuid.uuid4().hex * 2, created_at=now).returning(stations.c.id)).scalar_one()
            for label in ("Cửa A", "Cửa B", "Phòng 201", "Phòng 305")]
        event_id = conn.execute(events.insert().values(name=EVENT, created_at=now).returning(events.c.id)).scalar_one()
    people = [_person(n, rng, keys_dir) for n in range(people_count)]
    with engine.begin() as conn:
        conn.execute(participants.insert(), [
            {"id": p.id, "event_id": event_id, "name": p.name, "organisation": p.organisation, "group_name": p.group,
             "match_key": p.card or p.phone, "person_keys": [key for key in (p.card, p.phone, p.badge) if key],
             "door": {}, "source": "import", "created_at": now, "updated_at": now} for p in people])
    first_day = (now - timedelta(days=3)).astimezone(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    rows: list[dict] = []
    for number in range(session_count):
        day, (name, room, start_at, minutes, doors) = divmod(number, len(DAY_PLAN))[0], DAY_PLAN[number % len(DAY_PLAN)]
        hour, minute = map(int, start_at.split(":"))
        start = first_day + timedelta(days=day, hours=hour, minutes=minute)
        end = start + timedelta(minutes=minutes)
        session_name = name.format(day=day + 1)
        with engine.begin() as conn:
            session_id = conn.execute(event_sessions.insert().values(
                event_id=event_id, name=session_name, room=room, starts_at=start.astimezone(timezone.utc),
                ends_at=end.astimezone(timezone.utc)).returning(event_sessions.c.id)).scalar_one()
            conn.execute(event_session_stations.insert(),
                         [{"session_id": session_id, "station_id": station_ids[door]} for door in doors])
        expected = people if len(doors) == 2 else people[number % 2::2]  # the rooms split the people
        for person in expected:
            if rng.random() < 0.88:
                rows += _visit(person, session_name, session_id, start, end, [station_ids[d] for d in doors], rng)
        for walk_in in range(len(expected) // 100):
            key = _tag(f"cccd:0{rng.randrange(10**11):011d}", keys_dir)
            arrived = start + timedelta(minutes=rng.gauss(0, 10))
            rows.append(_entry(station_ids[doors[0]], arrived, "in", key, None, "warn", "TRUONG V** K*",
                               [{"code": "meeting.not-listed",
                                 "params": {"session": session_name, "session_id": str(session_id)}}]))
        rows += [_entry(station_ids[doors[0]], start + timedelta(minutes=rng.uniform(-20, 20)), "in", "", None,
                        "refuse", "", [{"code": "code.unreadable", "params": {}}]) for _ in range(len(expected) // 200)]
    for chunk in range(0, len(rows), 5000):
        with engine.begin() as conn:
            conn.execute(entries.insert(), rows[chunk:chunk + 5000])
    return event_id, len(rows)


def _person(n: int, rng: random.Random, keys_dir: Path) -> Person:
    pid = secrets.token_hex(8)
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    card = _tag(id_number_key(f"0{rng.randrange(10**11):011d}"), keys_dir) if rng.random() < 0.95 else ""
    phone = _tag(phone_key(f"09{rng.randrange(10**8):08d}"), keys_dir) if not card or rng.random() < 0.5 else ""
    return Person(pid, name, rng.choice(ORGANISATIONS), f"Tổ {n % 40 + 1}", card, phone, _tag(badge_key(pid), keys_dir),
                  _tag(f"qid:1629{n:014d}", keys_dir))


def _tag(clear: str, keys_dir: Path) -> str:
    return tag_person(clear, keys_dir)


def _visit(person: Person, session: str, session_id: int, start: datetime, end: datetime, doors: list[int],
           rng: random.Random) -> list[dict]:
    """A person's entries at one session: an arrival (a few late), usually an exit near the end (a few
    early, some never), now and then a repeated scan or a break outside."""
    key, linked = rng.choice([(person.card, None), (person.qid, person.card), (person.badge, None),
                              (person.phone, None)] if person.card else [(person.phone, None), (person.badge, None)])
    key = key or person.badge
    listed = [{"code": "meeting.listed", "params": {"session": session, "session_id": str(session_id),
                                                    "participant": person.id}}]
    reasons = listed if rng.random() < 0.9 else []  # the rest: found by their keys alone
    shown = "NGUYEN V** A*"
    arrived = start + timedelta(minutes=rng.gauss(-6, 8) if rng.random() < 0.9 else rng.uniform(10, 45))
    visit = [_entry(rng.choice(doors), arrived, "in", key, linked, "admit", shown, reasons)]
    if rng.random() < 0.05:
        visit.append(_entry(rng.choice(doors), arrived + timedelta(seconds=20), "in", key, linked, "admit", shown,
                            reasons))
    if rng.random() < 0.1:
        out = arrived + timedelta(minutes=rng.uniform(20, 40))
        visit += [_entry(rng.choice(doors), out, "out", key, linked, "admit", shown, reasons),
                  _entry(rng.choice(doors), out + timedelta(minutes=rng.uniform(5, 15)), "in", key, linked, "admit",
                         shown, reasons)]
    leaving = rng.random()
    if leaving < 0.7:
        left = end + timedelta(minutes=rng.gauss(3, 4)) if leaving < 0.62 else end - timedelta(minutes=rng.uniform(15, 50))
        visit.append(_entry(rng.choice(doors), left, "out", key, linked, "admit", shown, reasons))
    return visit


def _entry(station: int, at: datetime, direction: str, key: str, linked: str | None, verdict: str, shown: str,
           reasons: list) -> dict:
    at = at.astimezone(timezone.utc)
    return {"id": uuid.uuid4(), "station_id": station, "scanned_at": at, "received_at": at + timedelta(seconds=2),
            "location": "Trung tâm Hội nghị Quốc gia", "direction": direction, "source": "camera",
            "format": "vn-qr", "person_key": key, "display_name": shown, "verdict": verdict, "reasons": reasons,
            "linked_key": linked}


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median seconds of wall-clock and of this process's CPU: on a shared machine the second says what
    the code costs when others are busy too."""
    wall, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return statistics.median(wall), statistics.median(cpu)


def measure_report(engine: sa.Engine, event_id: int, folder: Path, runs: int) -> dict[str, object]:
    report = load_report(engine, event_id, zone=ZONE)
    steps = {
        "load_report": lambda: load_report(engine, event_id, zone=ZONE),
        "json lines": lambda: report_json_lines(report),
        "csv": lambda: write_report_csv(report, folder / "report.csv"),
        "xlsx": lambda: write_report_xlsx(report, folder / "report.xlsx"),
        "pdf": lambda: write_report_pdf(report, folder / "report.pdf"),
    }
    seconds = {name: timed(step, runs) for name, step in steps.items()}
    seconds["sum of the steps"] = (sum(wall for wall, _ in seconds.values()), sum(cpu for _, cpu in seconds.values()))
    seconds["full report"] = timed(lambda: _every_file(load_report(engine, event_id, zone=ZONE), folder), runs)
    attended = sum(session.attended for session in report.sessions)
    return {**seconds, "rows": len(report.rows), "attended": attended}


def _every_file(report, folder: Path) -> None:
    """The files of one fresh report: what a step's median leaves out (work one file does and the next reuses)
    is counted here."""
    report_json_lines(report)
    write_report_csv(report, folder / "report.csv")
    write_report_xlsx(report, folder / "report.xlsx")
    write_report_pdf(report, folder / "report.pdf")


def measure_badges(count: int, folder: Path) -> dict[str, float]:
    key, now = Ed25519PrivateKey.generate(), datetime.now(timezone.utc)
    rng = random.Random(5)
    started, used = time.perf_counter(), time.process_time()
    badges = []
    for n in range(count):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        code = encode(Badge("12", secrets.token_hex(8), name), key=key, kid=secrets.token_bytes(8),
                      issuer="https://kiosk.example.vn", issued_at=now, expires_at=now + timedelta(days=3),
                      cti=secrets.token_bytes(16))
        badges.append(PrintedBadge(EVENT, name, rng.choice(ORGANISATIONS), f"Tổ {n % 40 + 1}", code))
    signed = (time.perf_counter() - started, time.process_time() - used)
    sheets = timed(lambda: write_badges_pdf(badges, folder / "badges.pdf"), 1)
    size = (folder / "badges.pdf").stat().st_size
    labels = timed(lambda: write_badges_pdf(badges, folder / "labels.pdf", layout="label"), 1)
    return {"sign codes": signed, "badges pdf (a4)": sheets, "badges pdf (label)": labels,
            "badges pdf bytes": size}


@contextmanager
def database(backend: str, folder: Path, postgres: str) -> Iterator[sa.Engine]:
    if backend == "postgres":
        with postgres_schema(postgres) as url:
            engine = make_engine(url)
            migrate(engine)
            yield engine
            engine.dispose()
        return
    engine = make_engine(f"sqlite:///{folder / 'server.sqlite3'}")
    migrate(engine)
    yield engine
    engine.dispose()


def postgres_reachable(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--badges", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL (database test)")
    parser.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for backend in backends:
            if backend == "postgres" and not postgres_reachable(args.postgres):
                results[backend] = {"skipped": f"PostgreSQL unreachable at {args.postgres}"}
                continue
            with database(backend, folder, args.postgres) as engine:
                event_id, count = fill(engine, args.participants, args.sessions, folder / "keys")
                results[backend] = {"entries": count, **measure_report(engine, event_id, folder, args.runs)}
        results["badges"] = measure_badges(args.badges, folder)
    goals = {"full report": REPORT_GOAL, "badges pdf (a4)": BADGES_GOAL}
    if args.json:
        print(json.dumps({"participants": args.participants, "sessions": args.sessions, "badges": args.badges,
                          "goals_seconds": goals, "results": results}, ensure_ascii=False, indent=2))
        return
    print(f"{args.participants} participants, {args.sessions} sessions, {args.badges} badges "
          f"(median of {args.runs} runs for the report; wall-clock and CPU seconds)")
    for part, numbers in results.items():
        print(f"\n{part}")
        for name, value in numbers.items():
            goal = goals.get(name)
            shown = f"{value[0]:8.3f} s  cpu {value[1]:7.3f} s" if isinstance(value, tuple) else f"{value!s:>10}"
            verdict = f"   goal ≤ {goal:g} s: {'met' if value[0] <= goal else 'MISSED'}" if goal else ""
            print(f"  {name:<22}{shown}{verdict}")


if __name__ == "__main__":
    main()
