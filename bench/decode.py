"""How well and how fast QR codes are read: raw zxing-cpp against the kiosk's decoder, in one run.

    python bench/decode.py --dataset ../shared/datasets/qr-photos [--json]

- Photos: read rate and ms per photo on a folder with manifest.csv (file,expected_text).
- Frames: ms per 720p and 1080p frame, with and without a code, on synthetic scenes made here (the demo
  camera's entrance and a cluttered desk). The goal for an empty 720p frame: the kiosk's decoder costs at
  most 1.3x raw zxing-cpp, both given the same grayscale frame; "from BGR" includes the conversion.
- pyzbar, when libzbar is installed: what it reads alone, and what it would add after the kiosk's decoder.

"Raw zxing-cpp" is `zxingcpp.read_barcodes(image, formats=QRCode, text_mode=Plain)`: the kiosk reads QR
codes only, and plain text mode returns the encoded text (the default escapes control characters).
"""

from __future__ import annotations

import argparse
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.decoding import Decoder  # noqa: E402
from kiosk.decoding.decoder import PLAIN, QR, grayscale  # noqa: E402
from kiosk.frames.demo import DemoSource, code_picture  # noqa: E402

CODE_TEXT = "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021"
FRAME_RUNS = 40
PHOTO_RUNS = 3

Reader = Callable[[np.ndarray], list[str]]


@dataclass(frozen=True)
class PhotoResult:
    decoder: str
    read: int
    photos: int
    median_ms: float
    p95_ms: float

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


def bench_photos(name: str, reader: Reader, photos) -> tuple[PhotoResult, set[str]]:
    read, times = set(), []
    for file, image, expected in photos:
        runs = []
        for _ in range(PHOTO_RUNS):
            start = time.perf_counter()
            texts = reader(image)
            runs.append((time.perf_counter() - start) * 1000)
        times.append(statistics.median(runs))
        if expected in texts:
            read.add(file)
    result = PhotoResult(name, len(read), len(photos), statistics.median(times),
                         float(np.percentile(times, 95)))
    return result, read


def scenes() -> dict[str, np.ndarray]:
    """Empty 720p scenes: the demo's entrance, and a desk cluttered with edges (zxing's worst case)."""
    demo = DemoSource(seed=1, realtime=False)
    empty_index = next(i for i in range(demo.frames_per_round) if demo.showing(i) is None)
    rng = np.random.default_rng(1)
    blotches = cv2.resize(rng.integers(60, 200, (18, 32), dtype=np.uint8), (1280, 720),
                          interpolation=cv2.INTER_CUBIC)
    clutter = np.clip(blotches + rng.normal(0, 8, blotches.shape), 0, 255).astype(np.uint8)
    for _ in range(12):
        x, y = (int(v) for v in rng.integers(0, (1280, 720)))
        w, h = (int(v) for v in rng.integers(20, 300, 2))
        cv2.rectangle(clutter, (x, y), (x + w, y + h), int(rng.integers(0, 255)), int(rng.integers(1, 5)))
    return {"entrance": demo.render(empty_index), "clutter": cv2.cvtColor(clutter, cv2.COLOR_GRAY2BGR)}


