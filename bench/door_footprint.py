"""The door's start-up time and memory over a long shift of scanning.

    QT_QPA_PLATFORM=offscreen python bench/door_footprint.py [--minutes 15] [--json]

Starts the real window in a process of its own on the demo camera (demo mode, a temporary database), as
`kiosk run --demo` does, and measures from the moment the process is started to the ready screen with the
camera running. Then the demo camera shows its made-up visitors' codes for `--minutes`, and the resident
memory (RSS) of the process is read every 30 seconds with the number of verdicts shown so far.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SECONDS = 30


def resident_mb() -> float:
    """This process's resident memory now (Linux), or its peak where /proc is not there."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def door(minutes: float) -> None:
    """The measured process: prints "ready RSS", then "sample SECONDS RSS VERDICTS" lines, then "done"."""
    import tempfile

    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QTimer

    from kiosk.admin_pin import hash_pin
    from kiosk.door_screen import CameraState, ScreenState
    from kiosk.settings import Settings
    from kiosk.store import Store
    from ui.app import application, open_window
    from ui.camera_loop import camera_loop

    work = Path(tempfile.mkdtemp(prefix="kiosk-footprint-"))
    os.environ.setdefault("KIOSK_SECRETS_DIR", str(work / "secrets"))
    settings = Settings(station_name="Cổng đo", admin_pin_hash=hash_pin("2468"), camera="demo", demo_mode=True,
                        language="vi", sound=False)
    app = application()
    store = Store.open(work / "entries.sqlite3")
    window = open_window(settings, store, camera_loop(settings), kiosk_mode=False)
    window.resize(1366, 768)
    verdicts = [0]
    started = time.monotonic()

    def rendered(view) -> None:
        if view.state is ScreenState.READY and window.camera is CameraState.RUNNING:
            print(f"ready {resident_mb():.1f}", flush=True)
            window.rendered.disconnect(rendered)

    def sample() -> None:
        print(f"sample {time.monotonic() - started:.0f} {resident_mb():.1f} {verdicts[0]}", flush=True)

    window.rendered.connect(rendered)
    window.verdict_shown.connect(lambda _result: verdicts.__setitem__(0, verdicts[0] + 1))
    timer = QTimer(interval=SAMPLE_SECONDS * 1000, timeout=sample)
    timer.start()
    QTimer.singleShot(int(minutes * 60 * 1000), app.quit)
    app.exec()
    sample()
    window.shutdown()
    store.close()
    print("done", flush=True)


def measure(minutes: float) -> dict:
    began = time.monotonic()
    child = subprocess.Popen([sys.executable, __file__, "--door", "--minutes", str(minutes)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")})
    result: dict = {"minutes": minutes, "samples": []}
    for line in child.stdout:
        word, *values = line.split()
        if word == "ready":
            result["startup_seconds"] = round(time.monotonic() - began, 2)
            result["rss_ready_mb"] = float(values[0])
        elif word == "sample":
            result["samples"].append({"seconds": int(values[0]), "rss_mb": float(values[1]),
                                      "verdicts": int(values[2])})
    child.wait()
    if child.returncode != 0 or "startup_seconds" not in result or not result["samples"]:
        raise SystemExit(f"the door process failed (exit {child.returncode})")
    last = result["samples"][-1]
    result.update(rss_end_mb=last["rss_mb"], rss_peak_mb=max(s["rss_mb"] for s in result["samples"]),
                  verdicts=last["verdicts"])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--door", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.door:
        door(args.minutes)
        return 0
    result = measure(args.minutes)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"start-up to the ready screen: {result['startup_seconds']:.2f} s "
          f"(resident memory then: {result['rss_ready_mb']:.0f} MB)")
    for sample in result["samples"]:
        print(f"  {sample['seconds']:>5} s  {sample['rss_mb']:6.1f} MB  {sample['verdicts']:>5} verdicts")
    print(f"after {args.minutes:g} min of demo scanning: {result['rss_end_mb']:.0f} MB resident "
          f"(peak {result['rss_peak_mb']:.0f} MB), {result['verdicts']} verdicts shown")
    return 0


if __name__ == "__main__":
    sys.exit(main())
