"""Where a QR symbol is and what it is, from its three finder patterns.

zxing-cpp reports a failed Model-2 symbol (corners, version, EC level, mask) for few of the codes that
glare washes out, but it often reports a failed Micro QR or rMQR phantom on a part of the real code.
`locate` takes such evidence, looks for finder patterns in a window around it (nested contours of a
locally thresholded copy: a dark ring around a light ring around a dark core), joins them into the
QR "L", fits the module grid (finder patterns, and the bottom-right alignment pattern for the
perspective) and reads the format information, so that a sampler of its own can decode the symbol with
the clipped modules as erasures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import combinations

import cv2
import numpy as np

Corners = tuple[tuple[float, float], ...]

WINDOW_GROWTH = 5.0         # the window reaches this many times the evidence's side from its centre ...
SMALLEST_HALF_WINDOW = 60   # ... but at least this far ...
LARGEST_HALF_WINDOW = 320   # ... and at most this far (the cost grows with the window)
SMALLEST_WINDOW = 21        # pixels a side: less cannot hold a symbol's three finders
MEAN_BLOCK = 13             # pixels a side of the local mean's box ...
NARROW_MEAN_BLOCK = 9       # ... and, around evidence where that frames no symbol, a narrower one
THRESHOLD_OFFSET = 3        # grey levels below the local mean a pixel must be to count as dark (blur fades rings)
MOST_FINDERS = 24           # candidates joined into triples, the most finder-like first
MOST_TRIPLES = 4            # triples whose grid and format information are read
MOST_GUESSES = 2
SIDE_RATIO = 1.35           # an "L"'s longer side over its shorter one, at most (perspective, tilt)
RIGHT_ANGLE = 0.35          # |cos| of the angle at the top-left finder, at most
MODULE_RATIO = 1.6          # larger over smaller module size of two finders of one symbol, at most
FORMAT_DISTANCE = 3         # the most wrong bits of a format information copy still accepted
LEAST_KNOWN_BITS = 10       # a copy with fewer readable bits than this (glare) is not used
FAINT = 6.0                 # a module closer than this to its local mean (grey levels) is unreadable
FINDER_LIKENESS = 0.4       # correlation with a drawn finder pattern, at least (one in a crease's shadow: 0.4-0.5) ...
ALIGNMENT_LIKENESS = 0.35   # ... and with an alignment pattern (small, among data modules, drawn less exactly)
LEAST_CONTRAST = 12.0       # grey levels (standard deviation) of a matched pattern, at least
MOST_PAIRED = 4             # finders paired to look for a missing third one
PICTURE_MODULE = 10         # pixels a module of the drawn patterns
SAME_PLACE = 8.0            # pixels: guesses of one kind whose corners are closer than this are one
TIMING_AGREEMENT = 0.8      # the share of readable timing modules that must alternate as they should
FINDER_AGREEMENT = 0.85     # ... and of the finder patterns' modules that read as they should

EC_LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
FORMAT_MASK = 0x5412


@dataclass(frozen=True)
class SymbolGuess:
    """A QR symbol's place and kind. `corners`: top-left, top-right, bottom-right, bottom-left outer
    corners of its module area (no quiet zone), frame pixels, as zxing-cpp's `Barcode.position`."""

    corners: Corners
    version: int
    ec_level: str
    mask: int


@dataclass(frozen=True)
class _Finder:
    centre: np.ndarray      # x, y in window pixels
    module: float           # module size, pixels
    quad: np.ndarray        # 4x2: the light ring's outer corners (module coordinates 1 and 6)


@dataclass(frozen=True)
class _Window:
    """The searched part of the frame, smoothed, and its local mean (the threshold between dark and
    light that follows a glare ramp)."""

    gray: np.ndarray
    local_mean: np.ndarray
    origin: np.ndarray      # the window's top-left in the frame


