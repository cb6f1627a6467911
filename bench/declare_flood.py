"""A flood of the public /declare page while a kiosk uploads: do the kiosk's uploads and /healthz stay fast?

    python bench/declare_flood.py [--clients 8] [--seconds 10] [--entries 20] [--backend sqlite|postgres]
                                  [--sign-per-minute N] [--postgres postgresql://postgres@127.0.0.1:5432/test]

The server runs as its own process (`python -m server serve`, one worker) on 127.0.0.1. A prober sends a
kiosk-sized upload (`--entries` entries, gzip JSON, as kiosk.sync does) and a GET /healthz, one after the
other, first for `--seconds` with nothing else going on, then for `--seconds` while `--clients` threads
each post valid declarations to /declare as fast as answers come back (keep-alive, Retry-After ignored).
All flood clients share the address 127.0.0.1; `--sign-per-minute 1000000` lifts the per-address limit, to
see what the cap on concurrent signings alone does (a flood from many addresses).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "server"), str(ROOT / "bench")]

import httpx  # noqa: E402

from factories import make_entry  # noqa: E402
from percentiles import percentile  # noqa: E402
from sync import running_server  # noqa: E402
from server.stations import add_station  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
FORM = {"name": "Phạm Thị Dung", "phone": "0934567890", "id_number": "001199011111",
        "answer_sym": "no", "answer_con": "no", "answer_pos": "no"}


def probe(url: str, token: str, station: str, entries: int, until: float) -> tuple[list[float], list[float]]:
    """Upload and /healthz round trips (ms) until the deadline; any failure stops the benchmark."""
    uploads: list[float] = []
    health: list[float] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Encoding": "gzip"}
    with httpx.Client(timeout=60) as client:
        n = 0
        while time.monotonic() < until:
            batch = [make_entry(n + i, station=station).to_json() for i in range(entries)]
            n += entries
            body = gzip.compress(json.dumps({"entries": batch}, ensure_ascii=False).encode("utf-8"), compresslevel=5)
            started = time.perf_counter()
            answer = client.post(f"{url}/api/v1/entries", content=body, headers=headers)
            uploads.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"upload answered {answer.status_code}: {answer.text[:200]}")
            started = time.perf_counter()
            answer = client.get(f"{url}/healthz")
            health.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"/healthz answered {answer.status_code}")
            time.sleep(0.05)  # a kiosk uploads now and then, not back to back
    return uploads, health


def flood(url: str, until: float, statuses: Counter, lock: threading.Lock) -> None:
    with httpx.Client(timeout=60) as client:
        while time.monotonic() < until:
            status = client.post(f"{url}/declare", data=FORM).status_code
            with lock:
                statuses[status] += 1


def phase(url: str, token: str, station: str, args: argparse.Namespace, clients: int) -> dict:
    until = time.monotonic() + args.seconds
    statuses: Counter = Counter()
    lock = threading.Lock()
    flooders = [threading.Thread(target=flood, args=(url, until, statuses, lock)) for _ in range(clients)]
    for thread in flooders:
        thread.start()
    uploads, health = probe(url, token, station, args.entries, until)
    for thread in flooders:
        thread.join()
    return {"uploads": uploads, "health": health, "statuses": dict(sorted(statuses.items()))}


def summary(values: list[float]) -> str:
    return (f"p50 {percentile(values, 0.5):6.1f} ms  p95 {percentile(values, 0.95):6.1f} ms  "
            f"max {max(values):6.1f} ms  (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--entries", type=int, default=20, help="entries per kiosk upload")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sign-per-minute", type=int, help="KIOSK_SERVER_DECLARE_SIGN_PER_MINUTE for the server")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        os.environ["KIOSK_SERVER_DATA_DIR"] = str(folder / "data")
        if args.sign_per_minute:
            os.environ["KIOSK_SERVER_DECLARE_SIGN_PER_MINUTE"] = str(args.sign_per_minute)
        with running_server(args.backend, folder, args.postgres) as (url, engine):
            station, token = add_station(engine, "Cổng bench", "Bench")
            assert httpx.post(f"{url}/declare", data=FORM, timeout=60).status_code == 200  # keyring created
            quiet = phase(url, token, station.name, args, clients=0)
            flooded = phase(url, token, station.name, args, clients=args.clients)
    print(f"{args.backend}, {args.entries} entries per upload, {args.clients} clients flooding /declare for "
          f"{args.seconds:g} s" + (f", sign limit {args.sign_per_minute}/min" if args.sign_per_minute else ""))
    print(f"  quiet   upload  {summary(quiet['uploads'])}")
    print(f"  quiet   healthz {summary(quiet['health'])}")
    print(f"  flooded upload  {summary(flooded['uploads'])}")
    print(f"  flooded healthz {summary(flooded['health'])}")
    print(f"  /declare answers during the flood: {flooded['statuses']}")


if __name__ == "__main__":
    main()
