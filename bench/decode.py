"""How well and how fast QR codes are read: raw zxing-cpp against the kiosk's decoder, in one run.

    python bench/decode.py --dataset ../shared/datasets/qr-photos [--stills 30] [--seed 0] [--json]

- Photos: read rate, ms per photo and the whole set's time on a folder with manifest.csv
  (file,expected_text); the decoder as for a photo (every look tried in turn). Goal: whole set <= 1.5x raw.
  Each reader passes over the whole set in turn, PHOTO_RUNS times: a door never reads a frame twice.
- Door stills: `--stills` generated stills per condition of bench/door_set.py (seeded), read by each.
- Frames: ms per 720p and 1080p frame, with and without a code, on synthetic scenes made here (the demo
  camera's entrance and a cluttered desk), the decoder as the camera loop runs it (one whole-frame look
  per frame, in turn): the mean over a round of consecutive frames, so every look is paid for. The goal for an empty
  720p frame: the kiosk's decoder costs at most 1.3x raw zxing-cpp, both given the same grayscale frame;
  "from BGR" includes the conversion. Each kind of frame has a decoder of its own that has settled on
  it (a door where nothing moves). And a visitor with no code walking across the 720p entrance: every
  frame then differs from the settled view and gets every whole-frame look (kiosk.decoding.view_change).
- Wrong reads: texts read that differ from the code's (worse than no read), counted for photos and stills.
- pyzbar, when libzbar is installed: what it reads alone, and what it would add after the kiosk's decoder.

Times are this process's CPU time (time.process_time): the door's decoder has its cores to itself,
and other work on the bench machine would otherwise show up as noise in the ratios.

"Raw zxing-cpp" is `zxingcpp.read_barcodes(image, formats=QRCodeModel2, text_mode=Plain)`: the kiosk reads QR
codes only, and plain text mode returns the encoded text (the default escapes control characters).
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import door_set  # noqa: E402

from kiosk.decoding import Decoder  # noqa: E402
from kiosk.decoding.decoder import CAMERA_TURNS, PLAIN, QR, grayscale  # noqa: E402
from kiosk.frames.demo import DemoSource, code_picture  # noqa: E402

CODE_TEXT = "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021"
FRAME_ROUNDS = 8            # frame timings: rounds of len(CAMERA_TURNS) consecutive runs each
PHOTO_RUNS = 5

Reader = Callable[[np.ndarray], list[str]]


@dataclass(frozen=True)
class PhotoResult:
    decoder: str
    read: int
    photos: int
    median_ms: float
    p95_ms: float
    total_ms: float
    wrong: int

    @property
    def rate(self) -> float:
        return self.read / self.photos


@dataclass(frozen=True)
class FrameResult:
    frame: str
    raw_ms: float
    kiosk_ms: float
    raw_bgr_ms: float
    kiosk_bgr_ms: float
    raw_read: bool
    kiosk_read: bool


def raw_reader(image: np.ndarray) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(image, formats=QR, text_mode=PLAIN)]


def kiosk_reader(decoder: Decoder) -> Reader:
    return lambda image: [decoded.text for decoded in decoder.decode(image)]


def pyzbar_reader() -> Reader | None:
    try:
        from pyzbar import pyzbar
    except ImportError:          # pyzbar not installed, or libzbar missing
        return None

    def read(image: np.ndarray) -> list[str]:
        symbols = pyzbar.decode(grayscale(image), symbols=[pyzbar.ZBarSymbol.QRCODE])
        return [symbol.data.decode("utf-8", errors="replace") for symbol in symbols]
    return read


def load_photos(dataset: Path) -> list[tuple[str, np.ndarray, str]]:
    with open(dataset / "manifest.csv", newline="", encoding="utf-8") as manifest:
        rows = list(csv.DictReader(manifest))
    photos = []
    for row in rows:
        image = cv2.imread(str(dataset / row["file"]), cv2.IMREAD_COLOR)
        if image is None:
            sys.exit(f"Cannot read {dataset / row['file']}")
        photos.append((row["file"], cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), row["expected_text"]))
    return photos


def bench_photos(readers: dict[str, Reader], photos) -> list[tuple[PhotoResult, set[str]]]:
    """Each reader on every photo, the median of PHOTO_RUNS runs per photo. A run is one pass of one
    reader over the whole set, the readers' passes taking turns: a door reads each frame once, fresh
    from the camera, so no reader may find a photo already in the cache, its own last look's or the
    other reader's (reading a photo again at once took raw zxing-cpp a fifth less time, the kiosk's
    decoder a tenth). Returns each result and the files it read."""
    times: dict[str, list[list[float]]] = {name: [[] for _ in photos] for name in readers}
    texts: dict[str, list[list[str]]] = {name: [] for name in readers}
    for _ in range(PHOTO_RUNS):
        for name, reader in readers.items():
            texts[name] = []
            for n, (_, image, _) in enumerate(photos):
                start = time.process_time()
                texts[name].append(reader(image))
                times[name][n].append((time.process_time() - start) * 1000)
    results = []
    for name in readers:
        per_photo = [statistics.median(runs) for runs in times[name]]
        read = {file for (file, _, expected), found in zip(photos, texts[name]) if expected in found}
        wrong = sum(text != expected for (_, _, expected), found in zip(photos, texts[name]) for text in found)
        results.append((PhotoResult(name, len(read), len(photos), statistics.median(per_photo),
                                    float(np.percentile(per_photo, 95)), sum(per_photo), wrong), read))
    return results


@dataclass(frozen=True)
class StillsResult:
    condition: str
    stills: int
    raw_read: int
    kiosk_read: int
    raw_ms: float
    kiosk_ms: float
    raw_wrong: int
    kiosk_wrong: int


def bench_stills(kiosk: Reader, seed: int, per_condition: int) -> list[StillsResult]:
    """Per condition of the door set: stills read and mean ms, raw against the kiosk's decoder."""
    tally: dict[str, list[float]] = collections.defaultdict(lambda: [0] * 7)
    for still in door_set.stills(seed, per_condition):
        row = tally[still.condition]
        row[0] += 1
        for offset, reader in ((1, raw_reader), (2, kiosk)):
            start = time.process_time()
            texts = reader(still.image)
            row[2 + offset] += (time.process_time() - start) * 1000
            row[offset] += still.text in texts
            row[4 + offset] += sum(text != still.text for text in texts)
    return [StillsResult(name, int(n), int(raw), int(kiosk_read), raw_ms / n, kiosk_ms / n, int(rw), int(kw))
            for name, (n, raw, kiosk_read, raw_ms, kiosk_ms, rw, kw) in tally.items()]