def with_code(scene: np.ndarray) -> np.ndarray:
    frame = scene.copy()
    code = cv2.cvtColor(code_picture(CODE_TEXT, module_pixels=max(4, frame.shape[0] // 150)), cv2.COLOR_GRAY2BGR)
    y, x = (frame.shape[0] - code.shape[0]) // 2, (frame.shape[1] - code.shape[1]) // 2
    frame[y:y + code.shape[0], x:x + code.shape[1]] = code
    return frame


def median_ms(readers: list[Reader], image: np.ndarray) -> list[tuple[float, bool]]:
    """Each reader's median time on the image, runs taken in turn so that load on the machine falls
    on all of them alike; and whether each read the code."""
    times: list[list[float]] = [[] for _ in readers]
    texts: list[list[str]] = [[] for _ in readers]
    for _ in range(FRAME_RUNS):
        for n, reader in enumerate(readers):
            start = time.perf_counter()
            texts[n] = reader(image)
            times[n].append((time.perf_counter() - start) * 1000)
    return [(statistics.median(t), CODE_TEXT in x) for t, x in zip(times, texts)]


def bench_frames(kiosk: Reader) -> list[FrameResult]:
    results = []
    for scene_name, scene in scenes().items():
        for height in (720, 1080):
            sized = scene if height == 720 else cv2.resize(scene, (1920, 1080), interpolation=cv2.INTER_LINEAR)
            for label, bgr in ((f"{height}p {scene_name}, empty", sized),
                               (f"{height}p {scene_name}, a code", with_code(sized))):
                (raw_ms, raw_read), (kiosk_ms, kiosk_read) = median_ms([raw_reader, kiosk], grayscale(bgr))
                (raw_bgr_ms, _), (kiosk_bgr_ms, _) = median_ms([raw_reader, kiosk], bgr)
                results.append(FrameResult(label, raw_ms, kiosk_ms, raw_bgr_ms, kiosk_bgr_ms, raw_read, kiosk_read))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, required=True, help="folder with manifest.csv")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    photos = load_photos(args.dataset)
    kiosk = kiosk_reader(Decoder())
    raw_result, _ = bench_photos("zxing-cpp (raw)", raw_reader, photos)
    kiosk_result, kiosk_read = bench_photos("kiosk decoder", kiosk, photos)
    photo_results = [raw_result, kiosk_result]
    zbar = pyzbar_reader()
    pyzbar_adds = None
    if zbar is not None:
        zbar_result, zbar_read = bench_photos("pyzbar", zbar, photos)
        photo_results.append(zbar_result)
        pyzbar_adds = len(zbar_read - kiosk_read)
    frames = bench_frames(kiosk)
    empty = {f.frame: f for f in frames if f.frame.startswith("720p") and f.frame.endswith("empty")}
    ratios = {name: (f.kiosk_ms / f.raw_ms, f.kiosk_bgr_ms / f.raw_bgr_ms) for name, f in empty.items()}

    if args.json:
        print(json.dumps({
            "photos": [asdict(r) | {"rate": r.rate} for r in photo_results],
            "pyzbar_adds_after_kiosk": pyzbar_adds,
            "frames": [asdict(f) for f in frames],
            "empty_720p_ratio": {name: {"gray": g, "bgr": b} for name, (g, b) in ratios.items()},
        }, indent=2, ensure_ascii=False))
        return

    print(f"Photos: {args.dataset} ({len(photos)} codes), median of {PHOTO_RUNS} runs per photo")
    print(f"  {'decoder':<18}{'read':>12}{'median ms':>12}{'p95 ms':>10}")
    for r in photo_results:
        print(f"  {r.decoder:<18}{r.read:>4}/{r.photos} {r.rate:6.1%}{r.median_ms:>12.2f}{r.p95_ms:>10.2f}")
    if pyzbar_adds is not None:
        print(f"  pyzbar would read {pyzbar_adds} more photo(s) after the kiosk decoder")
    else:
        print("  pyzbar: not available (libzbar missing)")
    print(f"\nFrames: median ms of {FRAME_RUNS} runs (read = the code was read)")
    print(f"  {'frame':<28}{'raw gray':>10}{'kiosk gray':>12}{'raw BGR':>10}{'kiosk BGR':>11}  read raw/kiosk")
    for f in frames:
        read = "" if f.frame.endswith("empty") else f"{'yes' if f.raw_read else 'no'}/{'yes' if f.kiosk_read else 'no'}"
        print(f"  {f.frame:<28}{f.raw_ms:>10.2f}{f.kiosk_ms:>12.2f}{f.raw_bgr_ms:>10.2f}{f.kiosk_bgr_ms:>11.2f}  {read}")
    print("\nEmpty 720p frame, kiosk / raw (goal <= 1.30):")
    for name, (gray_ratio, bgr_ratio) in ratios.items():
        print(f"  {name:<10} same grayscale frame {gray_ratio:.2f}   from the camera's BGR frame {bgr_ratio:.2f}")


if __name__ == "__main__":
    main()
