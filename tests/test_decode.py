"""Reading QR codes from pixels: plain frames, hard ones that need a second look, texts in any encoding."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp

from kiosk.decoding import Decoder
from kiosk.decoding.decoder import CAMERA_TURNS
from kiosk.frames.demo import code_picture
from tests.test_decode_erasures import HC1, SEVEN, framed, middle_band, washed_out
from tests.test_decode_finders import MIDDLE, SHORT

CCCD = "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021"
VNQR = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"


def frame_with(*pictures: np.ndarray, size=(720, 1280)) -> np.ndarray:
    """A grey-brown 720p scene with the pictures side by side near its middle, as BGR."""
    rng = np.random.default_rng(5)
    frame = np.clip(rng.normal(120, 12, size), 0, 255).astype(np.uint8)
    x = 200
    for picture in pictures:
        h, w = picture.shape
        frame[150:150 + h, x:x + w] = picture
        x += w + 80
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def test_a_code_in_a_camera_frame_is_read_with_where_it_is():
    picture = code_picture(CCCD, module_pixels=6)
    [decoded] = Decoder().decode(frame_with(picture))
    assert decoded.text == CCCD
    assert decoded.attempt == "zxing"
    xs, ys = zip(*decoded.corners)
    assert 200 <= min(xs) and max(xs) <= 200 + picture.shape[1]
    assert 150 <= min(ys) and max(ys) <= 150 + picture.shape[0]


def test_grayscale_frames_are_read_as_they_are():
    gray = cv2.cvtColor(frame_with(code_picture(VNQR, module_pixels=5)), cv2.COLOR_BGR2GRAY)
    assert [d.text for d in Decoder().decode(gray)] == [VNQR]


def test_an_empty_frame_reads_nothing():
    assert Decoder().decode(frame_with()) == []


def test_micro_qr_and_rmqr_symbols_are_not_read():
    """No credential is a Micro QR or an rMQR code, and a Micro QR M1 has no error correction: zxing-cpp
    reads such phantoms out of glare-washed codes, so the door must not take them for a visitor's code."""
    for kind in (zxingcpp.BarcodeFormat.MicroQRCode, zxingcpp.BarcodeFormat.RMQRCode):
        symbol = np.array(zxingcpp.create_barcode("398257", kind).to_image(scale=6, add_quiet_zones=True))
        assert [r.text for r in zxingcpp.read_barcodes(symbol)] == ["398257"]     # a readable symbol
        assert Decoder().decode(frame_with(symbol)) == []


def test_two_visitors_in_view_are_both_read_and_one_code_twice_is_read_once():
    both = Decoder().decode(frame_with(code_picture(CCCD, 5), code_picture(VNQR, 5)))
    assert sorted(d.text for d in both) == sorted([CCCD, VNQR])
    twice = Decoder().decode(frame_with(code_picture(VNQR, 5), code_picture(VNQR, 5)))
    assert [d.text for d in twice] == [VNQR]


@pytest.mark.parametrize("data, text", [
    ("Chào mừng quý khách".encode("utf-8"), "Chào mừng quý khách"),
    ("Café crème".encode("latin-1"), "Café crème"),            # not UTF-8: zxing-cpp's reading is kept
    ("テスト東京".encode("shift_jis"), "テスト東京"),
    (b"GS1\x1dseparated", "GS1\x1dseparated"),                    # control characters are not escaped
])
def test_texts_in_any_encoding_come_out_as_their_characters(data, text):
    [decoded] = Decoder().decode(code_picture(data, module_pixels=4))
    assert decoded.text == text


