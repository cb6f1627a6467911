"""QR codes in a frame → their texts: zxing-cpp on every frame, a second look only where it pays.

Measured with `python bench/decode.py --dataset ../shared/datasets/qr-photos` (179 photographed codes,
and synthetic 720p/1080p door frames with and without a code):

- zxing-cpp alone (QR only, plain text) reads 92.7%. It misses codes in two ways: it finds nothing at
  all (a code printed on a textured surface, a photo below zxing's own down-scaling threshold), or it
  finds a symbol whose error correction fails (crumpled, curved, printed on cloth).
- Most door frames hold no code, so the first pass skips zxing's inverted-image pass, which doubles the
  cost of an empty frame. Light-on-dark codes are looked for in the half-size look instead, where they
  read as well except for small, blurred ones (4 px modules and more blur than a focused webcam gives).
- Nothing decoded → whole-frame looks: zxing on a half-size copy (local binarizer, normal and inverted,
  then the global one; a quarter of the pixels), on the inverted frame at full size (small dark-mode
  codes), and on the frame enlarged 1.5 times (small modules, moiré, washed-out glare edges). A photo
  gets them in turn; a camera (`one_look_per_frame`) gets one per frame in the order CAMERA_TURNS, so a
  code held up for 200 ms gets all of them and an empty frame costs 1.0-1.25x raw zxing-cpp. A
  camera frame in which zxing saw a symbol of any QR kind gets them all at once (but see below for a
  Model 2 symbol it found whole): the code is there. So does one in which something new has come
  into view (kiosk.decoding.view_change): a dim or dark-mode phone screen, of which the first pass
  sees nothing at all, is read in the frame it is held still in, not when its look's turn comes round
  (a frame with something moving in it costs 6-7x raw zxing-cpp).
  The first pass skips zxing's down-scaled pass (the half-size look covers it).
  Door stills and visits (bench/door_set.py, bench/visits.py, docs/decoding.md) measure what they add.
- A symbol found but not decoded (zxing reports its corners with an error) → that region, straightened
  to a square, read with each binarizer, then bent back gently the way a printout held in one hand
  bends (a cylinder: 4% of the side, either way, along either axis). Only with that evidence, never on
  an empty frame. Long thin quadrilaterals, zxing's guesses on a blurred moving code, are not looked at.
- Still nothing, and zxing saw a symbol of any QR kind (often a Micro QR or rMQR phantom on one finder
  pattern of a glare-washed code) → the located look: finder patterns around the largest such piece
  (kiosk.decoding.finders), the symbol they frame read by a sampler of our own that takes the modules
  glare clipped as erasures (kiosk.decoding.erasures): Reed-Solomon corrects twice as many of those as
  of errors. It reads most of what glare and bright spots cost zxing on the door stills. Where it fits
  no straight grid to the finder patterns, the failed symbol is bent back strongly (8%) too.
- Still nothing, after a Model 2 symbol zxing found whole but could not decode → only the enlarged
  look: the half-size and inverted looks find the same symbol and fail alike (on 990 door stills and
  the photos they never read one; the enlarged look read one, a version 9 code with 3-pixel modules).
- Nothing at all, and zxing saw no symbol of any kind, in a photo or in a camera frame that gets every
  look → the located look over the whole frame: zxing needs all three finder patterns, so a printout
  with one of them inked over or in shadow gives it nothing to go on, while the located look finds
  the other two and looks for the third by correlation. A settled camera view never pays for it.
- pyzbar, contrast normalisation (CLAHE, flat-field), glare masking, OpenCV's WeChat decoder and its
  decoder for curved codes (10-50 ms a call; it read nothing the unbent look does not) add too little
  per millisecond on the photos and the door set (docs/decoding.md), so the decoder does not use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import zxingcpp

from kiosk.decoding import erasures, finders
from kiosk.decoding.view_change import ViewChange

# Ordinary QR codes (Model 2) are read. zxing-cpp 3's `QRCode` is the whole family, Micro QR and rMQR
# included: no credential uses those, and a Micro QR M1 (error detection only) reads phantom digits out
# of a glare-washed code, e.g. "398257" from a warped laminate card in the visits bench. The first pass
# still looks for the family at no extra cost: a Micro QR or rMQR "symbol" in a camera frame is a part
# of a QR code zxing could not make out (none was seen in empty door frames), so it earns more looks.
QR = zxingcpp.BarcodeFormat.QRCodeModel2
QR_FAMILY = zxingcpp.BarcodeFormat.QRCode
PLAIN = zxingcpp.TextMode.Plain     # the text as encoded; HRI mode would write control characters as <GS>
BINARIZERS = (zxingcpp.Binarizer.GlobalHistogram, zxingcpp.Binarizer.LocalAverage)
SMALLEST_HALF_LOOK = 160            # below this many pixels a side a half-size copy is too coarse to help
REGION_SIDE = 160                   # a failed symbol is straightened to a square this big ...
REGION_BORDER = 16                  # ... with this quiet zone around it
REGION_GROWTH = 1.2                 # zxing's corners, pushed this much outward from the centre
GENTLE_BENDS = (0.04, -0.04)        # an unbent look's guesses at a printout's bulge ...
STRONG_BENDS = (0.08, -0.08)        # ... and where no straight grid fits the symbol's finder patterns
MOST_REGIONS = 2                    # failed symbols looked at again per frame (bounds the cost)
ENLARGEMENT = 1.5                   # the enlarged look's scale
MOST_STRETCH = 1.5                  # longest over shortest side of a failed symbol worth looking at

Corners = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Decoded:
    """A code read from a frame: its text and where it is (corners: top-left, top-right, bottom-right,
    bottom-left, in the frame's pixels). `attempt` names the look that read it: "zxing" for the first."""

    text: str
    corners: Corners = ()
    attempt: str = "zxing"


class Decoder:
    """Reads QR codes from BGR or grayscale frames. Not thread-safe: one per capture loop."""

    def __init__(self, second_looks: bool = True, one_look_per_frame: bool = False) -> None:
        """`second_looks=False` keeps to the first pass (to measure what the others add).
        `one_look_per_frame=True` is for a camera: a frame in which the first pass finds nothing gets
        one of the whole-frame looks, the next frame the next one, so a code held up for a few frames
        gets all of them at the cost of one per frame. Otherwise (a photo) they are tried in turn.

        OpenCV is kept to the calling thread, for the whole process: its calls here take a millisecond
        or less, and its worker threads, woken for each and spinning after it, cost the door's other
        core (the window's) more than they save (an empty 720p frame: 1.4 ms of CPU on one thread,
        2.4 ms on two for 0.2 ms less wall time)."""
        cv2.setNumThreads(1)
        self.second_looks = second_looks
        self.one_look_per_frame = one_look_per_frame
        self._turn = 0
        self._view = ViewChange()
        self.saw_symbol = False     # the last frame held a QR symbol, read or not (for visit timing)

    def decode(self, image: np.ndarray) -> list[Decoded]:
        gray = grayscale(image)
        found = zxingcpp.read_barcodes(gray, formats=QR_FAMILY, text_mode=PLAIN, try_invert=False,
                                       try_downscale=False, return_errors=True)
        ordinary = [code for code in found if code.format == QR_FAMILY]    # a Model 2 symbol's format
        decoded = [Decoded(code.text, _corners(code.position)) for code in ordinary if code.valid]
        self.saw_symbol = bool(ordinary)
        if decoded or not self.second_looks:
            return _unique(decoded)
        failed = [_corners(code.position) for code in ordinary if not code.valid]
        symbols = sorted(filter(_plausible_symbol, failed), key=_area, reverse=True)[:MOST_REGIONS]
        decoded = _evidence_looks(gray, symbols, found)
        if not decoded and symbols:
            decoded = _enlarged_look(gray)      # the symbol's modules may be too small for zxing
        elif not decoded:
            decoded = self._frame_looks(gray, evidence=bool(found))
        self.saw_symbol = self.saw_symbol or bool(decoded)
        return _unique(decoded)

    def _frame_looks(self, gray: np.ndarray, evidence: bool) -> list[Decoded]:
        """One look in turn for a camera's frame with nothing in it, every look where zxing saw a symbol
        of some kind or something new has come into view (kiosk.decoding.view_change): a code may be
        there now, and reading it in this frame rather than in one of the next five is what shortens
        the time to verdict (each such frame has 33 ms to spend; most of a door's day is the empty view).
        Every look includes, where zxing saw nothing at all, the located look over the whole frame."""
        if self.one_look_per_frame and not evidence and not self._view.changed(gray):
            look = CAMERA_TURNS[self._turn % len(CAMERA_TURNS)]
            self._turn += 1
            return look(gray)
        for look in FRAME_LOOKS:
            found = look(gray)
            if found:
                return found
        return [] if evidence else _anywhere_look(gray)


def _evidence_looks(gray: np.ndarray, symbols: list[Corners], found: list[zxingcpp.Barcode]) -> list[Decoded]:
    """The looks at what zxing saw and could not read, the cheaper first: each failed symbol
    straightened, then bent back gently (a 4% bulge); the located look around the largest piece of
    evidence; and only where that fits no straight grid to a symbol's finder patterns, the failed
    symbols bent back strongly (8%). A bend that strong would not have let the grid fit: every symbol
    with a fitting grid that the unbent look read, on the photos and 990 door stills, read at 4%. The
    strong bends were half the unbent look's cost on a cloth photo no look reads."""
    regions = [(_straightened(gray, corners), corners) for corners in symbols]
    decoded = (_first(_straightened_look(*region) for region in regions)
               or _first(_unbent_look(*region, GENTLE_BENDS) for region in regions))
    if decoded:
        return decoded
    guesses = _located_guesses(gray, found)
    if guesses:
        return _read_located(gray, guesses)
    return _first(_unbent_look(*region, STRONG_BENDS) for region in regions)


def _first(looks: Iterator[list[Decoded]]) -> list[Decoded]:
    """What the first of the looks (a generator, so that the rest are not taken) that reads, reads."""
    return next((found for found in looks if found), [])


def _located_guesses(gray: np.ndarray, found: list[zxingcpp.Barcode]) -> list[finders.SymbolGuess]:
    """Where zxing saw only a part of a code (a failed symbol of some QR kind, often a Micro QR or rMQR
    phantom on a glare-washed code), finder patterns are looked for around the largest such part
    (kiosk.decoding.finders), for the located look to read with erasures. Without zxing's evidence
    there is nothing to look around: that is `_anywhere_look`'s, after the whole-frame looks."""
    if not found:
        return []
    near = max((_corners(code.position) for code in found), key=_area)
    return finders.locate(gray, near)


def _anywhere_look(gray: np.ndarray) -> list[Decoded]:
    """The located look over the whole frame, for a frame in which zxing saw nothing at all: a finder
    pattern an ink blot or a shadow has broken leaves it two, and it looks for three."""
    return _read_located(gray, finders.locate(gray, None))


def _read_located(gray: np.ndarray, guesses: list[finders.SymbolGuess]) -> list[Decoded]:
    for guess in guesses:
        text = erasures.read(gray, guess.corners, guess.version, guess.ec_level, guess.mask)
        if text:
            return [Decoded(text, guess.corners, "located")]
    return []


def grayscale(image: np.ndarray) -> np.ndarray:
    """The frame as one 8-bit channel (a view of it when it already is one)."""
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _half_size_look(gray: np.ndarray) -> list[Decoded]:
    if min(gray.shape) < SMALLEST_HALF_LOOK:
        return []
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    for binarizer, inverted_too in ((zxingcpp.Binarizer.LocalAverage, True),
                                    (zxingcpp.Binarizer.GlobalHistogram, False)):
        found = zxingcpp.read_barcodes(half, formats=QR, text_mode=PLAIN, binarizer=binarizer,
                                       try_downscale=False, try_invert=inverted_too)
        if found:
            return [Decoded(code.text, _scaled(_corners(code.position), 2.0), "half-size") for code in found]
    return []


def _inverted_look(gray: np.ndarray) -> list[Decoded]:
    """Light modules on a dark screen (dark-mode apps), at full size: the half-size look misses the
    small ones."""
    found = zxingcpp.read_barcodes(cv2.bitwise_not(gray), formats=QR, text_mode=PLAIN, try_invert=False,
                                   try_downscale=False)
    return [Decoded(code.text, _corners(code.position), "inverted") for code in found]


def _enlarged_look(gray: np.ndarray) -> list[Decoded]:
    """The frame at 1.5 times its size: small modules (a card's code, a phone far away) get enough
    pixels for zxing's binarizer to tell them apart."""
    large = cv2.resize(gray, None, fx=ENLARGEMENT, fy=ENLARGEMENT, interpolation=cv2.INTER_CUBIC)
    found = zxingcpp.read_barcodes(large, formats=QR, text_mode=PLAIN, try_invert=False, try_downscale=False)
    return [Decoded(code.text, _scaled(_corners(code.position), 1 / ENLARGEMENT), "enlarged") for code in found]


FRAME_LOOKS = (_half_size_look, _inverted_look, _enlarged_look)
# A camera's frames take the looks in this order: the cheap half-size look on two frames of three, the
# dearer ones in between, so that an empty frame costs on average about what raw zxing-cpp does.
CAMERA_TURNS = (_half_size_look, _half_size_look, _inverted_look, _half_size_look, _half_size_look,
                _enlarged_look)


def _straightened(gray: np.ndarray, corners: Corners) -> np.ndarray:
    """The failed symbol warped to an upright square, a little larger than zxing's corners (they sit on
    the finder patterns' outer edges, which a bent code pushes inward)."""
    quad = np.array(corners, dtype=np.float32)
    centre = quad.mean(axis=0)
    quad = centre + (quad - centre) * REGION_GROWTH
    b, s = REGION_BORDER, REGION_SIDE
    square = np.array([[b, b], [b + s, b], [b + s, b + s], [b, b + s]], dtype=np.float32)
    warp = cv2.getPerspectiveTransform(quad, square)
    return cv2.warpPerspective(gray, warp, (s + 2 * b, s + 2 * b), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def _straightened_look(region: np.ndarray, corners: Corners) -> list[Decoded]:
    for binarizer in BINARIZERS:
        found = zxingcpp.read_barcodes(region, formats=QR, text_mode=PLAIN, binarizer=binarizer,
                                       try_downscale=False, try_invert=False)
        if found:
            return [Decoded(code.text, corners, "straightened") for code in found]
    return []


def _unbent_look(region: np.ndarray, corners: Corners, bends: tuple[float, ...]) -> list[Decoded]:
    """A printout held in one hand bends like a cylinder: its corners stay where zxing found them while
    the middle of the code bulges by a few modules, so no straight grid fits. The straightened square
    is bent back by each of `bends` (the middle's shift, in fractions of the side) along each axis."""
    for sag in bends:
        for along_x in (True, False):
            found = zxingcpp.read_barcodes(_unbent(region, sag, along_x), formats=QR, text_mode=PLAIN,
                                           try_downscale=False, try_invert=False)
            if found:
                return [Decoded(code.text, corners, "unbent") for code in found]
    return []


def _unbent(region: np.ndarray, sag: float, along_x: bool) -> np.ndarray:
    map_x, map_y = _unbending(sag, along_x)
    return cv2.remap(region, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@lru_cache(maxsize=None)
def _unbending(sag: float, along_x: bool) -> tuple[np.ndarray, np.ndarray]:
    """Where each pixel of the unbent square comes from in the straightened one (the regions are all
    one size, so the maps are made once)."""
    ys, xs = np.mgrid[0:REGION_SIDE + 2 * REGION_BORDER, 0:REGION_SIDE + 2 * REGION_BORDER].astype(np.float32)
    across = ((xs if along_x else ys) - (REGION_BORDER + REGION_SIDE / 2)) / (REGION_SIDE / 2)
    shift = sag * REGION_SIDE * (1 - across ** 2)
    return (xs, ys + shift) if along_x else (xs + shift, ys)


def _corners(position: zxingcpp.Position) -> Corners:
    return tuple((float(p.x), float(p.y)) for p in
                 (position.top_left, position.top_right, position.bottom_right, position.bottom_left))


def _scaled(corners: Corners, factor: float) -> Corners:
    return tuple((x * factor, y * factor) for x, y in corners)


def _plausible_symbol(corners: Corners) -> bool:
    """A QR symbol held up to a camera is seen nearly square; zxing's failed guesses that join finder
    patterns of a blurred code into a long quadrilateral are not worth a second look."""
    points = np.array(corners)
    sides = np.linalg.norm(points - np.roll(points, -1, axis=0), axis=1)
    return sides.min() > 0 and sides.max() / sides.min() <= MOST_STRETCH


def _area(corners: Corners) -> float:
    return abs(float(cv2.contourArea(np.array(corners, dtype=np.float32))))


def _unique(decoded: list[Decoded]) -> list[Decoded]:
    """One reading per text: zxing may report a symbol twice (e.g. from two pyramid levels)."""
    seen: set[str] = set()
    unique = []
    for item in decoded:
        if item.text not in seen:
            seen.add(item.text)
            unique.append(item)
    return unique
