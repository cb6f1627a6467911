"""Reading a QR symbol whose modules glare clips to white, with those modules as erasures: real codes
rendered into a 720p frame, a band washed out across them; and the Reed-Solomon decoder on its own."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import qrcode
import qrcode.base
import zxingcpp

from kiosk.decoding.erasures import (SAFETY_MARGIN, _blocks, _codewords, _corrected_block, _modules, _text, check_codewords,
                                     correct, read)
from kiosk.decoding.finders import FAINT, locate
from tests.test_decode_finders import LONG, MIDDLE, frame_with, kind, top_left_finder

NUMERIC = "001090012345"
DIGITS = "0123456789" * 12
ALPHANUMERIC = "VN-0042 TRAN THI MAI 1987"
SEVEN = "VN-CHECKIN|2024-05-17T08:30|Hội nghị Y tế Đống Đa|Phòng 302|Trần Thị Mai|0912345678|mai.tran@example.vn"
HC1 = "HC1:" + "6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N" * 8
TILT = (0.03, -0.02, -0.04, 0.03, 0.02, 0.04, -0.03, -0.02)


def framed(text: str, module_pixels: int = 4, turn: float = 11.0) -> tuple[np.ndarray, tuple, int, int]:
    """The code in a 720p frame, turned and tilted: the frame, its true corners, version and mask."""
    frame, corners = frame_with(text, module_pixels, turn, TILT, glare=False)
    version, mask = kind(text)
    return frame, tuple(map(tuple, corners)), version, mask


def washed_out(frame: np.ndarray, corners: tuple, version: int, first_row: int, last_row: int) -> np.ndarray:
    """The frame with the symbol's module rows `first_row` to `last_row` (and the quiet zone beside
    them) clipped white, as a reflection of a ceiling light on a phone screen."""
    dimension = 4 * version + 17
    unit = cv2.getPerspectiveTransform(np.float32([[0, 0], [dimension, 0], [dimension, dimension], [0, dimension]]),
                                       np.float32(corners))
    band = np.float32([[[-4, first_row], [dimension + 4, first_row], [dimension + 4, last_row], [-4, last_row]]])
    quad = cv2.perspectiveTransform(band, unit)[0]
    washed = frame.copy()
    cv2.fillConvexPoly(washed, np.round(quad * 16).astype(np.int32), 255, cv2.LINE_AA, 4)
    return washed


def middle_band(version: int, rows: int) -> tuple[int, int]:
    first = (4 * version + 17) // 2 - rows // 2
    return first, first + rows


def zxing_texts(frame: np.ndarray) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCodeModel2)]


def true_codewords(text: str) -> np.ndarray:
    """The symbol's codewords in placement order, as the `qrcode` package (code_picture) makes them."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text.encode())
    code.make(fit=True)
    return np.array(code.data_cache)


# --- whole symbols ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, module_pixels", [
    (NUMERIC, 5), (DIGITS, 4), (ALPHANUMERIC, 5), (MIDDLE, 4), (SEVEN, 4), (LONG, 3), (HC1, 3),
])
def test_a_clean_code_reads_as_zxing_cpp_reads_it(text, module_pixels):
    frame, corners, version, mask = framed(text, module_pixels)
    assert read(frame, corners, version, "M", mask) == text
    assert zxing_texts(frame) == [text]


def test_the_long_health_certificate_is_a_large_symbol():
    assert kind(HC1)[0] >= 10


@pytest.mark.parametrize("text, module_pixels, rows", [
    (MIDDLE, 4, 4), (SEVEN, 4, 7), (LONG, 3, 9), (HC1, 3, 10),
])
def test_a_band_of_glare_zxing_cpp_cannot_read_through_is_read(text, module_pixels, rows):
    frame, corners, version, mask = framed(text, module_pixels)
    glared = washed_out(frame, corners, version, *middle_band(version, rows))
    assert zxing_texts(glared) == []
    assert read(glared, corners, version, "M", mask) == text