def test_a_grainy_print_is_read_by_the_half_size_look():
    rng = np.random.default_rng(0)
    picture = code_picture(CCCD, module_pixels=6).astype(int)
    grain = rng.integers(0, 256, picture.shape) - 128
    grainy = np.clip(picture + grain * 160 // 128, 0, 255).astype(np.uint8)
    assert Decoder(second_looks=False).decode(grainy) == []
    [decoded] = Decoder().decode(grainy)
    assert (decoded.text, decoded.attempt) == (CCCD, "half-size")


@pytest.mark.parametrize("bulge", [
    0.05,       # gently: a straight grid still fits its finder patterns
    0.1,        # strongly: no straight grid fits, so it is bent back strongly too
])
def test_a_printout_bent_in_the_hand_is_read_by_the_unbent_look(bulge):
    picture = cv2.copyMakeBorder(code_picture(VNQR, module_pixels=4), 40, 40, 40, 40,
                                 cv2.BORDER_CONSTANT, value=245)
    height, width = picture.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    sag = bulge * height * (1 - ((xs - width / 2) / (width / 2)) ** 2)
    bent = cv2.remap(picture, xs, ys - sag + sag.mean(), cv2.INTER_LINEAR, borderValue=245)
    assert Decoder(second_looks=False).decode(bent) == []
    [decoded] = Decoder().decode(bent)
    assert (decoded.text, decoded.attempt) == (VNQR, "unbent")


def inked_over_finder() -> np.ndarray:
    """A printout whose bottom-left finder pattern lost a corner of its ring to an ink blot: zxing-cpp
    needs three finder patterns and sees no symbol at all."""
    module = 5
    picture = code_picture(SHORT, module_pixels=module)
    bottom_left = picture.shape[0] - 4 * module - 7 * module
    cv2.circle(picture, (4 * module + 5 * module, bottom_left + 2 * module), int(2.2 * module), 245, -1)
    return frame_with(picture)


def test_a_printout_with_a_finder_pattern_inked_over_is_read_by_the_located_look_over_the_frame():
    frame = inked_over_finder()
    assert zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCode, return_errors=True) == []
    [decoded] = Decoder().decode(frame)
    assert (decoded.text, decoded.attempt) == (SHORT, "located")


def test_a_camera_looks_over_the_frame_where_a_visitor_has_come_into_view_and_not_at_the_settled_view():
    decoder = Decoder(one_look_per_frame=True)
    for _ in range(3):
        assert decoder.decode(frame_with()) == []
    assert [d.text for d in decoder.decode(inked_over_finder())] == [SHORT]       # something came into view
    still = Decoder(one_look_per_frame=True)
    assert not any(still.decode(inked_over_finder()) for _ in range(len(CAMERA_TURNS)))   # the view it started on


def test_a_light_on_dark_code_is_read():
    inverted = 255 - code_picture(VNQR, module_pixels=5)
    [decoded] = Decoder().decode(frame_with(inverted))
    assert decoded.text == VNQR


def small_light_on_dark_code() -> np.ndarray:
    """A dark-mode phone far away: light modules on dark, 2.4 px each, a little out of focus; too
    small for the half-size look."""
    picture = cv2.resize(code_picture(CCCD, module_pixels=4), None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    return frame_with(255 - cv2.GaussianBlur(picture, (0, 0), 0.5))


def test_a_small_dark_mode_code_is_read_by_the_inverted_look():
    frame = small_light_on_dark_code()
    assert Decoder(second_looks=False).decode(frame) == []
    [decoded] = Decoder().decode(frame)
    assert (decoded.text, decoded.attempt) == (CCCD, "inverted")


def test_a_camera_decoder_tries_one_look_per_frame_and_reads_the_code_within_a_round():
    decoder = Decoder(one_look_per_frame=True)
    frame = small_light_on_dark_code()
    readings = [decoder.decode(frame) for _ in range(3)]
    assert readings[:2] == [[], []]                   # the half-size look, twice: too coarse
    assert [d.text for d in readings[2]] == [CCCD]    # then the inverted one


def test_the_decoder_says_whether_a_frame_held_a_symbol():
    decoder = Decoder()
    decoder.decode(frame_with(code_picture(CCCD, module_pixels=6)))
    assert decoder.saw_symbol
    decoder.decode(frame_with())
    assert not decoder.saw_symbol


@pytest.mark.parametrize("text, module_pixels, rows", [(MIDDLE, 4, 4), (SEVEN, 4, 7), (HC1, 3, 10)])
def test_a_phone_code_a_glare_band_washes_out_is_read_with_the_clipped_modules_as_erasures(text, module_pixels, rows):
    frame, corners, version, _ = framed(text, module_pixels)
    glared = washed_out(frame, corners, version, *middle_band(version, rows))
    assert zxingcpp.read_barcodes(glared, formats=zxingcpp.BarcodeFormat.QRCodeModel2) == []
    assert Decoder(second_looks=False).decode(glared) == []
    [decoded] = Decoder().decode(glared)
    assert (decoded.text, decoded.attempt) == (text, "located")


def test_a_code_washed_out_beyond_its_error_correction_reads_nothing_rather_than_something_wrong():
    frame, corners, version, _ = framed(SEVEN)
    assert Decoder().decode(washed_out(frame, corners, version, *middle_band(version, 12))) == []
