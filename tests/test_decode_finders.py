"""Where a glare-washed QR symbol is and what it is, from its finder patterns: real codes, rendered, turned,
tilted and crossed by a band clipped white, in a 720p frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import qrcode
import zxingcpp

from kiosk.decoding.finders import locate
from kiosk.frames.demo import code_picture

SHORT = "VN-0042|Tran Thi Mai|1987"
MIDDLE = "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Phường Láng Hạ, Quận Đống Đa"
LONG = "HC1:" + "6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N" * 5


def kind(text: str) -> tuple[int, int]:
    """The version and mask the `qrcode` package gives the text (as code_picture draws it)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text.encode())
    code.make(fit=True)
    return code.version, code.best_mask_pattern()


def frame_with(text: str, module_pixels: int, turn: float, tilt: tuple[float, ...],
               centre=(640.0, 360.0), glare: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A grey 1280x720 frame with the code turned by `turn` degrees and its corners moved by `tilt`
    (fractions of its side), a band clipped white across its middle rows; and the true corners of its
    module area (4 modules inside the rendered picture)."""
    picture = code_picture(text, module_pixels=module_pixels)
    side = picture.shape[0]
    if glare:
        picture[int(0.4 * side):int(0.6 * side)] = 255
    rng = np.random.default_rng(7)
    frame = np.clip(rng.normal(110, 4, (720, 1280)), 0, 255).astype(np.uint8)
    square = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])
    angle = np.deg2rad(turn)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    quad = ((square + np.reshape(tilt, (4, 2))) * side) @ rotation.T + centre
    warp = cv2.getPerspectiveTransform(np.float32([[0, 0], [side, 0], [side, side], [0, side]]), np.float32(quad))
    cv2.warpPerspective(picture, warp, (1280, 720), dst=frame, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_TRANSPARENT)
    frame = cv2.GaussianBlur(frame, (0, 0), 0.6)
    start, end = 4 * module_pixels - 0.5, side - 4 * module_pixels - 0.5     # pixel centres at whole numbers
    area = np.float32([[[start, start], [end, start], [end, end], [start, end]]])
    return frame, cv2.perspectiveTransform(area, warp)[0]


def top_left_finder(corners: np.ndarray, version: int) -> tuple[tuple[float, float], ...]:
    """zxing-cpp's commonest evidence on a washed-out code: a Micro QR phantom (11 modules) on the
    symbol's top-left finder pattern."""
    return phantom(corners, version, (0, 0), 11)


def phantom(corners: np.ndarray, version: int, at: tuple[int, int], side: int) -> tuple[tuple[float, float], ...]:
    """A square phantom of `side` modules whose top-left is module `at` of the symbol."""
    dimension = 4 * version + 17
    unit = cv2.getPerspectiveTransform(np.float32([[0, 0], [dimension, 0], [dimension, dimension], [0, dimension]]),
                                       np.float32(corners))
    (x, y), s = at, side
    square = cv2.perspectiveTransform(np.float32([[[x, y], [x + s, y], [x + s, y + s], [x, y + s]]]), unit)[0]
    return tuple((float(x), float(y)) for x, y in square)


def off_by(guess_corners, corners: np.ndarray, version: int) -> float:
    """The farthest corner's distance from the truth, in modules."""
    module = float(np.linalg.norm(corners[1] - corners[0])) / (4 * version + 17)
    return float(np.linalg.norm(np.array(guess_corners) - corners, axis=1).max()) / module


@pytest.mark.parametrize("text, module_pixels, turn, tilt", [
    (SHORT, 5, 0.0, (0,) * 8),
    (SHORT, 4, -17.0, (0.05, -0.03, -0.06, 0.02, 0.04, 0.07, -0.03, -0.05)),
    (MIDDLE, 4, 23.0, (-0.08, 0.04, 0.06, 0.05, -0.02, -0.07, 0.07, 0.03)),
    (LONG, 3, 8.0, (0.03, 0.08, -0.04, 0.02, -0.08, -0.05, 0.06, -0.06)),
    (MIDDLE, 4, 160.0, (0.03, -0.02, 0.05, 0.04, -0.04, 0.02, 0.06, -0.03)),     # a phone held upside down
])
def test_a_code_washed_out_across_its_middle_is_located_from_a_phantom_on_its_finder(text, module_pixels, turn, tilt):
    frame, corners = frame_with(text, module_pixels, turn, tilt)
    version, mask = kind(text)
    assert zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCodeModel2) == []   # glare wins
    [best, *_] = locate(frame, top_left_finder(corners, version))
    assert (best.version, best.ec_level, best.mask) == (version, "M", mask)
    assert off_by(best.corners, corners, version) <= 1.0


def motion_blurred(frame: np.ndarray, length: int) -> np.ndarray:
    """The frame smeared `length` pixels sideways, as a code moved into view is."""
    kernel = np.full((1, length), 1 / length, dtype=np.float32)
    return cv2.filter2D(frame, -1, kernel)


@pytest.mark.parametrize("module_pixels, smear", [(3, 5), (4, 7)])
def test_a_small_code_blurred_by_motion_is_located_though_its_finders_light_rings_fade(module_pixels, smear):
    frame, corners = frame_with(MIDDLE, module_pixels, 12.0, (0,) * 8, glare=False)
    version, mask = kind(MIDDLE)
    guesses = locate(motion_blurred(frame, smear), top_left_finder(corners, version))
    assert guesses
    assert (guesses[0].version, guesses[0].ec_level, guesses[0].mask) == (version, "M", mask)
    assert off_by(guesses[0].corners, corners, version) < 0.5


