import pytest

from kiosk.scanner_input import (
    SCANNER_INPUT_METHOD,
    SCANNER_LAYOUT,
    ScanBuffer,
    ScannerTiming,
    mangled_reason,
)

NATIONAL = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"
CCCD = "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Số 12 Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021"


def type_burst(buffer: ScanBuffer, text: str, start: float, step: float = 0.004) -> float:
    """Feed `text` one character every `step` seconds; returns the time of the last keystroke."""
    at = start
    for i, char in enumerate(text):
        at = start + i * step
        assert buffer.key(char, at) is None
    return at


def test_a_fast_burst_ended_by_enter_is_one_scan() -> None:
    buffer = ScanBuffer()
    last = type_burst(buffer, NATIONAL, 10.0)
    assert buffer.end(last + 0.005) == NATIONAL
    assert buffer.burst == ""


def test_a_scanner_without_enter_is_finished_by_the_pause() -> None:
    buffer = ScanBuffer()
    last = type_burst(buffer, CCCD, 10.0)
    assert buffer.poll(last + 0.05) is None
    assert buffer.poll(last + 0.2) == CCCD
    assert buffer.poll(last + 0.4) is None


def test_a_new_burst_after_a_pause_hands_back_the_previous_scan() -> None:
    buffer = ScanBuffer()
    last = type_burst(buffer, NATIONAL, 10.0)
    assert buffer.key("0", last + 0.5) == NATIONAL
    assert buffer.burst == "0"


def test_a_person_typing_is_never_a_scan() -> None:
    buffer = ScanBuffer()
    at = 10.0
    for char in "NGUYEN VAN AN":
        at += 0.12
        buffer.key(char, at)
    assert buffer.end(at + 0.1) is None
    assert buffer.poll(at + 1.0) is None


def test_a_short_fast_burst_is_not_a_scan() -> None:
    buffer = ScanBuffer(ScannerTiming(min_length=6))
    last = type_burst(buffer, "ok", 10.0)
    assert buffer.end(last + 0.004) is None


def test_backspaces_from_an_input_method_rewrite_the_burst() -> None:
    buffer = ScanBuffer(ScannerTiming(min_length=3))
    last = type_burst(buffer, "HC1:AA", 10.0)
    buffer.backspace(last + 0.002)
    buffer.backspace(last + 0.003)
    buffer.key("Â", last + 0.004)
    assert buffer.end(last + 0.006) == "HC1:Â"


@pytest.mark.parametrize("honest", [NATIONAL, CCCD, "https://example.vn/check-in?id=42", "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6"])
def test_honest_scans_pass(honest: str) -> None:
    assert mangled_reason(honest) is None


@pytest.mark.parametrize(
    "mangled",
    [
        # Telex: "OO" became "Ô" inside a Base45 payload.
        "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IÔ6",
        # Telex: "ee" became "ê" inside the hex-encoded name of a BHYT card.
        "HS4010000000001|4e677579ê1bb856e|31/01/1990|1|$",
        # VNI: "e1" became "é" (the digit was eaten as a tone key).
        "HS4010000000001|4e677579ébb856e|31/01/1990|1|$",
        # An accented capital where the grammar allows only digits.
        "0010990123Â5|NGUYEN VAN AN|1990-01-31|0|162900000000000001|",
    ],
)
def test_input_method_damage_is_named(mangled: str) -> None:
    assert mangled_reason(mangled) == SCANNER_INPUT_METHOD


def test_an_azerty_layout_is_named() -> None:
    azerty = str.maketrans("1234567890", "&é\"'(-è_çà")
    assert mangled_reason(NATIONAL.translate(azerty)) == SCANNER_LAYOUT


def test_the_reasons_tell_the_guard_what_to_do_in_both_languages() -> None:
    assert "Telex" in SCANNER_INPUT_METHOD.vi and "switch it off" in SCANNER_INPUT_METHOD.en
    assert "US" in SCANNER_LAYOUT.vi and "US" in SCANNER_LAYOUT.en