def test_the_clipped_modules_as_errors_are_too_many_but_as_erasures_are_not():
    frame, corners, version, mask = framed(SEVEN)
    glared = washed_out(frame, corners, version, *middle_band(version, 7))
    codewords, sureness = _codewords(*_modules(glared, corners, version), version, mask)
    erased = sureness < FAINT
    truth = true_codewords(SEVEN)
    check = check_codewords(version, "M")
    beyond_errors = 0
    for places in _blocks(version, "M"):
        received, wrong = codewords[places].tolist(), codewords[places] != truth[places]
        assert not (wrong & ~erased[places]).any()                  # every damaged codeword is known
        assert erased[places].sum() <= check - SAFETY_MARGIN
        assert correct(received, np.flatnonzero(erased[places]).tolist(), check) == truth[places].tolist()
        if wrong.sum() > check // 2:
            beyond_errors += 1
            assert correct(received, [], check, margin=0) != truth[places].tolist()
    assert beyond_errors >= 1


@pytest.mark.parametrize("text, module_pixels, rows", [(MIDDLE, 4, 4), (SEVEN, 4, 7), (LONG, 3, 9)])
def test_a_glared_code_located_from_its_finders_reads(text, module_pixels, rows):
    frame, corners, version, mask = framed(text, module_pixels)
    glared = washed_out(frame, corners, version, *middle_band(version, rows))
    assert zxing_texts(glared) == []
    [best, *_] = locate(glared, top_left_finder(np.array(corners), version))
    assert read(glared, best.corners, best.version, best.ec_level, best.mask) == text


@pytest.mark.parametrize("rows", [12, 30])
def test_too_much_washed_out_gives_nothing(rows):
    frame, corners, version, mask = framed(SEVEN)
    glared = washed_out(frame, corners, version, *middle_band(version, rows))
    assert read(glared, corners, version, "M", mask) is None


@pytest.mark.parametrize("version_change, ec_level, mask_change", [
    (0, "M", 1), (0, "M", 4), (-1, "M", 0), (1, "M", 0), (0, "L", 0), (0, "Q", 0),
])
def test_a_wrong_mask_version_or_level_gives_nothing(version_change, ec_level, mask_change):
    frame, corners, version, mask = framed(SEVEN)
    assert read(frame, corners, version + version_change, ec_level, (mask + mask_change) % 8) is None


def test_a_glared_code_read_with_a_wrong_mask_gives_nothing():
    frame, corners, version, mask = framed(SEVEN)
    glared = washed_out(frame, corners, version, *middle_band(version, 7))
    assert all(read(glared, corners, version, "M", other) is None for other in range(8) if other != mask)


def test_noise_and_a_blank_frame_give_nothing():
    _, corners, version, mask = framed(SEVEN)
    noise = np.random.default_rng(5).integers(0, 256, (720, 1280)).astype(np.uint8)
    blank = np.full((720, 1280), 255, np.uint8)
    for frame in (noise, blank):
        assert all(read(frame, corners, version, level, other) is None for level in "LMQH" for other in range(8))


SQUARE = ((600.0, 300.0), (700.0, 300.0), (700.0, 400.0), (600.0, 400.0))


@pytest.mark.parametrize("gray, corners, version, ec_level, mask", [
    (np.zeros((0, 0), np.uint8), SQUARE, 2, "M", 0),
    (np.full((720, 1280, 3), 200, np.uint8), SQUARE, 2, "M", 0),
    (np.full((720, 1280), 200.0), SQUARE, 2, "M", 0),
    ("not a frame", SQUARE, 2, "M", 0),
    (np.full((720, 1280), 200, np.uint8), SQUARE[:3], 2, "M", 0),
    (np.full((720, 1280), 200, np.uint8), ((float("nan"), 0.0),) + SQUARE[1:], 2, "M", 0),
    (np.full((720, 1280), 200, np.uint8), ((0.0, 0.0, 1.0),) + SQUARE[1:], 2, "M", 0),
    (np.full((720, 1280), 200, np.uint8), ((0.0, 0.0),) * 4, 2, "M", 0),
    (np.full((720, 1280), 200, np.uint8), ((-900.0, -900.0), (-800.0, -900.0), (-800.0, -800.0), (-900.0, -800.0)),
     2, "M", 0),
    (np.full((720, 1280), 200, np.uint8), SQUARE, 0, "M", 0),
    (np.full((720, 1280), 200, np.uint8), SQUARE, 41, "M", 0),
    (np.full((720, 1280), 200, np.uint8), SQUARE, 2.0, "M", 0),
    (np.full((720, 1280), 200, np.uint8), SQUARE, 2, "X", 0),
    (np.full((720, 1280), 200, np.uint8), SQUARE, 2, "M", 8),
])
def test_odd_input_gives_nothing(gray, corners, version, ec_level, mask):
    assert read(gray, corners, version, ec_level, mask) is None


