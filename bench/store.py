"""Durable inserts per second into the entries database, and its size per million entries.

    python bench/store.py [--entries 5000] [--people 300] [--no-authority]

Each insert is its own transaction, committed with synchronous=FULL as at the door (one scan, one
durable entry, and the visits it changes). With `--people`, the entries are those of that many people
coming back in turn (so each scan rebuilds a visit history, as at a door with regulars); without, each
entry is a new person's. The size per million is extrapolated from the file size after the run.

Each entry is tagged and sealed on its way in (kiosk.person_seal), to a made-up health authority's key of
the week (with `--no-authority`: boxed under the station's own key, as before any key arrived); the cost of
that alone is measured too (goal: at most 1 ms per entry). The station secret is a temporary one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent.parent / "tests")]

from factories import make_entry  # noqa: E402
from kiosk.person_seal import PersonSeal  # noqa: E402
from kiosk.sealing.authority import generate_private_key  # noqa: E402
from kiosk.secret_store import StationKeys  # noqa: E402
from kiosk.store import Store  # noqa: E402
from percentiles import percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--people", type=int, default=0, help="people coming back in turn (0: a new one each time)")
    parser.add_argument("--no-fsync", action="store_true",
                        help="commit without waiting for the disk (synchronous=OFF): the work of an insert "
                             "alone, comparable between two versions on a machine whose disk is busy")
    parser.add_argument("--no-authority", action="store_true",
                        help="no authority key: fields boxed under the station's own key")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["KIOSK_SECRETS_DIR"] = folder  # never the user's station secret
        path = Path(folder) / "entries.sqlite3"
        entries = [make_entry(n, person=f"qid:1629{n % args.people:014d}" if args.people else None)
                   for n in range(args.entries)]
        key_set = None if args.no_authority else generate_private_key().key_set(datetime.now(timezone.utc), 2)
        seal = PersonSeal(StationKeys.from_secret(os.urandom(32)), key_set)
        sealing = []  # processor time of this thread: a busy machine's other work is not counted
        for entry in entries:
            t0 = time.thread_time()
            seal.stored(entry)
            sealing.append(time.thread_time() - t0)
        with Store.open(path, seal=seal) as store:
            if args.no_fsync:
                store._connection.execute("PRAGMA synchronous=OFF")
            latencies = []
            started = time.perf_counter()
            for entry in entries:
                t0 = time.perf_counter()
                store.add(entry)
                latencies.append(time.perf_counter() - t0)
            elapsed = time.perf_counter() - started
            store._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
    latencies.sort()
    sealing.sort()
    print(f"sealing alone (CPU)  median {statistics.median(sealing) * 1000:.3f} ms, "
          f"p99 {percentile(sealing, 0.99) * 1000:.3f} ms, max {sealing[-1] * 1000:.3f} ms per entry "
          f"({'station box' if args.no_authority else 'authority key, HPKE ML-KEM-768+X25519'}; goal ≤ 1 ms)")
    print(f"durable inserts      {args.entries / elapsed:10.0f} /s   ({args.entries} entries in {elapsed:.2f} s)")
    print(f"insert latency       median {statistics.median(latencies) * 1000:.2f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.2f} ms")
    print(f"database size        {size / args.entries * 1_000_000 / 2**20:10.0f} MiB per million entries")


if __name__ == "__main__":
    main()