def locate(gray: np.ndarray, near: Corners | None) -> list[SymbolGuess]:
    """Symbols whose finder patterns lie around `near` (the corners of zxing's evidence: a failed
    symbol of any QR kind), or anywhere in the frame when `near` is None, in `gray` (one 8-bit
    channel), best first; [] when none is found.

    Motion blur fades a small code's light finder ring (3-4 pixel modules) towards the dark around
    it, so the 13 px mean, which spans both, closes it. Around evidence, where that finds no symbol,
    the look is taken again with a 9 px mean, which follows it. Not first: on a creased printout the
    extra patterns it finds make a wrong triple and keep the third finder pattern from being looked
    for. Not over a whole frame: there it read 2 more door stills of 990 for a fifth more time on
    each, and every frame a passer-by changes would pay it."""
    window = _window(gray, near)
    if window is None:
        return []
    guesses = _guesses(window)
    if guesses or near is None:
        return guesses
    return _guesses(_narrowed(window))


def _guesses(window: _Window) -> list[SymbolGuess]:
    """The symbols the window's finder patterns frame, best first."""
    finders = _finders(window)
    triples = _triples(finders) or _triples(finders + _third_finders(window, finders))
    readings = [reading for reading in (_read_symbol(window, *triple) for triple in triples) if reading is not None]
    readings.sort(key=lambda scored: scored[0])
    return _distinct([guess for _, guess in readings])[:MOST_GUESSES]


# --- the window ---------------------------------------------------------------------------------------

def _window(gray: np.ndarray, near: Corners | None) -> _Window | None:
    """The evidence may be one finder pattern of the symbol or a part of it: the window reaches a few
    times its side around it. Without evidence it is the whole frame."""
    if gray.ndim != 2 or gray.dtype != np.uint8 or gray.size == 0:
        return None
    if near is None:
        x0, y0, x1, y1 = 0, 0, gray.shape[1], gray.shape[0]
    else:
        points = np.asarray(near, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0 or not np.isfinite(points).all():
            return None
        sides = np.linalg.norm(points - np.roll(points, -1, axis=0), axis=1)
        half = float(np.clip(WINDOW_GROWTH * sides.max(), SMALLEST_HALF_WINDOW, LARGEST_HALF_WINDOW))
        centre = points.mean(axis=0)
        x0, y0 = np.clip(np.floor(centre - half), 0, None).astype(int)
        x1, y1 = np.minimum(np.ceil(centre + half), (gray.shape[1], gray.shape[0])).astype(int)
    if x1 - x0 < SMALLEST_WINDOW or y1 - y0 < SMALLEST_WINDOW:
        return None
    crop = cv2.GaussianBlur(gray[y0:y1, x0:x1], (3, 3), 0)     # sensor noise would make thousands of specks
    return _Window(crop, cv2.blur(crop, (MEAN_BLOCK, MEAN_BLOCK)), np.array([x0, y0], dtype=np.float64))


def _narrowed(window: _Window) -> _Window:
    """The same window, its local mean taken over NARROW_MEAN_BLOCK pixels."""
    return replace(window, local_mean=cv2.blur(window.gray, (NARROW_MEAN_BLOCK, NARROW_MEAN_BLOCK)))


# --- finder patterns ----------------------------------------------------------------------------------

def _finders(window: _Window) -> list[_Finder]:
    """Finder patterns as nested contours of the thresholded window: a dark ring holding a light one
    holding a dark core."""
    dark = cv2.compare(window.gray, cv2.subtract(window.local_mean, THRESHOLD_OFFSET), cv2.CMP_LT)
    contours, hierarchy = cv2.findContours(dark, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    first_child, next_sibling = hierarchy[0][:, 2], hierarchy[0][:, 0]
    holes = first_child
    cores = np.where(holes >= 0, first_child[holes], -1)
    alone = np.where(cores >= 0, next_sibling[np.maximum(cores, 0)] < 0, False)    # the core is the hole's only child
    found = [_finder(contours[ring], contours[holes[ring]], contours[cores[ring]])
             for ring in np.flatnonzero((cores >= 0) & alone)]
    return _unique_finders([finder for finder in found if finder is not None])


def _finder(ring: np.ndarray, hole: np.ndarray, core: np.ndarray) -> _Finder | None:
    """Areas of an ideal finder: 49, 25 and 9 modules; the dark ring may have merged with data
    modules (blur), so it is only asked to be larger than the hole."""
    ring_area, hole_area, core_area = (cv2.contourArea(c) for c in (ring, hole, core))
    if core_area < 2 or not (0.15 <= core_area / max(hole_area, 1) <= 0.6) or ring_area < 1.4 * hole_area:
        return None
    quad = _quadrilateral(hole)
    if quad is None:
        return None
    moments = cv2.moments(core)
    core_centre = np.array([moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]])
    if np.linalg.norm(core_centre - quad.mean(axis=0)) > 0.15 * np.sqrt(hole_area):
        return None         # the core sits in the middle of the light ring
    module = (np.sqrt(hole_area) + np.sqrt(core_area)) / 8
    return _Finder((core_centre + quad.mean(axis=0)) / 2, float(module), quad)


def _quadrilateral(contour: np.ndarray) -> np.ndarray | None:
    """The contour's four corners if it is nearly a convex quadrilateral (a square seen at an angle)."""
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    quad = cv2.approxPolyDP(hull, 0.06 * perimeter, True).reshape(-1, 2).astype(np.float64)
    if len(quad) != 4:
        box = cv2.minAreaRect(contour)
        quad = cv2.boxPoints(box).astype(np.float64)
        width, height = box[1]
        if min(width, height) < 2 or max(width, height) > 2 * min(width, height):
            return None
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)
    return quad if sides.min() > 0.5 * sides.max() else None