# --- the data bit stream ------------------------------------------------------------------------------

def bit_stream(*fields: tuple[int, int], total: int = 26) -> bytes:
    """(value, bits) fields, then zeros up to `total` bytes."""
    bits = "".join(format(value, f"0{width}b") for value, width in fields)
    bits = bits.ljust(8 * total, "0")
    return int(bits, 2).to_bytes(total, "big")


def byte_fields(content: bytes) -> list[tuple[int, int]]:
    return [(0b0100, 4), (len(content), 8)] + [(byte, 8) for byte in content]


def test_an_eci_26_segment_is_utf8_and_undeclared_bytes_not_utf8_are_latin1():
    viet = "Đống Đa".encode()
    assert _text(bit_stream((0b0111, 4), (26, 8), *byte_fields(viet)), 1) == "Đống Đa"
    assert _text(bit_stream(*byte_fields("Pérez".encode("iso-8859-1"))), 1) == "Pérez"


@pytest.mark.parametrize("stream", [
    bit_stream((0b0111, 4), (26, 8), *byte_fields(b"\xff\xfe")),        # declared UTF-8, not UTF-8
    bit_stream((0b0111, 4), (899, 8)),                                  # an ECI not read here
    bit_stream((0b1000, 4), (1, 8), (0x1AAA, 13)),                      # Kanji
    bit_stream((0b0001, 4), (3, 10), (1000, 10)),                       # three digits above 999
    bit_stream((0b0010, 4), (1, 9), (45, 6)),                           # no such character
    bit_stream((0b0100, 4), (200, 8)),                                  # more bytes than there are
    bit_stream((0b1111, 4)),                                            # no such mode
    bit_stream(),                                                       # nothing
])
def test_a_stream_no_encoder_writes_gives_nothing(stream):
    assert _text(stream, 1) is None


# --- Reed-Solomon -------------------------------------------------------------------------------------

def encoded(data: list[int], check: int) -> list[int]:
    """`data` and its check codewords, by the `qrcode` package's own arithmetic."""
    generator = qrcode.base.Polynomial([1], 0)
    for power in range(check):
        generator = generator * qrcode.base.Polynomial([1, qrcode.base.gexp(power)], 0)
    remainder = list(qrcode.base.Polynomial(data, len(generator) - 1) % generator)
    return data + [0] * (check - len(remainder)) + remainder


def damaged(rng: np.random.Generator, word: list[int], erasures: int, errors: int) -> tuple[list[int], list[int]]:
    """The word with `erasures + errors` codewords changed, and the places of the first `erasures`."""
    places = rng.choice(len(word), erasures + errors, replace=False)
    received = list(word)
    for place in places:
        received[place] ^= int(rng.integers(1, 256))
    return received, sorted(places[:erasures].tolist())


