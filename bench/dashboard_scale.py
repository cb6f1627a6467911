"""The dashboard's overview at a province's scale: HTML size, table rows, server time and the load time in
headless Chromium, on PostgreSQL.

    python bench/dashboard_scale.py [--stations 2000] [--days 28] [--per-day 20] [--runs 5]
                                    [--postgres postgresql://...] [--chromium /usr/bin/chromium]
                                    [--path /dashboard/?lang=en ...]

The stations and their entries are written straight into a throw-away schema (COPY), not uploaded: what is
measured is the page, not ingest. The entries are what ingest stores: a person key tagged with the server's
secret (a fresh data directory), and one sealed box of the real size standing for each entry's fields (the
dashboard never opens a box). Every station has a location of its own (the worst case for the counts
per location); a few are revoked, never seen, or have a queue that does not drain. The server runs as its
own process on 127.0.0.1; the times are medians over --runs loads of each page, after one warm-up load.
Chromium's load time needs Playwright (`pip install playwright`; the system's Chromium is used).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from sync import DEFAULT_POSTGRES, count_entries, running_server  # bench/sync.py, next to this file

from dashboard_login import log_in  # noqa: E402  (put on the path by bench/sync.py)
from kiosk.sealing.authority import generate_private_key  # noqa: E402
from kiosk.sealing.kept import sealed_content  # noqa: E402
from kiosk.sealing.seal import seal_entry  # noqa: E402
from kiosk.sealing.tags import tagged_key  # noqa: E402
from kiosk.sealing.weeks import week_of  # noqa: E402
from server.admins import add_admin  # noqa: E402
from server.dashboard import SESSION_COOKIE  # noqa: E402
from server.secret_keys import secret  # noqa: E402
from server.tables import stations  # noqa: E402

PASSWORD = "mật-khẩu-đo-tải-1"
DEFAULT_PATHS = ["/dashboard/?lang=en", "/dashboard/?lang=en&state=stalled",
                 "/dashboard/?lang=en&q=0042&page=1", "/dashboard/?lang=en&page=7",
                 "/dashboard/?lang=en&location=T%C3%B2a+0042"]


def fill(engine, station_count: int, days: int, per_day: int, seed: int = 7) -> None:
    """Stations (2 % revoked, 3 % never seen, 1 % not draining) and `per_day` entries per station and day."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    rows = []
    for s in range(station_count):
        kind = rng.random()
        seen = kind >= 0.05
        rows.append({
            "name": f"Cổng {s:04d}", "location": f"Tòa {s:04d}", "token_hash": uuid.uuid4().hex * 2,
            "created_at": now - timedelta(days=days + 1),
            "revoked_at": now - timedelta(days=2) if kind < 0.02 else None,
            "last_contact_at": now - timedelta(minutes=rng.randint(1, 600)) if seen else None,
            "reported_queue": (40 if kind < 0.06 else 0) if seen else None,
            "clock_offset_seconds": rng.uniform(-3, 3) if seen else None,
            "queue_oldest_at": now - timedelta(hours=2) if 0.05 <= kind < 0.06 else None,
            "last_upload_at": now - timedelta(hours=3 if kind < 0.06 else 0, minutes=rng.randint(1, 30))
            if seen else None,
        })
    with engine.begin() as conn:
        conn.execute(stations.insert(), rows)
        ids = dict(conn.execute(stations.select().with_only_columns(stations.c.name, stations.c.id)).all())
    tag = secret("person-tag")
    sealed = seal_entry(sealed_content("vn-qr", "qid:162900000000000001", "", {"name": "NGUYEN VAN AN"}),
                        generate_private_key(week_of(now)).key_set(now, 1), now,
                        str(uuid.uuid4()))
    with engine.raw_connection() as raw:
        with raw.cursor() as cursor, cursor.copy(
                "COPY entries (id, station_id, scanned_at, received_at, location, direction, source, format, "
                "person_key, display_name, verdict, reasons, sealed, sealed_kid) FROM STDIN") as copy:
            for row in rows:
                for day in range(days):
                    for n in range(per_day):
                        at = now - timedelta(days=day, minutes=rng.randint(0, 1439))
                        verdict = "refuse" if rng.random() < 0.05 else "admit"
                        person = tagged_key(tag, f"qid:1629{rng.randrange(10**14):014d}")
                        copy.write_row((uuid.uuid4(), ids[row["name"]], at, at, row["location"], "in", "camera",
                                        "vn-qr", person, "NGUYEN V** A*", verdict, "[]", sealed.box, sealed.kid))
        raw.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")  # as autovacuum would have done by the time anyone looks


def measure_server(session: requests.Session, url: str, runs: int) -> tuple[float, int, int]:
    """Median seconds for the whole answer, its size in bytes and its table rows."""
    session.get(url, timeout=120)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = session.get(url, timeout=120)
        times.append(time.perf_counter() - started)
        answer.raise_for_status()
    return statistics.median(times), len(answer.content), answer.text.count("<tr")


def measure_browser(chromium: str, base: str, token: str, paths: list[str], runs: int) -> dict[str, float]:
    """Median seconds from navigation to the load event, 1366×768, for each path."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Chromium load times skipped: Playwright is not installed (pip install playwright).")
        return {}
    loads = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        page = context.new_page()
        for path in paths:
            page.goto(base + path, wait_until="load")
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                page.goto(base + path, wait_until="load")
                times.append(time.perf_counter() - started)
            loads[path] = statistics.median(times)
        browser.close()
    return loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--per-day", type=int, default=20, help="entries per station and day")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--path", action="append", help=f"a page to measure (default: {DEFAULT_PATHS})")
    args = parser.parse_args()
    paths = args.path or DEFAULT_PATHS
    with tempfile.TemporaryDirectory() as name:
        os.environ["KIOSK_SERVER_DATA_DIR"] = str(Path(name) / "server-data")  # the server's secrets
        with running_server("postgres", Path(name), args.postgres) as (base, engine):
            started = time.perf_counter()
            fill(engine, args.stations, args.days, args.per_day)
            print(f"{args.stations} stations, {count_entries(engine)} entries over {args.days} days "
                  f"(written in {time.perf_counter() - started:.0f} s)")
            add_admin(engine, "do-tai", PASSWORD)
            session = requests.Session()
            log_in(session, base, "do-tai", PASSWORD).raise_for_status()
            loads = measure_browser(args.chromium, base, session.cookies[SESSION_COOKIE], paths, args.runs)
            print(f"{'page':<50} {'HTML':>10} {'rows':>7} {'server':>9} {'Chromium':>9}")
            for path in paths:
                seconds, size, rows = measure_server(session, base + path, args.runs)
                load = f"{loads[path] * 1000:7.0f} ms" if path in loads else "        —"
                print(f"{path:<50} {size / 1024:7.0f} KB {rows:7d} {seconds * 1000:6.0f} ms {load}")


if __name__ == "__main__":
    main()
