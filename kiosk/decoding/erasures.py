"""A QR Model 2 reader for symbols that glare washes out: clipped modules are erasures.

Where a phone screen under a ceiling light or a laminated card reflects the light, the camera clips a
patch of the code to white, and dark modules there read as light. zxing-cpp takes them as errors, and
Reed-Solomon corrects only half as many errors as it has check codewords, so such a symbol fails. Here
a module whose grey is clipped (or too close to its local threshold to tell) is marked unsure, and a
codeword holding one is an erasure: Reed-Solomon corrects up to as many erasures as it has check
codewords. `finders.locate` tells where the symbol is and what it is; `read` samples its modules,
corrects each block with errors and erasures, keeping a margin of check codewords unused (a wrong text
is worse than none), and parses the data.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import cv2
import numpy as np
import qrcode.base
import qrcode.constants
import qrcode.util

from kiosk.decoding.finders import FAINT, Corners, finder_modules

CLIPPED_LIGHT = 250         # grey levels: a module this bright or brighter may be a dark one washed out ...
CLIPPED_DARK = 5            # ... and one this dark or darker a light one in a crushed shadow
GLARE_STEP = 40             # grey levels glare may brighten a module more than its neighbour (the ramp's slope)
MOST_CLIPPED_NEAR = 5       # clipped modules of 3x3 around a clipped one, at most, for it to count as light
MEAN_MODULES = 7            # modules a side of the box whose mean is a module's threshold (follows a glare ramp)
SAMPLE_SPREAD = 0.15        # a module is sampled at its centre and this far (modules) along its diagonals
SAFETY_MARGIN = 2           # check codewords per block left unused by the correction (misdecode protection)

# The `qrcode` package's numbering of the EC levels: its tables of blocks (ISO/IEC 18004, table 9) and
# of alignment pattern places (annex E) are the ones the kiosk's own codes are drawn with.
LEVELS = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
          "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
# Check codewords the standard reserves against misdecoding in the smallest symbols: never used to correct.
MISDECODE_PROTECTION = {(1, "L"): 3, (1, "M"): 2, (1, "Q"): 1, (1, "H"): 1, (2, "L"): 2, (3, "L"): 1}

NUMERIC, ALPHANUMERIC, BYTE, ECI, TERMINATOR = 0b0001, 0b0010, 0b0100, 0b0111, 0b0000
ALPHANUMERIC_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# Character sets of the ECI designators a credential may carry; others are not read.
ECI_CHARSETS = {1: "iso-8859-1", 3: "iso-8859-1", 26: "utf-8", 27: "ascii"}


def read(gray: np.ndarray, corners: Corners, version: int, ec_level: str, mask: int) -> str | None:
    """The text of the QR symbol whose module area has `corners` (top-left, top-right, bottom-right,
    bottom-left, frame pixels) in `gray` (one 8-bit channel), of `version`, `ec_level` ("L", "M", "Q",
    "H") and `mask` (0-7, numbered as the standard numbers it); None when it does not read safely."""
    if not _valid(gray, corners, version, ec_level, mask):
        return None
    modules = _modules(gray, corners, version)
    if modules is None:
        return None
    codewords, sureness = _codewords(*modules, version, mask)
    data = _corrected_data(codewords, sureness, version, ec_level)
    return None if data is None else _text(data, version)


def _valid(gray: np.ndarray, corners: Corners, version: int, ec_level: str, mask: int) -> bool:
    if not isinstance(gray, np.ndarray) or gray.ndim != 2 or gray.dtype != np.uint8 or gray.size == 0:
        return False
    try:
        points = np.asarray(corners, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return (points.shape == (4, 2) and bool(np.isfinite(points).all()) and isinstance(version, (int, np.integer))
            and 1 <= version <= 40 and ec_level in LEVELS and isinstance(mask, (int, np.integer))
            and 0 <= mask <= 7)


# --- modules ------------------------------------------------------------------------------------------

def _modules(gray: np.ndarray, corners: Corners, version: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Every module of the symbol as grids, rows by columns: whether it is dark, and how surely: its
    distance from its threshold in grey levels, 0 outside the frame or clipped where the symbol's
    modules of its colour are not. Below FAINT a module is unsure."""
    dimension = 4 * version + 17
    square = np.float32([[0, 0], [dimension, 0], [dimension, dimension], [0, dimension]])
    grid = cv2.getPerspectiveTransform(square, np.float32(corners))
    values, inside = _sampled(gray, grid, dimension)
    if values is None:
        return None
    threshold = cv2.blur(values, (MEAN_MODULES, MEAN_MODULES), borderType=cv2.BORDER_REFLECT)
    dark = values < threshold
    sureness = np.abs(values - threshold)
    sureness[~inside | _washed_out(values, dimension)] = 0.0
    return dark, sureness