@pytest.mark.parametrize("length, check", [(26, 10), (44, 18), (58, 22), (153, 30)])
def test_errors_and_erasures_within_the_bound_are_corrected(length, check):
    rng = np.random.default_rng(length)
    budget = check - SAFETY_MARGIN
    for _ in range(60):
        word = encoded(rng.integers(0, 256, length - check).tolist(), check)
        erasures = int(rng.integers(0, budget + 1))
        errors = int(rng.integers(0, (budget - erasures) // 2 + 1))
        received, erased = damaged(rng, word, erasures, errors)
        assert correct(received, erased, check) == word


def test_an_undamaged_word_and_correct_guesses_at_erased_places_stand():
    word = encoded(list(range(30)), 16)
    assert correct(word, [], 16) == word
    assert correct(word, [0, 5, 44], 16) == word


@pytest.mark.parametrize("check", [10, 22])
def test_damage_inside_the_margin_is_refused(check):
    """Correctable in principle (2·errors + erasures ≤ check), but too close to the limit to trust."""
    rng = np.random.default_rng(check)
    for _ in range(60):
        word = encoded(rng.integers(0, 256, 40).tolist(), check)
        weight = int(rng.integers(check - SAFETY_MARGIN + 1, check + 1))
        errors = int(rng.integers(0, weight // 2 + 1))
        received, erased = damaged(rng, word, weight - 2 * errors, errors)
        assert correct(received, erased, check) is None


def test_damage_beyond_the_bound_never_gives_a_wrong_word():
    rng = np.random.default_rng(11)
    check = 18
    for _ in range(300):
        word = encoded(rng.integers(0, 256, 40).tolist(), check)
        erasures = int(rng.integers(0, check - SAFETY_MARGIN + 1))
        errors = int(rng.integers((check - erasures) // 2 + 1, 20))
        received, erased = damaged(rng, word, erasures, errors)
        assert correct(received, erased, check) is None


@pytest.mark.parametrize("received, erasures, check", [
    ([1, 2, 3], [], 3), ([1, 2, 3], [], 0), ([0] * 10, [3, 3], 4), ([0] * 10, [10], 4), ([0] * 10, [-1], 4),
    ([256] + [0] * 9, [], 4), ([0] * 10, list(range(5)), 6), ([0] * 300, [], 10),
])
def test_impossible_words_are_refused(received, erasures, check):
    assert correct(received, erasures, check) is None


# --- blocks: which codewords to erase ------------------------------------------------------------------

def faded(rng: np.random.Generator, word: list[int], wrong: np.ndarray,
          sureness_of_wrong: float) -> tuple[list[int], np.ndarray]:
    """The word with codewords `wrong` changed, and how sure each reads: the wrong ones
    `sureness_of_wrong` grey levels from their thresholds, the others clear."""
    received = list(word)
    for place in wrong:
        received[place] ^= int(rng.integers(1, 256))
    sureness = np.full(len(word), 60.0)
    sureness[wrong] = sureness_of_wrong
    return received, sureness


def test_codewords_glare_only_faded_are_erased_least_sure_first():
    """Nine wrong codewords are beyond what check codewords correct as errors (16 check: 7 with the
    margin), but they are the least sure of their block, just above FAINT: erased, they are corrected."""
    rng = np.random.default_rng(3)
    word = encoded(rng.integers(0, 256, 27).tolist(), 16)
    wrong = rng.choice(len(word), 9, replace=False)
    received, sureness = faded(rng, word, wrong, FAINT + 2)
    assert correct(received, [], 16) is None
    assert _corrected_block(received, sureness, 16, SAFETY_MARGIN) == word
    received, sureness = faded(rng, word, wrong, 200.0)         # the same damage read with confidence
    assert _corrected_block(received, sureness, 16, SAFETY_MARGIN) is None


def test_more_unsure_codewords_than_the_check_codewords_allow_are_erased_only_as_many_as_they_allow():
    """Glare over a third of a block leaves 20 codewords unsure, more than 14 erasures allow, but only
    six of them wrong and those the least sure: the 14 least sure are erased."""
    rng = np.random.default_rng(4)
    word = encoded(rng.integers(0, 256, 27).tolist(), 16)
    wrong = rng.choice(len(word), 6, replace=False)
    received, sureness = faded(rng, word, wrong, 0.0)
    right = np.setdiff1d(np.arange(len(word)), wrong)
    sureness[rng.choice(right, 14, replace=False)] = FAINT - 1
    assert _corrected_block(received, sureness, 16, SAFETY_MARGIN) == word


def test_a_block_damaged_beyond_its_check_codewords_never_corrects_to_a_wrong_word():
    rng = np.random.default_rng(12)
    for _ in range(200):
        word = encoded(rng.integers(0, 256, 27).tolist(), 16)
        wrong = rng.choice(len(word), int(rng.integers(15, 30)), replace=False)
        received, _ = faded(rng, word, wrong, 0.0)
        sureness = rng.uniform(0, 80, len(word))
        assert _corrected_block(received, sureness, 16, SAFETY_MARGIN) in (None, word)
