"""How often `kiosk.decoding.finders.locate` finds the symbol the decoder could not read, and what it costs.

    python bench/finders.py [--seed 0] [--per-condition 30]

- Door stills (bench/door_set.py) of the glare-band and bright-spot conditions that the kiosk's `Decoder()`
  does not read: zxing-cpp's evidence is every failed symbol of the QR family
  (`read_barcodes(gray, formats=QRCode, try_invert=False, try_downscale=False, return_errors=True)`); a still
  counts as found when a guess from some evidence has corners within 1.5 modules of the truth and the
  right version, EC level (M) and mask. Guesses that are not the code are counted as wrong.
- Every condition's stills, read or not, with the code's own corners for evidence: found, and wrong guesses
  (a guess of the right kind more than 1.5 modules off counts as wrong; paper-curve's true corners are
  those of the unbent code, so its figures say little).
- False guesses: the same evidence on the empty scenes of bench/decode.py (entrance, clutter), and evidence
  made up all over them (squares of 40 and 120 pixels on a grid), where every guess is false.
- ms per call: wall time (median, 95th percentile, slowest), every call above.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import qrcode
import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import door_set  # noqa: E402
from decode import scenes  # noqa: E402

from kiosk.decoding import Decoder  # noqa: E402
from kiosk.decoding.finders import SymbolGuess, locate  # noqa: E402

CONDITIONS = ("phone-glare-band", "phone-bright-spot")
TOLERANCE = 1.5             # modules
GRID_STEP = 80              # pixels between made-up evidence on the empty scenes
MADE_UP_SIDES = (40, 120)


def evidence(gray: np.ndarray) -> list[tuple[tuple[float, float], ...]]:
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False,
                                   try_downscale=False, return_errors=True)
    return [tuple((float(p.x), float(p.y)) for p in (code.position.top_left, code.position.top_right,
                                                     code.position.bottom_right, code.position.bottom_left))
            for code in found if not code.valid]


def truth(text: str, seen: door_set.Look) -> tuple[np.ndarray, int, int]:
    """The symbol's module-area corners in the frame, its version and its mask."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text.encode())
    code.make(fit=True)
    dimension = 4 * code.version + 17
    side = (dimension + 8) * door_set.RENDER_MODULE
    surface = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    warp = cv2.getPerspectiveTransform(surface, seen.corners)
    start, end = 4 * door_set.RENDER_MODULE - 0.5, (4 + dimension) * door_set.RENDER_MODULE - 0.5
    area = np.float32([[[start, start], [end, start], [end, end], [start, end]]])
    return cv2.perspectiveTransform(area, warp)[0], code.version, code.best_mask_pattern()


def is_the_code(guess: SymbolGuess, corners: np.ndarray, version: int, mask: int) -> bool:
    module = float(np.linalg.norm(corners[1] - corners[0])) / (4 * version + 17)
    off = float(np.abs(np.array(guess.corners) - corners).max()) / module
    return off <= TOLERANCE and (guess.version, guess.ec_level, guess.mask) == (version, "M", mask)


def timed(gray: np.ndarray, near, spent: list[float]) -> list[SymbolGuess]:
    start = time.perf_counter()
    guesses = locate(gray, near)
    spent.append((time.perf_counter() - start) * 1000)
    return guesses


def door_stills(seed: int, per_condition: int, spent: list[float]) -> None:
    door = door_set.Door(seed)
    payloads = door_set.texts()
    for number, (name, condition) in enumerate(door_set.CONDITIONS.items()):
        if name not in CONDITIONS:
            continue
        missed = with_evidence = found = wrong = 0
        for index in range(per_condition):
            rng = np.random.default_rng((seed, number, index))
            text = payloads[(index + number) % len(payloads)]
            seen = door_set.look(condition, text, rng)
            gray = door_set.compose(door.scene, seen, door.noise(index))
            if any(decoded.text == text for decoded in Decoder().decode(gray)):
                continue
            missed += 1
            symbol = truth(text, seen)
            guesses = [guess for near in evidence(gray) for guess in timed(gray, near, spent)]
            with_evidence += bool(evidence(gray))
            right = [is_the_code(guess, *symbol) for guess in guesses]
            found += any(right)
            wrong += right.count(False)
        print(f"{name}: {missed} stills not read, {with_evidence} with evidence, symbol found in {found}, "
              f"{wrong} wrong guesses")


def every_condition(seed: int, per_condition: int, spent: list[float]) -> None:
    """Every still of every condition, read or not, with the code's own corners for evidence (as a failed
    Model-2 symbol gives them): how often the symbol is found, and how often a guess is wrong."""
    door = door_set.Door(seed)
    payloads = door_set.texts()
    for number, (name, condition) in enumerate(door_set.CONDITIONS.items()):
        found = wrong = 0
        for index in range(per_condition):
            rng = np.random.default_rng((seed, number, index))
            text = payloads[(index + number) % len(payloads)]
            seen = door_set.look(condition, text, rng)
            gray = door_set.compose(door.scene, seen, door.noise(index))
            symbol = truth(text, seen)
            right = [is_the_code(guess, *symbol) for guess in timed(gray, symbol[0], spent)]
            found += any(right)
            wrong += right.count(False)
        print(f"{name}, the code's corners for evidence: found in {found}/{per_condition}, {wrong} wrong guesses")


def empty_scenes(spent: list[float]) -> None:
    for name, scene in scenes().items():
        gray = cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY)
        zxing = evidence(gray)
        made_up = [((x, y), (x + side, y), (x + side, y + side), (x, y + side))
                   for side in MADE_UP_SIDES for y in range(0, 720, GRID_STEP) for x in range(0, 1280, GRID_STEP)]
        false = [len(timed(gray, near, spent)) for near in zxing + made_up]
        print(f"{name} (empty): {len(zxing)} failed symbols from zxing-cpp, {len(made_up)} made up; "
              f"{sum(false)} false guesses")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-condition", type=int, default=30)
    args = parser.parse_args()
    door_spent: list[float] = []
    door_stills(args.seed, args.per_condition, door_spent)
    every_condition(args.seed, args.per_condition, door_spent)
    empty_spent: list[float] = []
    empty_scenes(empty_spent)
    for label, spent in (("door stills", door_spent), ("empty scenes", empty_spent)):
        print(f"ms per call, {label}: median {statistics.median(spent):.2f}, 95th percentile "
              f"{np.percentile(spent, 95):.2f}, slowest {max(spent):.2f} "
              f"({len(spent)} calls)")


if __name__ == "__main__":
    main()