def _unique_finders(finders: list[_Finder]) -> list[_Finder]:
    """One finder per place (the core of a finder can itself look like a small one), largest first."""
    kept: list[_Finder] = []
    for finder in sorted(finders, key=lambda f: -f.module):
        if all(np.linalg.norm(finder.centre - other.centre) > 2 * other.module for other in kept):
            kept.append(finder)
    return kept[:MOST_FINDERS]


# --- the "L" of three finders -------------------------------------------------------------------------

def _triples(finders: list[_Finder]) -> list[tuple[_Finder, _Finder, _Finder]]:
    """Top-left, top-right, bottom-left finders that could be one symbol's: the best-shaped few."""
    count = len(finders)
    if count < 3:
        return []
    centres = np.array([finder.centre for finder in finders])
    modules = np.array([finder.module for finder in finders])
    first, second, third = np.indices((count,) * 3).reshape(3, -1)
    distinct = (first != second) & (second != third) & (first != third)
    first, second, third = first[distinct], second[distinct], third[distinct]
    along, down = centres[second] - centres[first], centres[third] - centres[first]
    lengths = np.stack([np.hypot(*along.T), np.hypot(*down.T)])
    sizes = np.stack([modules[first], modules[second], modules[third]])
    stretch = lengths.max(axis=0) / np.maximum(lengths.min(axis=0), 1e-9)
    cosine = np.abs((along * down).sum(axis=1)) / np.maximum(lengths.prod(axis=0), 1e-9)
    spread = sizes.max(axis=0) / sizes.min(axis=0)
    clockwise = along[:, 0] * down[:, 1] - along[:, 1] * down[:, 0] > 0     # top-right, then bottom-left
    shaped = (clockwise & (lengths.min(axis=0) >= 10 * sizes.min(axis=0)) & (stretch <= SIDE_RATIO)
              & (cosine <= RIGHT_ANGLE) & (spread <= MODULE_RATIO))     # version 1's finders: 14 modules apart
    score = (cosine + stretch + spread)[shaped]
    order = np.argsort(score, kind="stable")[:MOST_TRIPLES]
    return [(finders[a], finders[b], finders[c])
            for a, b, c in zip(first[shaped][order], second[shaped][order], third[shaped][order])]


# --- the module grid ----------------------------------------------------------------------------------

