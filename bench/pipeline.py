"""Frame in → entry committed, on the demo camera: median and p99 milliseconds.

    python bench/pipeline.py [--frames 1500]

The demo source is read as fast as it renders (not paced to real time). For every code that comes
into view, the time from the frame's capture to the entry committed to SQLite (synchronous=FULL) is
recorded; the per-frame cost of all frames (most hold no code) is reported too. The de-duplication
window is 0 so that every visit is a new entry, as at a busy door. The station seals each entry to a
made-up health authority's key of the week (kiosk.person_seal), after the verdict, in the write that
commits it; the station secret is a temporary one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.frames import open_source  # noqa: E402
from percentiles import percentile  # noqa: E402
from kiosk.pipeline import ScanLoop, Scanned  # noqa: E402
from kiosk.settings import Settings  # noqa: E402
from kiosk.sealing.authority import generate_private_key  # noqa: E402
from kiosk.station import Station  # noqa: E402
from kiosk.station_config import StationConfig  # noqa: E402
from kiosk.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["KIOSK_SECRETS_DIR"] = folder  # never the user's station secret
        with Store.open(Path(folder) / "entries.sqlite3") as store:
            run(store, args.frames)


def run(store: Store, frames: int) -> None:
    config = StationConfig(authority_keys=generate_private_key().key_set(datetime.now(timezone.utc), 2))
    station = Station(Settings(station_name="bench", dedup_minutes=0), store, config=config)
    loop = ScanLoop(open_source("demo", realtime=False), station)
    latencies, formats = [], set()
    started = time.monotonic()
    for event in loop.run(threading.Event(), max_frames=frames):
        if isinstance(event, Scanned):
            latencies.append((event.decided_at - event.frame_captured_at) * 1000)
            if event.result.entry is not None:
                formats.add(event.result.entry.format)
    elapsed = time.monotonic() - started
    committed = len(store.entries())
    sealed = sum(1 for entry in store.entries() if entry.sealed_kid not in ("", "local"))
    print(f"frames {frames} in {elapsed:.1f} s ({frames / elapsed:.0f} frames/s, "
          f"{elapsed / frames * 1000:.1f} ms per frame including rendering the demo)")
    print(f"codes read {len(latencies)}, entries committed {committed} ({sealed} sealed to the authority), "
          f"formats {sorted(formats)}")
    if latencies:
        print(f"frame in → entry committed: median {statistics.median(latencies):.1f} ms, "
              f"p99 {percentile(latencies, 0.99):.1f} ms (goal: median ≤ 15 ms)")


if __name__ == "__main__":
    main()
