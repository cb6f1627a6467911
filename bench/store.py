"""Durable inserts per second into the entries database, and its size per million entries.

    python bench/store.py [--entries 5000] [--people 300]

Each insert is its own transaction, committed with synchronous=FULL as at the door (one scan, one
durable entry, and the visits it changes). With `--people`, the entries are those of that many people
coming back in turn (so each scan rebuilds a visit history, as at a door with regulars); without, each
entry is a new person's. The size per million is extrapolated from the file size after the run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent.parent / "tests")]

from factories import make_entry  # noqa: E402
from kiosk.store import Store  # noqa: E402
from percentiles import percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--people", type=int, default=0, help="people coming back in turn (0: a new one each time)")
    parser.add_argument("--no-fsync", action="store_true",
                        help="commit without waiting for the disk (synchronous=OFF): the work of an insert "
                             "alone, comparable between two versions on a machine whose disk is busy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "entries.sqlite3"
        entries = [make_entry(n, person=f"qid:1629{n % args.people:014d}" if args.people else None)
                   for n in range(args.entries)]
        with Store.open(path) as store:
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
    print(f"durable inserts      {args.entries / elapsed:10.0f} /s   ({args.entries} entries in {elapsed:.2f} s)")
    print(f"insert latency       median {statistics.median(latencies) * 1000:.2f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.2f} ms")
    print(f"database size        {size / args.entries * 1_000_000 / 2**20:10.0f} MiB per million entries")


if __name__ == "__main__":
    main()
