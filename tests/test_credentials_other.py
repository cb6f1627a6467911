"""Codes that are not personal codes are refused saying what they are, never as a bare "invalid code"."""

import pytest

from kiosk.credentials import Refusal, parse
from kiosk.credentials.examples import SAMPLE_PAYLOADS


def refused(text: str) -> Refusal:
    result = parse(text)
    assert isinstance(result, Refusal), result
    return result


def test_url_refusal_names_the_host():
    refusal = refused("https://shop.example.com/khuyen-mai?id=42")
    assert (refusal.format, refusal.reason.code) == ("url", "other.url")
    assert "shop.example.com" in refusal.reason.en and "shop.example.com" in refusal.reason.vi
    assert "not a personal code" in refusal.reason.en
    assert "không phải mã cá nhân" in refusal.reason.vi


def test_url_without_scheme_names_the_host():
    assert "www.example.vn" in refused("www.example.vn/gioi-thieu").reason.en


def test_place_check_in_link_is_called_a_place_code():
    refusal = refused("https://checkin.example.vn/dia-diem/HN-0001")
    assert (refusal.format, refusal.reason.code) == ("place-code", "other.place-code")
    assert "place check-in code" in refusal.reason.en
    assert "mã QR địa điểm" in refusal.reason.vi
    assert "checkin.example.vn" in refusal.reason.en


def test_foreign_venue_tracer_code_is_a_place_code():
    assert refused("NZCOVIDTRACER:eyJnbG4iOiJBQkMxMjMifQ==").format == "place-code"


def test_wifi_code_is_named_without_quoting_network_or_password():
    refusal = refused("WIFI:T:WPA;S:Nha An;P:matkhau123;;")
    assert (refusal.format, refusal.reason.code) == ("wifi", "other.wifi")
    assert "Wi-Fi" in refusal.reason.en and "Wi-Fi" in refusal.reason.vi
    assert "Nha An" not in refusal.reason.en + refusal.reason.vi
    assert "matkhau123" not in refusal.reason.en + refusal.reason.vi


def test_contact_card_is_named_without_quoting_it():
    refusal = refused("BEGIN:VCARD\nVERSION:3.0\nFN:Pham Minh Duc\nTEL:0900000000\nEND:VCARD")
    assert (refusal.format, refusal.reason.code) == ("vcard", "other.vcard")
    assert "Pham" not in refusal.reason.en + refusal.reason.vi


@pytest.mark.parametrize(
    ("text", "format", "code", "english"),
    [
        ("", "empty", "other.empty", "empty"),
        ("  \r\n", "empty", "other.empty", "empty"),
        ("Chào mừng quý khách", "text", "other.text", "plain text"),
        ("00020101021138570010A000000727", "payment", "other.payment", "payment"),
        ("7Kq2ZpX9vR4mT8wB3nY6", "ticket", "other.ticket", "another system"),
        ("M1NGUYEN/VAN AN       EABC123 HANSGNVN 0213 123Y012A0001 100", "ticket", "other.boarding-pass",
         "boarding pass"),
        ("001090012345", "number", "other.number", "12-digit number"),
        ("a|b|c", "unknown", "other.unknown-fields", "matches no personal code"),
        ("tel:0912345678", "phone", "other.phone", "phone number"),
        ("mailto:an@example.com", "email", "other.email", "email address"),
        ("BEGIN:VEVENT\nSUMMARY:Hop\nEND:VEVENT", "event", "other.event", "calendar event"),
        ("\x00\x01\x02\x03\x04garbage", "binary", "other.binary", "binary"),
        ("PK\x03\x04\ufffd\ufffd", "binary", "other.binary", "garbled"),
    ],
)
def test_each_kind_of_other_code_says_what_it_is(text, format, code, english):
    refusal = refused(text)
    assert (refusal.format, refusal.reason.code) == (format, code)
    assert english in refusal.reason.en
    assert refusal.reason.vi and "invalid" not in refusal.reason.en.lower()


def test_every_non_personal_sample_is_refused_as_its_stated_format():
    for sample in SAMPLE_PAYLOADS:
        if not sample.personal:
            assert refused(sample.text).format == sample.format, sample.label


def test_refusals_for_other_codes_tell_the_guard_what_to_ask_for():
    refusal = refused("https://example.com")
    assert "Ask for the personal QR code" in refusal.reason.en
    assert "mã QR cá nhân" in refusal.reason.vi