def _read_symbol(window: _Window, top_left: _Finder, top_right: _Finder,
                 bottom_left: _Finder) -> tuple[float, SymbolGuess] | None:
    """The first version the finders' distance allows whose grid reads as a QR symbol's, scored (lower
    is better); None when none does. A wrong version's grid drifts out of step with the timing
    patterns, so the versions after one that reads are not worth a look: looking on at them read
    nothing more on 990 door stills or the visits, and on a photo no look reads it was half the
    located look's cost."""
    for version in _versions(top_left, top_right, bottom_left):
        for grid in _grids(window, top_left, top_right, bottom_left, version):
            reading = _reading(window, grid, version)
            if reading is not None:
                return reading
    return None


def _reading(window: _Window, grid: np.ndarray, version: int) -> tuple[float, SymbolGuess] | None:
    """The symbol the grid shows if it reads as one: timing patterns that alternate, format information
    (and version information from version 7 on) that decodes; scored by the wrong bits."""
    dimension = 4 * version + 17
    timing = _agreement(window, grid, _timing_modules(dimension))
    if timing < TIMING_AGREEMENT or _agreement(window, grid, finder_modules(dimension)) < FINDER_AGREEMENT:
        return None
    version_distance = _version_distance(window, grid, version)
    form = _format(window, grid, version)
    if version_distance > FORMAT_DISTANCE or form is None:
        return None
    (ec_level, mask), distance = form
    corners = cv2.perspectiveTransform(
        np.array([[[0, 0], [dimension, 0], [dimension, dimension], [0, dimension]]], dtype=np.float64), grid)[0]
    frame_corners = tuple((float(x), float(y)) for x, y in corners + window.origin)
    return distance + version_distance + 10 * (1 - timing), SymbolGuess(frame_corners, version, ec_level, mask)


def _versions(top_left: _Finder, top_right: _Finder, bottom_left: _Finder) -> list[int]:
    """The version the finders' distance in modules gives, and its neighbours (module sizes are
    measured to a few per cent)."""
    modules = []
    for other in (top_right, bottom_left):
        module = (top_left.module + other.module) / 2
        modules.append(np.linalg.norm(other.centre - top_left.centre) / module + 7)
    version = int(round((float(np.mean(modules)) - 17) / 4))
    return [v for v in (version, version - 1, version + 1, version - 2, version + 2) if 1 <= v <= 40]


def _grids(window: _Window, top_left: _Finder, top_right: _Finder, bottom_left: _Finder,
           version: int) -> list[np.ndarray]:
    """Homographies from module coordinates (0 .. dimension) to window pixels: fitted to the finders'
    centres and light rings and the bottom-right alignment pattern where one is found (perspective),
    then to the finders alone (in case that was data modules that look like one)."""
    dimension = 4 * version + 17
    far = dimension - 7
    finders = (top_left, top_right, bottom_left)
    offsets = np.array([(0, 0), (far, 0), (0, far)], dtype=np.float64)[:, None]
    affine = cv2.getAffineTransform(np.float32(offsets[:, 0] + 3.5), np.float32([f.centre for f in finders]))
    expected = (_RING + offsets) @ affine[:, :2].T + affine[:, 2]           # 3 finders x 4 ring corners
    corners = np.array([finder.quad for finder in finders])
    distances = np.linalg.norm(corners[:, :, None] - expected[:, None], axis=3)   # each seen corner to each expected
    nearest = _RING[distances.argmin(axis=2)] + offsets
    modules = np.concatenate([offsets[:, 0] + 3.5, nearest.reshape(-1, 2)])
    pixels = np.concatenate([[f.centre for f in finders], corners.reshape(-1, 2)])
    grid, _ = cv2.findHomography(modules, pixels, 0)
    if grid is None:
        return []
    alignment = _alignment(window, grid, dimension) if version >= 2 else None
    if alignment is None:
        return [grid]
    modules = np.concatenate([modules, [(dimension - 6.5, dimension - 6.5)] * 4])    # weighs as much as a finder
    pixels = np.concatenate([pixels, [alignment] * 4])
    refined, _ = cv2.findHomography(modules, pixels, 0)
    return [refined, grid] if refined is not None else [grid]