def test_versions_from_7_on_are_told_apart_by_their_version_information():
    """From version 7 the finders' distance alone is ambiguous by a version or two."""
    frame, corners = frame_with(LONG, 4, -5.0, (0.02, -0.04, 0.03, 0.05, -0.05, 0.02, 0.04, -0.03))
    version, mask = kind(LONG)
    assert version >= 7
    guesses = locate(frame, top_left_finder(corners, version))
    assert [(guess.version, guess.mask) for guess in guesses][:1] == [(version, mask)]


def test_the_mask_is_numbered_as_zxing_cpp_numbers_it():
    """The erasure decoder takes the mask as the QR standard (and zxing-cpp) numbers it."""
    for text in (SHORT, MIDDLE, LONG):
        frame, corners = frame_with(text, 4, 0.0, (0,) * 8, glare=False)
        [read] = zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCodeModel2)
        [best, *_] = locate(frame, top_left_finder(corners, kind(text)[0]))
        assert best.mask == read.extra["DataMask"] == kind(text)[1]
        assert best.version == int(read.extra["Version"])
        assert off_by(best.corners, corners, best.version) <= 0.5


def test_zxing_cpps_own_corners_of_the_failed_symbol_serve_as_evidence_too():
    frame, corners = frame_with(MIDDLE, 5, 12.0, (0.03, 0.0, -0.02, 0.04, 0.0, -0.03, 0.05, 0.02))
    [best, *_] = locate(frame, tuple(map(tuple, corners)))
    assert best.version == kind(MIDDLE)[0]
    assert off_by(best.corners, corners, best.version) <= 1.0


def test_a_phantom_on_the_bottom_left_finder_leads_to_the_symbol_too():
    frame, corners = frame_with(LONG, 3, 14.0, (0.02, 0.03, -0.04, 0.01, 0.03, -0.02, -0.01, 0.04))
    version, mask = kind(LONG)
    dimension = 4 * version + 17
    [best, *_] = locate(frame, phantom(corners, version, (0, dimension - 17), 17))
    assert (best.version, best.mask) == (version, mask)
    assert off_by(best.corners, corners, version) <= 1.0


def test_a_frame_without_a_code_gives_nothing():
    frame, _ = frame_with(SHORT, 5, 0.0, (0,) * 8)
    empty = np.clip(np.random.default_rng(3).normal(110, 4, frame.shape), 0, 255).astype(np.uint8)
    cv2.rectangle(empty, (500, 250), (700, 450), 30, 3)          # an edge or two, like a notice on a wall
    assert locate(empty, ((560.0, 300.0), (640.0, 300.0), (640.0, 380.0), (560.0, 380.0))) == []


def test_without_evidence_a_symbol_is_looked_for_over_the_whole_frame():
    frame, corners = frame_with(MIDDLE, 4, 31.0, (0.02, -0.03, 0.04, 0.01, -0.02, 0.03, 0.01, -0.04),
                                centre=(1000.0, 450.0), glare=False)
    version, mask = kind(MIDDLE)
    [best, *_] = locate(frame, None)
    assert (best.version, best.mask) == (version, mask)
    assert off_by(best.corners, corners, version) <= 1.0


def test_a_frame_of_print_and_edges_without_a_code_gives_nothing_when_looked_over_whole():
    frame = np.clip(np.random.default_rng(3).normal(110, 4, (720, 1280)), 0, 255).astype(np.uint8)
    for top in range(100, 600, 24):                     # a notice's lines of text, and its frame
        cv2.line(frame, (300, top), (900, top), 40, 5)
    cv2.rectangle(frame, (260, 70), (940, 630), 30, 3)
    cv2.rectangle(frame, (1000, 200), (1100, 300), 30, 12)      # a square sign, a dark ring and nothing in it
    assert locate(frame, None) == []


@pytest.mark.parametrize("gray, near", [
    (np.zeros((0, 0), np.uint8), ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))),
    (np.full((8, 8), 200, np.uint8), ((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0))),
    (np.full((720, 1280), 200, np.uint8), ()),
    (np.full((720, 1280), 200, np.uint8), ((1275.0, 715.0), (1300.0, 715.0), (1300.0, 740.0), (1275.0, 740.0))),
    (np.full((720, 1280), 200, np.uint8), ((-90.0, -90.0), (-50.0, -90.0), (-50.0, -50.0), (-90.0, -50.0))),
    (np.full((720, 1280), 200, np.uint8), ((float("nan"), 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))),
    (np.full((720, 1280, 3), 200, np.uint8), ((600.0, 300.0), (640.0, 300.0), (640.0, 340.0), (600.0, 340.0))),
    (np.full((720, 1280), 200.0), ((600.0, 300.0), (640.0, 300.0), (640.0, 340.0), (600.0, 340.0))),
])
def test_evidence_at_the_frames_edge_or_outside_it_or_no_grayscale_frame_gives_nothing(gray, near):
    assert locate(gray, near) == []


def test_a_code_at_the_frames_edge_is_located_with_what_is_inside():
    frame, corners = frame_with(SHORT, 5, 0.0, (0,) * 8, centre=(110.0, 110.0))
    version, mask = kind(SHORT)
    [best, *_] = locate(frame, top_left_finder(corners, version))
    assert (best.version, best.mask) == (version, mask)
