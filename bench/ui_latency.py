"""Door latency as a visitor lives it: from the first camera frame that contains a code to the verdict
painted on the real window; plus resident memory while scanning and CPU while idle.

    QT_QPA_PLATFORM=offscreen python bench/ui_latency.py [--trials 50] [--idle-seconds 10] [--json]

A synthetic 1280x720 camera at 30 frames per second shows an empty scene, then a new visitor's code for
0.3 s, again and again. The latency of a trial is the time from the capture of the first frame showing
the code (the source's own timestamp) to the first paint of the verdict area after that verdict arrived.
Goals: median <= 150 ms, p99 <= 300 ms, resident memory <= 300 MB.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402

from kiosk.admin_pin import hash_pin  # noqa: E402
from kiosk.credentials.examples import AN, vnqr_payload  # noqa: E402
from kiosk.frames.base import Frame, FrameSource, Pacer, SourceStatus  # noqa: E402
from kiosk.pipeline import ScanLoop  # noqa: E402
from kiosk.settings import Settings  # noqa: E402
from kiosk.store import Store  # noqa: E402
from percentiles import percentile  # noqa: E402
from ui.app import application, open_window  # noqa: E402
from ui.selftest import frame_showing  # noqa: E402
from ui.workers import PREVIEW_WIDTH  # noqa: E402

SIZE = (1280, 720)
FPS = 30.0
EMPTY_SECONDS = 0.6  # longer than it takes the repeat filter and nothing else to settle
CODE_SECONDS = 0.3


class VisitorsSource(FrameSource):
    """Empty scene, then visitor n's code, for `trials` visitors; then the empty scene forever (idle).
    Remembers when the first frame showing each code was captured."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__()
        self._pacer = Pacer(FPS, True, time.monotonic, time.sleep)
        self._empty = frame_showing(None, SIZE)
        self._showing: tuple[int, object] = (-1, None)  # one visitor's picture at a time: the bench's own
                                                        # memory must not count as the kiosk's
        self._texts = texts
        self._per_visit = round((EMPTY_SECONDS + CODE_SECONDS) * FPS)
        self._empty_frames = round(EMPTY_SECONDS * FPS)
        self.first_seen: dict[str, float] = {}

    def read(self) -> Frame | None:
        if self.status is SourceStatus.ENDED:
            return None
        self._pacer.wait()
        visit, step = divmod(self._index, self._per_visit)
        if visit >= len(self._texts) or step < self._empty_frames:
            return self._frame(self._empty)
        if self._showing[0] != visit:
            self._showing = (visit, frame_showing(self._texts[visit], SIZE))
        frame = self._frame(self._showing[1])
        self.first_seen.setdefault(self._texts[visit], frame.captured_at)
        return frame


class PaintClock(QObject):
    """Notes when the verdict area is painted after each verdict arrived."""

    def __init__(self, window) -> None:
        super().__init__()
        self.awaiting: str | None = None
        self.painted: dict[str, float] = {}
        window.verdict_shown.connect(self._verdict)
        window.panel.installEventFilter(self)

    def _verdict(self, result) -> None:
        self.awaiting = result.credential.raw if result.credential else None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint and self.awaiting is not None:
            self.painted.setdefault(self.awaiting, time.monotonic())
            self.awaiting = None
        return False


def visitors(count: int) -> list[str]:
    return [vnqr_payload(dataclasses.replace(AN, qid=f"1629{n:014d}")) for n in range(count)]


def resident_mb() -> tuple[float, float]:
    """(current, peak) resident memory in MB, from /proc (Linux)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    texts = visitors(args.trials)
    source = VisitorsSource(texts)
    app = application()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(station_name="Bench", admin_pin_hash=hash_pin("2468"), reset_seconds=0.4,
                            sound=False)
        store = Store.open(Path(folder) / "entries.sqlite3")
        scanning = lambda station, stop: ScanLoop(source, station, preview_width=PREVIEW_WIDTH).run(stop)  # noqa: E731
        window = open_window(settings, store, scanning, Path(folder) / "settings.toml", kiosk_mode=False)
        window.resize(1920, 1080)
        paints = PaintClock(window)
        scanning_s = args.trials * (EMPTY_SECONDS + CODE_SECONDS) + 2.0
        measured: dict[str, float] = {}

        def idle_phase() -> None:
            measured["rss_scanning"], _ = resident_mb()
            measured["cpu_start"], measured["wall_start"] = time.process_time(), time.monotonic()
            QTimer.singleShot(int(args.idle_seconds * 1000), app.quit)

        QTimer.singleShot(int(scanning_s * 1000), idle_phase)
        app.exec()
        cpu = time.process_time() - measured["cpu_start"]
        wall = time.monotonic() - measured["wall_start"]
        window.shutdown()
        store.close()

    latencies = [(paints.painted[text] - source.first_seen[text]) * 1000
                 for text in texts if text in paints.painted and text in source.first_seen]
    rss_now, rss_peak = resident_mb()
    result = {
        "trials": args.trials,
        "verdicts_painted": len(latencies),
        "latency_ms_median": round(statistics.median(latencies), 1) if latencies else None,
        "latency_ms_p99": round(percentile(latencies, 0.99), 1) if latencies else None,
        "latency_ms_max": round(max(latencies), 1) if latencies else None,
        "rss_mb_while_scanning": round(measured["rss_scanning"], 1),
        "rss_mb_peak": round(rss_peak, 1),
        "cpu_percent_of_one_core_idle": round(100 * cpu / wall, 1),
        "camera": f"{SIZE[0]}x{SIZE[1]} at {FPS:g} fps",
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<32} {value}")


if __name__ == "__main__":
    main()