def _alignment(window: _Window, grid: np.ndarray, dimension: int) -> np.ndarray | None:
    """The bottom-right alignment pattern's centre (window pixels), searched within a few modules of
    where the finders put it (perspective moves it: a corner tilted by 8% of the side, and more)."""
    centre = dimension - 6.5
    here, right, below = cv2.perspectiveTransform(
        np.array([[[centre, centre], [centre + 1, centre], [centre, centre + 1]]]), grid)[0]
    axes = np.column_stack([right - here, below - here])
    return _matched(window, _ALIGNMENT_PICTURE, axes, here, (3 + 0.12 * dimension) * _module(axes), ALIGNMENT_LIKENESS)


def _third_finders(window: _Window, finders: list[_Finder]) -> list[_Finder]:
    """Glare beside a finder pattern can break its dark ring where the local threshold follows the
    ramp. Two finders of one symbol put the third at one of six places (they are a side of the "L"
    or its diagonal): it is looked for there by correlation."""
    found = []
    pairs = [(one, other) for one, other in combinations(finders[:MOST_PAIRED], 2)
             if max(one.module, other.module) <= MODULE_RATIO * min(one.module, other.module)]
    for one, other in pairs:
        side = other.centre - one.centre
        module = (one.module + other.module) / 2
        if np.linalg.norm(side) < 10 * module:
            continue
        turn = np.array([-side[1], side[0]])
        middle = (one.centre + other.centre) / 2
        axes = _finder_axes(one)
        for place in (one.centre + turn, one.centre - turn, other.centre + turn, other.centre - turn,
                      middle + turn / 2, middle - turn / 2):
            centre = _matched(window, _FINDER_PICTURE, axes, place, 0.15 * np.linalg.norm(side) + 2 * module,
                              FINDER_LIKENESS)
            if centre is not None:
                ring = (_RING - 3.5) @ axes.T + centre
                found.append(_Finder(centre, _module(axes), ring))
    return _unique_finders(found)


def _finder_axes(finder: _Finder) -> np.ndarray:
    """The pixel steps of one module along the finder's two sides (columns), from its light ring."""
    quad = finder.quad
    along = (quad[1] - quad[0] + quad[2] - quad[3]) / 10
    down = (quad[3] - quad[0] + quad[2] - quad[1]) / 10
    return np.column_stack([along, down])


def _module(axes: np.ndarray) -> float:
    return float(np.sqrt(abs(np.linalg.det(axes))))


def _matched(window: _Window, picture: np.ndarray, axes: np.ndarray, place: np.ndarray, reach: float,
             likeness: float) -> np.ndarray | None:
    """Where `picture` (a pattern, PICTURE_MODULE pixels a module), drawn as the module `axes` lay it
    out, correlates best with the window within `reach` pixels of `place`; None when nowhere
    `likeness` or more, or on a washed-out patch."""
    modules = picture.shape[0] / PICTURE_MODULE
    size = int(np.ceil(modules * _module(axes))) | 1
    if size < 7:
        return None
    finer = 4                       # drawn 4 times finer, then shrunk: an average over each pixel
    centred = axes @ np.full(2, 0.5 / PICTURE_MODULE - modules / 2) + (size - 1) / 2
    drawing = np.column_stack([finer * axes / PICTURE_MODULE, finer * centred + (finer - 1) / 2])
    drawn = cv2.resize(cv2.warpAffine(picture, drawing, (finer * size, finer * size), borderValue=255),
                       (size, size), interpolation=cv2.INTER_AREA)
    half = int(np.ceil(reach)) + size // 2 + 1
    x0, y0 = np.maximum(np.round(place - half).astype(int), 0)
    x1, y1 = np.minimum(np.round(place + half).astype(int), (window.gray.shape[1], window.gray.shape[0]))
    if x1 - x0 < size or y1 - y0 < size:
        return None
    scores = cv2.matchTemplate(window.gray[y0:y1, x0:x1], drawn, cv2.TM_CCOEFF_NORMED)
    _, best, _, (bx, by) = cv2.minMaxLoc(scores)
    patch = window.gray[y0 + by:y0 + by + size, x0 + bx:x0 + bx + size]
    if not best >= likeness or float(patch.std()) < LEAST_CONTRAST:
        return None
    return np.array([x0 + bx + (size - 1) / 2, y0 + by + (size - 1) / 2])