def scenes() -> dict[str, np.ndarray]:
    """Empty 720p scenes: the demo's entrance, and a desk cluttered with edges (zxing's worst case)."""
    rng = np.random.default_rng(1)
    blotches = cv2.resize(rng.integers(60, 200, (18, 32), dtype=np.uint8), (1280, 720),
                          interpolation=cv2.INTER_CUBIC)
    clutter = np.clip(blotches + rng.normal(0, 8, blotches.shape), 0, 255).astype(np.uint8)
    for _ in range(12):
        x, y = (int(v) for v in rng.integers(0, (1280, 720)))
        w, h = (int(v) for v in rng.integers(20, 300, 2))
        cv2.rectangle(clutter, (x, y), (x + w, y + h), int(rng.integers(0, 255)), int(rng.integers(1, 5)))
    entrance = DemoSource(seed=1, realtime=False).empty_view()
    return {"entrance": entrance, "clutter": cv2.cvtColor(clutter, cv2.COLOR_GRAY2BGR)}


def with_code(scene: np.ndarray) -> np.ndarray:
    frame = scene.copy()
    code = cv2.cvtColor(code_picture(CODE_TEXT, module_pixels=max(4, frame.shape[0] // 150)), cv2.COLOR_GRAY2BGR)
    y, x = (frame.shape[0] - code.shape[0]) // 2, (frame.shape[1] - code.shape[1]) // 2
    frame[y:y + code.shape[0], x:x + code.shape[1]] = code
    return frame


def mean_ms(readers: list[Reader], image: np.ndarray) -> list[tuple[float, bool]]:
    """Each reader's time on the image: the mean over a round of len(CAMERA_TURNS) consecutive runs
    (the camera's decoder changes its look from one frame to the next, so a round pays for every
    look), the median of FRAME_ROUNDS rounds (robust to other load on the machine); runs taken in
    turn so that load falls on all readers alike. And whether each read the code (in the last run)."""
    rounds: list[list[float]] = [[] for _ in readers]
    texts: list[list[str]] = [[] for _ in readers]
    for _ in range(FRAME_ROUNDS):
        spent = [0.0] * len(readers)
        for _ in CAMERA_TURNS:
            for n, reader in enumerate(readers):
                start = time.process_time()
                texts[n] = reader(image)
                spent[n] += (time.process_time() - start) * 1000
        for n, total in enumerate(spent):
            rounds[n].append(total / len(CAMERA_TURNS))
    return [(statistics.median(r), CODE_TEXT in x) for r, x in zip(rounds, texts)]


def bench_frames(empty_scenes: dict[str, np.ndarray]) -> list[FrameResult]:
    """Each kind of frame with a camera's decoder of its own, whose settled view is that frame: a door
    where nothing moves (kiosk.decoding.view_change)."""
    results = []
    for scene_name, scene in empty_scenes.items():
        for height in (720, 1080):
            sized = scene if height == 720 else cv2.resize(scene, (1920, 1080), interpolation=cv2.INTER_LINEAR)
            for label, bgr in ((f"{height}p {scene_name}, empty", sized),
                               (f"{height}p {scene_name}, a code", with_code(sized))):
                kiosk = kiosk_reader(Decoder(one_look_per_frame=True))
                (raw_ms, raw_read), (kiosk_ms, kiosk_read) = mean_ms([raw_reader, kiosk], grayscale(bgr))
                (raw_bgr_ms, _), (kiosk_bgr_ms, _) = mean_ms([raw_reader, kiosk], bgr)
                results.append(FrameResult(label, raw_ms, kiosk_ms, raw_bgr_ms, kiosk_bgr_ms, raw_read, kiosk_read))
    return results


def passer_by(scene: np.ndarray) -> tuple[float, float]:
    """Mean ms per frame, raw and the camera's decoder, while a visitor with no code walks across the
    entrance (a dark coat 20 px further each frame): every frame differs from the settled view, so
    the decoder gives each every whole-frame look."""
    decoder = Decoder(one_look_per_frame=True)
    empty = grayscale(scene)
    decoder.decode(empty)                       # the empty door, settled
    readers = (raw_reader, kiosk_reader(decoder))
    spent = [0.0, 0.0]
    count = FRAME_ROUNDS * len(CAMERA_TURNS)
    for step in range(count):
        frame = empty.copy()
        cv2.ellipse(frame, (160 + 20 * step, 430), (120, 290), 0, 0, 360, 55, -1)
        for n, reader in enumerate(readers):
            start = time.process_time()
            reader(frame)
            spent[n] += (time.process_time() - start) * 1000
    return spent[0] / count, spent[1] / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, required=True, help="folder with manifest.csv")
    parser.add_argument("--stills", type=int, default=30, help="door stills per condition (0: none)")
    parser.add_argument("--seed", type=int, default=0, help="the door set's seed")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    photos = load_photos(args.dataset)
    kiosk = kiosk_reader(Decoder())
    zbar = pyzbar_reader()
    readers = {"zxing-cpp (raw)": raw_reader, "kiosk decoder": kiosk} | ({"pyzbar": zbar} if zbar else {})
    measured = bench_photos(readers, photos)
    photo_results = [result for result, _ in measured]
    raw_result, (kiosk_result, kiosk_read) = photo_results[0], measured[1]
    pyzbar_adds = len(measured[2][1] - kiosk_read) if zbar else None
    stills = bench_stills(kiosk, args.seed, args.stills) if args.stills else []
    empty_scenes = scenes()
    frames = bench_frames(empty_scenes)
    walking = passer_by(empty_scenes["entrance"])
    empty = {f.frame: f for f in frames if f.frame.startswith("720p") and f.frame.endswith("empty")}
    ratios = {name: (f.kiosk_ms / f.raw_ms, f.kiosk_bgr_ms / f.raw_bgr_ms) for name, f in empty.items()}

    if args.json:
        print(json.dumps({
            "photos": [asdict(r) | {"rate": r.rate} for r in photo_results],
            "photo_set_time_ratio": kiosk_result.total_ms / raw_result.total_ms,
            "pyzbar_adds_after_kiosk": pyzbar_adds,
            "stills": [asdict(r) for r in stills],
            "frames": [asdict(f) for f in frames],
            "empty_720p_ratio": {name: {"gray": g, "bgr": b} for name, (g, b) in ratios.items()},
            "passer_by_720p_ms": {"raw": walking[0], "kiosk": walking[1]},
        }, indent=2, ensure_ascii=False))
        return

    print(f"Photos: {args.dataset} ({len(photos)} codes), median of {PHOTO_RUNS} passes per photo")
    print(f"  {'decoder':<18}{'read':>12}{'median ms':>12}{'p95 ms':>10}{'all ms':>10}{'wrong':>7}")
    for r in photo_results:
        print(f"  {r.decoder:<18}{r.read:>4}/{r.photos} {r.rate:6.1%}{r.median_ms:>12.2f}{r.p95_ms:>10.2f}"
              f"{r.total_ms:>10.0f}{r.wrong:>7}")
    print(f"  whole set, kiosk / raw (goal <= 1.50): {kiosk_result.total_ms / raw_result.total_ms:.2f}")
    if pyzbar_adds is not None:
        print(f"  pyzbar would read {pyzbar_adds} more photo(s) after the kiosk decoder")
    else:
        print("  pyzbar: not available (libzbar missing)")
    if stills:
        print(f"\nDoor stills (bench/door_set.py, seed {args.seed}): read raw / kiosk, mean ms, wrong reads")
        for r in stills:
            print(f"  {r.condition:<22}{r.raw_read:>4}/{r.stills} {r.raw_read / r.stills:5.0%}"
                  f"{r.kiosk_read:>5}/{r.stills} {r.kiosk_read / r.stills:5.0%}"
                  f"  {(r.kiosk_read - r.raw_read) / r.stills * 100:+4.0f} pts"
                  f"{r.raw_ms:>8.1f}{r.kiosk_ms:>8.1f}{r.raw_wrong:>4}{r.kiosk_wrong:>4}")
        total = sum(r.stills for r in stills)
        print(f"  {'all':<22}{sum(r.raw_read for r in stills):>4}/{total}"
              f"{sum(r.kiosk_read for r in stills):>11}/{total}")
    print(f"\nFrames: ms per frame, median of {FRAME_ROUNDS} rounds of {len(CAMERA_TURNS)} consecutive frames"
          " (read = the code was read)")
    print(f"  {'frame':<28}{'raw gray':>10}{'kiosk gray':>12}{'raw BGR':>10}{'kiosk BGR':>11}  read raw/kiosk")
    for f in frames:
        read = "" if f.frame.endswith("empty") else f"{'yes' if f.raw_read else 'no'}/{'yes' if f.kiosk_read else 'no'}"
        print(f"  {f.frame:<28}{f.raw_ms:>10.2f}{f.kiosk_ms:>12.2f}{f.raw_bgr_ms:>10.2f}{f.kiosk_bgr_ms:>11.2f}  {read}")
    print("\nEmpty 720p frame, kiosk / raw (goal <= 1.30):")
    for name, (gray_ratio, bgr_ratio) in ratios.items():
        print(f"  {name:<10} same grayscale frame {gray_ratio:.2f}   from the camera's BGR frame {bgr_ratio:.2f}")
    print(f"720p entrance, a visitor with no code walking across: raw {walking[0]:.2f} ms, kiosk {walking[1]:.2f} ms"
          f" ({walking[1] / walking[0]:.1f}x; every whole-frame look, while the view is changing)")


if __name__ == "__main__":
    main()
