"""Visits read at the door: the share of generated visits read, and the time from the code coming into
view to the verdict, raw zxing-cpp against the kiosk's decoder in one run.

    python bench/visits.py [--seed 0] [--visits 110] [--json]

Each visit is a 30 fps clip from bench/door_set.py (a code coming into view under a moving glare). The
camera is played in simulated real time on this machine: the decoder takes the newest frame whenever it
is free (frames that arrive while it works are dropped, as the kiosk's camera loop does), each decode
taking the CPU time it really takes here (time.process_time: other work on the machine does not count). The time to verdict of a visit is from the first frame in
which the whole code is in view to the end of the decode that read it (0 if it was read earlier).
A visit not read by its end counts as not read. A text that differs from the code's counts as a wrong
read.

Some generated surfaces are damaged badly (a worn print, a thumb over a finder pattern): the bench counts
the visits whose surface, seen flat and sharp at full and half size, the kiosk's decoder reads, and
gives the share read of those too. It is a guide, not a ceiling: a surface can fail flat at those two
sizes and still be read in motion at another (a curved print, a worn one under moving light).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import door_set  # noqa: E402
from decode import raw_reader  # noqa: E402

from kiosk.decoding import Decoder  # noqa: E402

Reader = Callable[[np.ndarray], list[str]]


@dataclass(frozen=True)
class VisitOutcome:
    condition: str
    read: bool
    seconds_to_verdict: float | None
    frames_decoded: int
    wrong_reads: int


@dataclass(frozen=True)
class Summary:
    decoder: str
    visits: int
    read: int
    median_ms_to_verdict: float
    p95_ms_to_verdict: float
    wrong_reads: int
    per_condition: dict[str, str]
    readable: int                # visits whose surface is readable flat (see readable_flat)
    read_of_readable: int        # ... and read

    @property
    def share(self) -> float:
        return self.read / self.visits


def play(clip: door_set.VisitClip, reader: Reader, fps: float = door_set.FPS) -> VisitOutcome:
    """The clip through `reader` in simulated real time (see the module's docstring)."""
    free_at, last, decoded, wrong = 0.0, -1, 0, 0
    while True:
        newest = int(free_at * fps + 1e-9)
        index = max(newest, last + 1)
        if index >= len(clip.frames):
            return VisitOutcome(clip.condition, False, None, decoded, wrong)
        start = max(free_at, index / fps)
        began = time.process_time()
        texts = reader(clip.frames[index])
        free_at = start + time.process_time() - began
        last, decoded = index, decoded + 1
        wrong += sum(text != clip.text for text in texts)
        if clip.text in texts:
            return VisitOutcome(clip.condition, True, max(free_at - clip.enters_at / fps, 0.0), decoded, wrong)


def readable_flat(clip: door_set.VisitClip) -> bool:
    """Whether the code's surface itself can be read: flat, sharp, at full and at half size."""
    flat = np.clip(clip.surface, 0, 255).astype(np.uint8)
    half = cv2.resize(flat, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return any(clip.text in [d.text for d in Decoder().decode(image)] for image in (flat, half))


def summary(name: str, outcomes: list[VisitOutcome], readable: list[bool]) -> Summary:
    times = [o.seconds_to_verdict * 1000 for o in outcomes if o.seconds_to_verdict is not None]
    by_condition: dict[str, list[bool]] = defaultdict(list)
    for outcome in outcomes:
        by_condition[outcome.condition].append(outcome.read)
    return Summary(name, len(outcomes), sum(o.read for o in outcomes),
                   statistics.median(times) if times else float("nan"),
                   float(np.percentile(times, 95)) if times else float("nan"),
                   sum(o.wrong_reads for o in outcomes),
                   {c: f"{sum(r)}/{len(r)}" for c, r in by_condition.items()},
                   sum(readable), sum(o.read for o, fit in zip(outcomes, readable) if fit))


def bench(seed: int, count: int) -> list[Summary]:
    decoder = Decoder(one_look_per_frame=True)
    readers: dict[str, Reader] = {
        "zxing-cpp (raw)": raw_reader,
        "kiosk decoder": lambda image: [decoded.text for decoded in decoder.decode(image)],
    }
    outcomes: dict[str, list[VisitOutcome]] = {name: [] for name in readers}
    readable: list[bool] = []
    for clip in door_set.visits(seed, count):
        for name, reader in readers.items():
            outcomes[name].append(play(clip, reader))
        readable.append(readable_flat(clip))
    return [summary(name, found, readable) for name, found in outcomes.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--visits", type=int, default=110)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = bench(args.seed, args.visits)
    if args.json:
        print(json.dumps([asdict(r) | {"share": r.share} for r in results], indent=2))
        return
    print(f"Visits: {args.visits} generated (seed {args.seed}), {door_set.FPS} fps, simulated real time")
    print(f"  {'decoder':<18}{'read':>14}{'median ms':>11}{'p95 ms':>9}{'wrong':>7}  (ms: code in view -> verdict)")
    for r in results:
        print(f"  {r.decoder:<18}{r.read:>5}/{r.visits} {r.share:6.1%}{r.median_ms_to_verdict:>11.0f}"
              f"{r.p95_ms_to_verdict:>9.0f}{r.wrong_reads:>7}")
    readable = results[0].readable
    print(f"\n  {readable} of {args.visits} codes are read flat and sharp (full or half size); of those, read: "
          + ", ".join(f"{r.decoder} {r.read_of_readable}/{readable} {r.read_of_readable / readable:.1%}"
                      for r in results))
    print("\n  per condition (visits read)")
    for condition in results[0].per_condition:
        print(f"  {condition:<22}" + "".join(f"{r.per_condition[condition]:>10}" for r in results))


if __name__ == "__main__":
    main()