def _pattern_picture(squares: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Nested squares (side in modules, grey), outermost first, PICTURE_MODULE pixels a module."""
    side = squares[0][0]
    modules = np.zeros((side, side), np.uint8)
    for inner, grey in squares:
        start = (side - inner) // 2
        modules[start:start + inner, start:start + inner] = grey
    return cv2.resize(modules, None, fx=PICTURE_MODULE, fy=PICTURE_MODULE, interpolation=cv2.INTER_NEAREST)


# --- reading modules ----------------------------------------------------------------------------------

def _sample(window: _Window, grid: np.ndarray, cells: list[tuple[int, int]]) -> np.ndarray:
    """Module values at (column, row) cells: 1 dark, 0 light, -1 unreadable (washed out or outside)."""
    centres = np.array(cells, dtype=np.float64) + 0.5
    points = cv2.perspectiveTransform(centres[None], grid)[0].astype(np.float32)
    map_x, map_y = points[:, 0].reshape(1, -1), points[:, 1].reshape(1, -1)
    values, means = (cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR)[0].astype(np.int64)
                     for image in (window.gray, window.local_mean))
    height, width = window.gray.shape
    inside = (points[:, 0] >= 0) & (points[:, 1] >= 0) & (points[:, 0] <= width - 1) & (points[:, 1] <= height - 1)
    bits = (values < means).astype(np.int64)
    bits[(np.abs(values - means) < FAINT) | ~inside] = -1
    return bits


def _agreement(window: _Window, grid: np.ndarray, modules: tuple[list[tuple[int, int]], np.ndarray]) -> float:
    """The share of the readable modules among `modules` (cells and their expected bits) that read as
    expected; 0 when fewer than a quarter are readable."""
    cells, expected = modules
    bits = _sample(window, grid, cells)
    readable = bits >= 0
    if readable.sum() < max(4, len(cells) // 4):
        return 0.0
    return float((bits[readable] == expected[readable]).mean())


@lru_cache(maxsize=None)
def _timing_modules(dimension: int) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Row and column 6 between the finders, alternating: a wrong version's grid drifts out of step."""
    along = range(8, dimension - 8)
    return [(i, 6) for i in along] + [(6, i) for i in along], np.array([1 - i % 2 for i in along] * 2)


@lru_cache(maxsize=None)
def finder_modules(dimension: int) -> tuple[list[tuple[int, int]], np.ndarray]:
    """The three finder patterns and their light separators: a grid shifted by a module (a light-on-dark
    code, whose timing patterns then alternate in step) or laid over something else does not fit them."""
    cells, expected = [], []
    for left, top in ((0, 0), (dimension - 7, 0), (0, dimension - 7)):
        for y in range(-1, 8):
            for x in range(-1, 8):
                if 0 <= left + x < dimension and 0 <= top + y < dimension:
                    cells.append((left + x, top + y))
                    expected.append(max(abs(x - 3), abs(y - 3)) in (0, 1, 3))
    return cells, np.array(expected, dtype=np.int64)


def _format(window: _Window, grid: np.ndarray, version: int) -> tuple[tuple[str, int], int] | None:
    """EC level and mask from the two copies of the format information, and the wrong bits of the
    better-read copy; None when neither decodes."""
    dimension = 4 * version + 17
    best = None
    for cells in _format_cells(dimension):
        bits = _sample(window, grid, cells)             # cells run from bit 14 to bit 0
        if (bits >= 0).sum() < LEAST_KNOWN_BITS:
            continue
        data, distance = _nearest(bits, _FORMAT_CODEWORDS)
        if distance <= FORMAT_DISTANCE and (best is None or distance < best[1]):
            best = (data, distance)
    if best is None:
        return None
    data, distance = best
    return (EC_LEVELS[data >> 3], data & 7), distance


def _format_cells(dimension: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(column, row) of format bits 14 down to 0: around the top-left finder, and split between the
    bottom-left and top-right finders (ISO/IEC 18004, figure 25)."""
    around = [(x, 8) for x in range(6)] + [(7, 8), (8, 8), (8, 7)] + [(8, y) for y in range(5, -1, -1)]
    split = ([(8, y) for y in range(dimension - 1, dimension - 8, -1)]
             + [(x, 8) for x in range(dimension - 8, dimension)])
    return around, split


def _version_distance(window: _Window, grid: np.ndarray, version: int) -> int:
    """Wrong bits of the better-read version information block (version 7 and up), 0 below."""
    if version < 7:
        return 0
    dimension = 4 * version + 17
    distances = []
    for cells in ([(dimension - 11 + i % 3, i // 3) for i in range(18)],
                  [(i // 3, dimension - 11 + i % 3) for i in range(18)]):
        bits = _sample(window, grid, cells)[::-1]       # cells run from bit 0 to bit 17
        if (bits >= 0).sum() >= LEAST_KNOWN_BITS:
            distances.append(int(_distances(bits, _VERSION_CODEWORDS[version - 7:version - 6])[0]))
    return min(distances, default=FORMAT_DISTANCE + 1)


def _nearest(bits: np.ndarray, codewords: np.ndarray) -> tuple[int, int]:
    """The index of the codeword nearest to `bits` and how far."""
    distances = _distances(bits, codewords)
    index = int(np.argmin(distances))
    return index, int(distances[index])


def _distances(bits: np.ndarray, codewords: np.ndarray) -> np.ndarray:
    """Wrong bits of each codeword (rows of bits) against `bits` (-1: unknown, not counted)."""
    return ((codewords != bits) & (bits >= 0)).sum(axis=1)


def _bch(data: int, generator: int, data_bits: int, check_bits: int) -> int:
    """`data` followed by its BCH check bits (remainder of division by `generator`)."""
    value = data << check_bits
    for shift in range(data_bits - 1, -1, -1):
        if value & (1 << (shift + check_bits)):
            value ^= generator << shift
    return (data << check_bits) | value


def _bit_rows(codewords: list[int], length: int) -> np.ndarray:
    """Each codeword's bits, most significant first."""
    return (np.array(codewords)[:, None] >> np.arange(length - 1, -1, -1)) & 1


_FORMAT_CODEWORDS = _bit_rows([_bch(data, 0x537, 5, 10) ^ FORMAT_MASK for data in range(32)], 15)
_VERSION_CODEWORDS = _bit_rows([_bch(version, 0x1F25, 6, 12) for version in range(7, 41)], 18)


def _distinct(guesses: list[SymbolGuess]) -> list[SymbolGuess]:
    """One guess per reading of a symbol (two triples of one symbol give the same one)."""
    kept: list[SymbolGuess] = []
    for guess in guesses:
        if all((guess.version, guess.ec_level, guess.mask) != (other.version, other.ec_level, other.mask)
               or _far(guess.corners, other.corners) for other in kept):
            kept.append(guess)
    return kept


def _far(one: Corners, other: Corners) -> bool:
    return float(np.abs(np.array(one) - np.array(other)).max()) > SAME_PLACE


_RING = np.array([[1, 1], [6, 1], [6, 6], [1, 6]], dtype=np.float64)      # a finder's light ring's corners
_FINDER_PICTURE = _pattern_picture(((9, 255), (7, 0), (5, 255), (3, 0)))   # with its light surround
_ALIGNMENT_PICTURE = _pattern_picture(((5, 0), (3, 255), (1, 0)))          # data modules around it
