"""Many stations posting at once: entries stored per second and the p99 request time.

    python bench/ingest.py [--stations 50] [--batches 4] [--batch 500] [--workers 2]
                           [--backend sqlite|postgres|both] [--postgres postgresql://...]
                           [--wire sealed|clear|pending]

Each simulated station is a thread with its own token and connection, posting its batches (gzip JSON,
built before the clock starts) one after another, as a kiosk catching up after an outage would. The server
runs as separate processes (`serve --workers N`) on 127.0.0.1, sharing the machine with this client.

--wire: `sealed` (default) sends what a kiosk of this version sends, fields sealed at the door (the server
tags the keys); `clear` what a kiosk of the previous version sends, which the server seals on arrival to the
published authority key; `pending` the same with no key published (the server boxes them under its own).

Besides the rate, it prints the CPU each party spent per entry (bench/cpu_use.py): the server's processes,
this client, and on PostgreSQL the backends of this run. On a shared machine the rate moves with everyone's
load; the CPU per entry moves much less, and says where the time goes.
"""

from __future__ import annotations

import argparse
import gzip
import base64
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import requests

from sync import DEFAULT_POSTGRES, count_entries, running_server  # bench/sync.py, next to this file

from cpu_use import BackendsCpu, ChildrenCpu  # noqa: E402

from factories import make_entry  # noqa: E402  (put on the path by bench/sync.py)
from percentiles import percentile  # noqa: E402
from kiosk.sealing.authority import AuthorityKeySet, generate_private_key  # noqa: E402
from kiosk.sealing.kept import sealed_content  # noqa: E402
from kiosk.sealing.seal import seal_entry  # noqa: E402
from kiosk.sealing.weeks import week_of  # noqa: E402
from server.authority_keys import store_key_set  # noqa: E402
from server.stations import add_station  # noqa: E402


def wire_entry(n: int, station: str, key_set: AuthorityKeySet | None) -> dict:
    """Entry n as a kiosk sends it: sealed at the door with `key_set`, or (None) as the previous version."""
    entry = make_entry(n, station=station)
    if key_set is None:
        return entry.to_json()
    sealed = seal_entry(sealed_content(entry.format, entry.person_key, "", entry.fields), key_set,
                        entry.scanned_at, entry.id)
    return entry.to_json() | {"linked_key": "", "fields": {}, "sealed": base64.b64encode(sealed.box).decode(),
                              "sealed_kid": sealed.kid}


def build_uploads(engine, stations: int, batches: int, batch: int,
                  key_set: AuthorityKeySet | None) -> list[tuple[str, list[bytes]]]:
    uploads = []
    for s in range(stations):
        station, token = add_station(engine, f"Trạm {s:03d}", f"Địa điểm {s % 10}")
        bodies = []
        for b in range(batches):
            items = [wire_entry(n, station.name, key_set) for n in range(b * batch, (b + 1) * batch)]
            bodies.append(gzip.compress(json.dumps({"entries": items}).encode(), compresslevel=5))
        uploads.append((token, bodies))
    return uploads


def post_all(url: str, token: str, bodies: list[bytes], latencies: list[float], failures: list[str]) -> None:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Encoding": "gzip"}
    for body in bodies:
        started = time.perf_counter()
        answer = session.post(f"{url}/api/v1/entries", data=body, headers=headers, timeout=120)
        latencies.append(time.perf_counter() - started)
        if answer.status_code != 200 or answer.json()["accepted"] == 0:
            failures.append(f"HTTP {answer.status_code}: {answer.text[:200]}")


def run(backend: str, args: argparse.Namespace) -> None:
    total = args.stations * args.batches * args.batch
    application = f"kiosk-ingest-bench-{os.getpid()}"  # how this run's PostgreSQL backends are told apart
    postgres = f"{args.postgres}{'&' if '?' in args.postgres else '?'}application_name={application}"
    with tempfile.TemporaryDirectory() as name:
        os.environ["KIOSK_SERVER_DATA_DIR"] = str(Path(name) / "server-data")  # the server's secrets and keys
        first = make_entry(0).scanned_at
        key_set = generate_private_key(week_of(first)).key_set(first, 2)
        if args.wire != "pending":
            store_key_set(key_set)
        with running_server(backend, Path(name), postgres, workers=args.workers) as (url, engine):
            uploads = build_uploads(engine, args.stations, args.batches, args.batch,
                                    key_set if args.wire == "sealed" else None)
            latencies: list[float] = []
            failures: list[str] = []
            threads = [threading.Thread(target=post_all, args=(url, token, bodies, latencies, failures))
                       for token, bodies in uploads]
            server_cpu = ChildrenCpu().start()
            database_cpu = BackendsCpu(args.postgres, application).start() if backend == "postgres" else None
            client_cpu = time.process_time()
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            spent = {"server": server_cpu.stop(), "client": time.process_time() - client_cpu,
                     "PostgreSQL": database_cpu.stop() if database_cpu else 0.0}
            stored = count_entries(engine)
    if failures or stored != total:
        raise SystemExit(f"{backend}: {len(failures)} failed requests ({failures[:1]}); stored {stored}/{total}")
    latencies.sort()
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"{backend:<9} {args.stations} stations, {total} entries in {elapsed:6.2f} s = "
          f"{total / elapsed:8.0f} entries/s; request p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
          f"({len(latencies)} requests of {args.batch}, {args.workers} server processes, {args.wire} wire)")
    print(f"{'':<9} CPU per entry: " + ", ".join(f"{who} {seconds / total * 1e6:.0f} µs" for who, seconds
                                                  in spent.items() if seconds) +
          f" (the machine has {os.cpu_count()} CPUs: {os.cpu_count() / total * elapsed * 1e6:.0f} µs per entry "
          "at this rate)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--batches", type=int, default=4, help="batches per station")
    parser.add_argument("--batch", type=int, default=500, help="entries per batch")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--wire", choices=("sealed", "clear", "pending"), default="sealed")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args)


if __name__ == "__main__":
    main()