def _sampled(gray: np.ndarray, grid: np.ndarray, dimension: int) -> tuple[np.ndarray | None, np.ndarray]:
    """Grey levels of the modules (the mean of five points around each centre, as float32) and whether
    each lies inside the frame."""
    rows, columns = np.mgrid[0:dimension, 0:dimension] + 0.5
    offsets = SAMPLE_SPREAD * np.array([[0, 0], [-1, -1], [1, -1], [1, 1], [-1, 1]])
    points = np.stack([columns.ravel(), rows.ravel()], axis=1)[None] + offsets[:, None]
    pixels = cv2.perspectiveTransform(points.reshape(1, -1, 2), grid)[0]
    if not np.isfinite(pixels).all():
        return None, np.empty(0)
    height, width = gray.shape
    within = ((pixels[:, 0] >= 0) & (pixels[:, 1] >= 0) & (pixels[:, 0] <= width - 1) & (pixels[:, 1] <= height - 1))
    pixels = pixels.astype(np.float32)
    sampled = cv2.remap(gray, pixels[:, 0].reshape(1, -1), pixels[:, 1].reshape(1, -1), cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
    values = sampled.reshape(len(offsets), -1).astype(np.float32).mean(axis=0)
    inside = within.reshape(len(offsets), -1).all(axis=0)
    return values.reshape(dimension, dimension), inside.reshape(dimension, dimension)


def _washed_out(values: np.ndarray, dimension: int) -> np.ndarray:
    """Modules clipped to white (or black) where that is not how the symbol's light (dark) modules
    normally read. A white module among mostly white ones may be a dark one washed out: inside a glare
    patch, and at its hard edge, where dark modules beside it are not. One among dark neighbours that
    glare leaves well below clipping is light: on a glare ramp the dark modules are seen, only the
    light ones clip."""
    columns, rows, expected = _finder_places(dimension)
    finder_values = values[rows, columns]
    washed = np.zeros(values.shape, dtype=bool)
    if np.median(finder_values[expected == 0]) < CLIPPED_LIGHT:
        clipped = values >= CLIPPED_LIGHT
        clipped_near = cv2.boxFilter(clipped.astype(np.float32), -1, (3, 3), normalize=False)
        darkest_near = cv2.erode(values, np.ones((3, 3), np.uint8))
        on_ramp = (clipped_near <= MOST_CLIPPED_NEAR) & (darkest_near <= CLIPPED_LIGHT - GLARE_STEP)
        washed |= clipped & ~on_ramp
    if np.median(finder_values[expected == 1]) > CLIPPED_DARK:
        washed |= values <= CLIPPED_DARK
    return washed


@lru_cache(maxsize=None)
def _finder_places(dimension: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns and rows of the finder patterns' modules (and separators), and which are dark."""
    cells, expected = finder_modules(dimension)
    columns, rows = np.array(cells).T
    return columns, rows, expected


# --- codewords ----------------------------------------------------------------------------------------

def _codewords(dark: np.ndarray, sureness: np.ndarray, version: int, mask: int) -> tuple[np.ndarray, np.ndarray]:
    """The symbol's codewords in placement order (interleaved) and how sure each is: as sure as the
    least sure of its modules."""
    rows, columns = _placement(version)
    bits = dark[rows, columns] ^ _mask_pattern(mask, rows, columns)
    count = len(rows) // 8
    codewords = np.packbits(bits[:8 * count])
    least_sure = sureness[rows, columns][:8 * count].reshape(count, 8).min(axis=1)
    return codewords, least_sure


@lru_cache(maxsize=None)
def _placement(version: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the data modules in reading order: two-module columns from the right,
    zigzagging up and down, skipping the vertical timing pattern (ISO/IEC 18004, 7.7.3)."""
    dimension = 4 * version + 17
    function = _function_modules(version)
    rows, columns = [], []
    for right in range(dimension - 1, 0, -2):
        right = right - 1 if right <= 6 else right
        upward = ((right + 1) & 2) == 0
        for step in range(dimension):
            row = dimension - 1 - step if upward else step
            for column in (right, right - 1):
                if not function[row, column]:
                    rows.append(row)
                    columns.append(column)
    return np.array(rows), np.array(columns)


def _function_modules(version: int) -> np.ndarray:
    """Finder patterns with separators and format information, timing patterns, alignment patterns,
    version information and the dark module: no data there."""
    dimension = 4 * version + 17
    function = np.zeros((dimension, dimension), dtype=bool)
    function[:9, :9] = function[:9, -8:] = function[-8:, :9] = True
    centres = qrcode.util.pattern_position(version)
    for row in centres:
        for column in centres:
            if not function[row, column]:      # the three that would overlap a finder pattern are left out
                function[row - 2:row + 3, column - 2:column + 3] = True
    function[6, :] = function[:, 6] = True
    if version >= 7:
        function[:6, -11:-8] = function[-11:-8, :6] = True
    return function


def _mask_pattern(mask: int, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Where the data mask inverts modules (ISO/IEC 18004, table 10; i row, j column)."""
    i, j = rows, columns
    inverted = (
        (i + j) % 2, i % 2, j % 3, (i + j) % 3, (i // 2 + j // 3) % 2, (i * j) % 2 + (i * j) % 3,
        ((i * j) % 2 + (i * j) % 3) % 2, ((i + j) % 2 + (i * j) % 3) % 2,
    )[mask]
    return inverted == 0


# --- blocks -------------------------------------------------------------------------------------------

def _corrected_data(codewords: np.ndarray, sureness: np.ndarray, version: int, ec_level: str) -> bytes | None:
    """The data codewords of all blocks in order, each block corrected; None when one does not correct."""
    check = check_codewords(version, ec_level)
    margin = SAFETY_MARGIN + MISDECODE_PROTECTION.get((version, ec_level), 0)
    data = bytearray()
    for places in _blocks(version, ec_level):
        block = _corrected_block(codewords[places].tolist(), sureness[places], check, margin)
        if block is None:
            return None
        data.extend(block[:len(places) - check])
    return bytes(data)


def _corrected_block(received: list[int], sureness: np.ndarray, check: int, margin: int) -> list[int] | None:
    """One block corrected with its least sure codewords erased (generalised minimum distance decoding).
    Glare that fades a module without clipping it leaves it barely on either side of its threshold, so
    the count of unsure codewords is a guess at the damage: as many are erased as are unsure, then two
    more at a time while the check codewords allow; where more are unsure than they allow, as many as
    they allow, then two fewer at a time (on the door stills, no other order read more)."""
    budget = check - margin
    unsure = int((sureness < FAINT).sum())
    counts = range(unsure, budget + 1, 2) if unsure <= budget else range(budget, -1, -2)
    least_sure_first = np.argsort(sureness, kind="stable").tolist()
    syndromes = _syndromes(received, check)         # the same for every count
    for count in counts:
        block = _corrected(received, syndromes, sorted(least_sure_first[:count]), check, budget)
        if block is not None:
            return block
    return None


@lru_cache(maxsize=None)
def check_codewords(version: int, ec_level: str) -> int:
    """Check codewords per block: every block of a symbol has as many."""
    block = qrcode.base.rs_blocks(version, LEVELS[ec_level])[0]
    return block.total_count - block.data_count


@lru_cache(maxsize=None)
def _blocks(version: int, ec_level: str) -> list[np.ndarray]:
    """Each block's codewords (data, then check) as places in the interleaved sequence: the data
    codewords are dealt to the blocks in turn, the shorter blocks first, then the check codewords."""
    data_lengths = [block.data_count for block in qrcode.base.rs_blocks(version, LEVELS[ec_level])]
    check = check_codewords(version, ec_level)
    places: list[list[int]] = [[] for _ in data_lengths]
    place = 0
    for index in range(max(data_lengths)):
        for block, length in enumerate(data_lengths):
            if index < length:
                places[block].append(place)
                place += 1
    for _ in range(check):
        for block_places in places:
            block_places.append(place)
            place += 1
    return [np.array(block_places) for block_places in places]


# --- Reed-Solomon over GF(256) ------------------------------------------------------------------------

def _field_tables() -> tuple[list[int], list[int]]:
    """Powers of α (twice over, so that products need no modulo) and logarithms, polynomial 0x11d."""
    exp, log = [0] * 510, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = exp[power + 255] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    return exp, log


_EXP, _LOG = _field_tables()
_EXP_ARRAY, _LOG_ARRAY = np.array(_EXP), np.array(_LOG)


def _multiply(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def _divide(a: int, b: int) -> int:
    return 0 if a == 0 else _EXP[_LOG[a] + 255 - _LOG[b]]


def _evaluate(polynomial: list[int], x: int) -> int:
    """The value at x of a polynomial given lowest degree first."""
    value = 0
    for coefficient in reversed(polynomial):
        value = _multiply(value, x) ^ coefficient
    return value


def _times(one: list[int], other: list[int]) -> list[int]:
    """The product of two polynomials (lowest degree first), all coefficient products at once."""
    a, b = np.asarray(one, dtype=np.int64), np.asarray(other, dtype=np.int64)
    products = _EXP_ARRAY[_LOG_ARRAY[a][:, None] + _LOG_ARRAY[b][None, :]]
    products[(a == 0)[:, None] | (b == 0)[None, :]] = 0
    product = np.zeros(len(a) + len(b) - 1, dtype=np.int64)
    np.bitwise_xor.at(product, (np.arange(len(a))[:, None] + np.arange(len(b))[None, :]).ravel(), products.ravel())
    return product.tolist()


def _erasure_locator(powers: list[int]) -> list[int]:
    """The product of (1 + α^p·x) over the erasures' `powers`: one factor at a time, each a shift and add."""
    locator = [1]
    for power in powers:
        shifted = [0] + [_EXP[_LOG[c] + power] if c else 0 for c in locator]
        locator = [a ^ b for a, b in zip(locator + [0], shifted)]
    return locator


def _roots(locator: list[int], length: int) -> list[int]:
    """The places (0 first, the highest power) whose α^-(length-1-place) is a root of `locator`: every
    place tried at once (Chien search)."""
    coefficients = np.asarray(locator, dtype=np.int64)
    present = np.flatnonzero(coefficients)
    inverse_powers = (255 - (length - 1 - np.arange(length))) % 255
    terms = _EXP_ARRAY[(_LOG_ARRAY[coefficients[present]][None, :] + np.outer(inverse_powers, present)) % 255]
    return np.flatnonzero(np.bitwise_xor.reduce(terms, axis=1) == 0).tolist()


def _syndromes(received: Sequence[int], check: int) -> list[int]:
    """The received word (first codeword the highest power) at α^0 .. α^(check-1)."""
    word = np.asarray(received, dtype=np.int64)
    degrees = len(word) - 1 - np.arange(len(word))
    present = word != 0
    powers = _LOG_ARRAY[word[present]] + np.outer(np.arange(check), degrees[present])
    return np.bitwise_xor.reduce(_EXP_ARRAY[powers % 255], axis=1).tolist() if present.any() else [0] * check


def correct(received: Sequence[int], erasures: Sequence[int], check: int, margin: int = SAFETY_MARGIN) -> list[int] | None:
    """The codeword nearest to `received` (bytes, first the highest power; its last `check` are the
    check codewords), whose places `erasures` are unknown. None unless 2·errors + erasures ≤
    check − margin: the unused check codewords make a wrong correction of a badly damaged word unlikely."""
    budget = check - margin
    length = len(received)
    if (len(erasures) > budget or not 0 < check < length <= 255 or len(set(erasures)) != len(erasures)
            or not all(0 <= place < length for place in erasures) or not all(0 <= value <= 255 for value in received)):
        return None
    return _corrected(received, _syndromes(received, check), erasures, check, budget)


def _corrected(received: Sequence[int], syndromes: list[int], erasures: Sequence[int], check: int,
               budget: int) -> list[int] | None:
    """`correct` for a word already checked, whose syndromes are known."""
    if not any(syndromes):
        return list(received)
    length = len(received)
    erasure_locator = _erasure_locator([length - 1 - place for place in erasures])
    modified = _times(erasure_locator, syndromes)[:check]
    error_locator = _berlekamp_massey(modified[len(erasures):])
    errors = len(error_locator) - 1
    if 2 * errors + len(erasures) > budget:
        return None
    locator = _times(error_locator, erasure_locator)
    places = _roots(locator, length)
    if len(places) != len(locator) - 1:
        return None         # roots outside the block, or repeated: not a correctable word
    corrected = _forney(received, syndromes, locator, places, check)
    return corrected if not any(_syndromes(corrected, check)) else None


def _berlekamp_massey(sequence: list[int]) -> list[int]:
    """The shortest linear recurrence generating `sequence` (its connection polynomial, lowest degree
    first, trailing zeros dropped): the error locator of the syndromes the erasures were taken out of."""
    current, previous = [1], [1]
    length, shift, last_discrepancy = 0, 1, 1
    for n, value in enumerate(sequence):
        discrepancy = value
        for i in range(1, length + 1):
            if i < len(current):
                discrepancy ^= _multiply(current[i], sequence[n - i])
        if discrepancy == 0:
            shift += 1
            continue
        scale = _divide(discrepancy, last_discrepancy)
        update = current + [0] * max(0, len(previous) + shift - len(current))
        for i, coefficient in enumerate(previous):
            update[i + shift] ^= _multiply(scale, coefficient)
        if 2 * length <= n:
            previous, length, last_discrepancy, shift = current, n + 1 - length, discrepancy, 1
        else:
            shift += 1
        current = update
    while len(current) > 1 and current[-1] == 0:
        current.pop()
    return current if len(current) - 1 == length else [1] + [0] * length     # inconsistent: no roots will fit


def _forney(received: Sequence[int], syndromes: list[int], locator: list[int], places: list[int],
            check: int) -> list[int]:
    """`received` with the error value at each place subtracted: X·Ω(X⁻¹)/Λ'(X⁻¹) for the first root α^0."""
    evaluator = _times(syndromes, locator)[:check]
    derivative = [coefficient if power % 2 else 0 for power, coefficient in enumerate(locator)][1:]
    corrected = list(received)
    length = len(received)
    for place in places:
        power = length - 1 - place
        inverse = _EXP[255 - power]
        denominator = _evaluate(derivative, inverse)
        if denominator == 0:
            return corrected        # left uncorrected: the syndrome check refuses it
        corrected[place] ^= _multiply(_EXP[power], _divide(_evaluate(evaluator, inverse), denominator))
    return corrected


# --- data ---------------------------------------------------------------------------------------------

class _Bits:
    """The data codewords as a stream of bits, most significant first."""

    def __init__(self, data: bytes) -> None:
        self.bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
        self.at = 0

    def left(self) -> int:
        return len(self.bits) - self.at

    def take(self, count: int) -> int | None:
        if count > self.left():
            return None
        value = 0
        for bit in self.bits[self.at:self.at + count]:
            value = value << 1 | int(bit)
        self.at += count
        return value


def _text(data: bytes, version: int) -> str | None:
    """The text of the data codewords: numeric, alphanumeric and byte segments, ECI designators, up to
    the terminator or the end; None on anything a QR encoder would not write (or is not read here:
    Kanji, structured append, FNC1)."""
    bits = _Bits(data)
    parts: list[tuple[str | None, bytearray]] = []      # (character set, bytes): None means not declared
    charset: str | None = None
    while bits.left() >= 4:
        mode = bits.take(4)
        if mode == TERMINATOR:
            break
        if mode == ECI:
            designator = _eci_designator(bits)
            if designator not in ECI_CHARSETS:
                return None
            charset = ECI_CHARSETS[designator]
            continue
        segment = _segment(bits, mode, version)
        if segment is None:
            return None
        if parts and parts[-1][0] == charset:
            parts[-1][1].extend(segment)
        else:
            parts.append((charset, bytearray(segment)))
    texts = [_decoded(bytes(content), charset) for charset, content in parts]
    return None if None in texts else "".join(texts) or None


def _segment(bits: _Bits, mode: int | None, version: int) -> bytes | None:
    """One segment's content as bytes (digits and alphanumeric characters are ASCII)."""
    if mode not in (NUMERIC, ALPHANUMERIC, BYTE):
        return None
    size = 0 if version <= 9 else 1 if version <= 26 else 2
    count_bits = {NUMERIC: (10, 12, 14), ALPHANUMERIC: (9, 11, 13), BYTE: (8, 16, 16)}[mode][size]
    count = bits.take(count_bits)
    if count is None:
        return None
    if mode == NUMERIC:
        return _numeric(bits, count)
    if mode == ALPHANUMERIC:
        return _alphanumeric(bits, count)
    content = [bits.take(8) for _ in range(count)]
    return None if None in content else bytes(content)


def _numeric(bits: _Bits, count: int) -> bytes | None:
    """Digits in threes (10 bits), the last one or two in 4 or 7 bits."""
    digits = []
    for group in [3] * (count // 3) + ([count % 3] if count % 3 else []):
        value = bits.take({3: 10, 2: 7, 1: 4}[group])
        if value is None or value >= 10 ** group:
            return None
        digits.append(str(value).zfill(group))
    return "".join(digits).encode("ascii")


def _alphanumeric(bits: _Bits, count: int) -> bytes | None:
    """Characters in pairs (11 bits: 45·first + second), the last one alone in 6 bits."""
    characters = []
    for group in [2] * (count // 2) + ([1] if count % 2 else []):
        value = bits.take(11 if group == 2 else 6)
        if value is None or value >= 45 ** group:
            return None
        characters.append(ALPHANUMERIC_CHARACTERS[value // 45] + ALPHANUMERIC_CHARACTERS[value % 45]
                          if group == 2 else ALPHANUMERIC_CHARACTERS[value])
    return "".join(characters).encode("ascii")


def _eci_designator(bits: _Bits) -> int | None:
    """An ECI assignment number: 1, 2 or 3 bytes, told apart by the first byte's leading bits."""
    first = bits.take(8)
    if first is None:
        return None
    if first & 0x80 == 0:
        return first
    if first & 0xC0 == 0x80:
        rest = bits.take(8)
        return None if rest is None else (first & 0x3F) << 8 | rest
    if first & 0xE0 == 0xC0:
        rest = bits.take(16)
        return None if rest is None else (first & 0x1F) << 16 | rest
    return None


def _decoded(content: bytes, charset: str | None) -> str | None:
    """Bytes in their declared character set (None if they are not valid in it); undeclared, UTF-8
    where valid, else ISO-8859-1 (as zxing-cpp reads our codes)."""
    try:
        return content.decode(charset or "utf-8")
    except UnicodeDecodeError:
        return None if charset else content.decode("iso-8859-1")
