import pytest

from kiosk.credentials.examples import AN, BINH, PEOPLE, cccd_payload

from kiosk.scanner_input import (
    SCANNER_INPUT_METHOD,
    SCANNER_LAYOUT,
    SCANNER_NO_VIETNAMESE,
    KeyKind,
    ScanBuffer,
    ScannerTiming,
    Step,
    Stroke,
    mangled_reason,
)

NATIONAL = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"
CCCD = "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Số 12 Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021"


ENTER, KEYPAD_ENTER, ESCAPE, BACKSPACE, KEY_A = 0x01000004, 0x01000005, 0x01000000, 0x01000003, 0x41


def char(c: str, at: float) -> Stroke:
    return Stroke(ord(c.upper()), KeyKind.CHAR, at, c)


def enter(at: float, key: int = ENTER) -> Stroke:
    return Stroke(key, KeyKind.END, at)


def type_keys(buffer: ScanBuffer, text: str, start: float, step: float = 0.004, now=None) -> Step:
    """Press `text` one character every `step` seconds (handled at once unless `now` says otherwise);
    returns everything the buffer asked for along the way."""
    done: Step = Step()
    for i, c in enumerate(text):
        at = start + i * step
        got = buffer.press(char(c, at), c, now(i) if now else at)
        done.replay += got.replay
        done.scans += got.scans
        assert not got.passes
    return done


def test_a_fast_burst_ended_by_enter_is_one_scan_and_reaches_no_widget() -> None:
    buffer = ScanBuffer()
    assert type_keys(buffer, NATIONAL, 10.0) == Step()  # all held
    step = buffer.press(enter(10.5), "enter", 10.5)
    assert step.scans == [NATIONAL] and step.replay == []
    assert not buffer.holding and buffer.burst == ""


def test_a_scanner_without_enter_is_finished_by_the_pause() -> None:
    buffer = ScanBuffer()
    type_keys(buffer, CCCD, 10.0)
    last = 10.0 + 0.004 * (len(CCCD) - 1)
    assert buffer.poll(last + 0.05) == Step()
    assert buffer.poll(last + 0.07).scans == []
    assert buffer.poll(last + 0.09).scans == []
    assert buffer.poll(last + 0.11).scans == []
    assert buffer.poll(last + 0.13).scans == []
    assert buffer.poll(last + 0.16).scans == [CCCD]
    assert buffer.poll(last + 0.2) == Step()


def test_a_new_burst_after_a_gap_settles_the_previous_scan() -> None:
    buffer = ScanBuffer()
    type_keys(buffer, NATIONAL, 10.0)
    step = buffer.press(char("0", 11.0), "0", 11.0)
    assert step.scans == [NATIONAL] and buffer.burst == "0"


def test_a_person_typing_gets_every_key_back_in_order() -> None:
    buffer = ScanBuffer()
    given = []
    at = 10.0
    for c in "NGUYEN":
        at += 0.12
        step = buffer.press(char(c, at), c, at)
        given += step.replay
        assert step.scans == []
    given += buffer.poll(at + 0.02).replay + buffer.poll(at + 0.04).replay + buffer.poll(at + 0.06).replay
    assert given == list("NGUYE")  # each key is handed back as the next one comes, the last one ...
    for moment in (0.08, 0.1, 0.12, 0.14, 0.16):
        given += buffer.poll(at + moment).replay
    assert given == list("NGUYEN")  # ... once it has waited `end_pause`
    assert buffer.press(enter(at + 1), "enter", at + 1).replay == ["enter"]


def test_a_short_fast_burst_is_typing() -> None:
    buffer = ScanBuffer(ScannerTiming(min_length=6))
    type_keys(buffer, "ok", 10.0)
    step = buffer.press(enter(10.008), "enter", 10.008)
    assert step.replay == ["o", "k", "enter"] and step.scans == []


def test_backspaces_from_an_input_method_rewrite_the_burst() -> None:
    buffer = ScanBuffer(ScannerTiming(min_length=3))
    type_keys(buffer, "HC1:AA", 10.0)
    buffer.press(Stroke(BACKSPACE, KeyKind.BACKSPACE, 10.021), "bs", 10.021)
    buffer.press(Stroke(BACKSPACE, KeyKind.BACKSPACE, 10.022), "bs", 10.022)
    buffer.press(char("Â", 10.023), "Â", 10.023)
    assert buffer.press(enter(10.025), "enter", 10.025).scans == ["HC1:Â"]


def test_a_stalled_thread_handling_a_burst_late_does_not_cut_it() -> None:
    buffer = ScanBuffer()
    # The keys come 4 ms apart; the thread handles the second half 300 ms late, in one lump.
    step = type_keys(buffer, NATIONAL, 10.0, now=lambda i: 10.0 + i * 0.004 + (0.3 if i >= 30 else 0))
    assert step == Step()
    assert buffer.press(enter(10.5), "enter", 10.8).scans == [NATIONAL]


def test_a_look_that_comes_late_settles_nothing_the_next_one_does() -> None:
    buffer = ScanBuffer()
    type_keys(buffer, NATIONAL[:30], 10.0)  # handled as typed; the last key at 10.116
    assert buffer.poll(10.45) == Step()  # the thread was busy: more keys may be queued
    buffer.press(char("9", 10.12), "9", 10.46)  # ... and one was
    assert buffer.poll(10.48) == Step()
    assert buffer.poll(10.7) == Step()  # late: busy again
    assert buffer.poll(10.9).scans == [NATIONAL[:30] + "9"]  # late right after a late look: a slow thread still settles


def test_escape_and_the_scanners_second_enter_are_swallowed_with_the_scan() -> None:
    buffer = ScanBuffer()
    type_keys(buffer, NATIONAL[:20], 10.0)
    buffer.press(Stroke(ESCAPE, KeyKind.OTHER, 10.08), "esc", 10.08)
    type_keys(buffer, NATIONAL[20:], 10.084)
    assert buffer.press(enter(10.5), "enter", 10.5).scans == [NATIONAL]
    assert buffer.release(ENTER, "enter up") == Step()
    assert buffer.press(enter(10.505, KEYPAD_ENTER), "kp enter", 10.505) == Step()  # within the tail
    assert buffer.release(KEYPAD_ENTER, "kp enter up") == Step()
    assert buffer.release(ESCAPE, "esc up") == Step()  # its press was the scan's
    # A guard's Enter well after the scan is the guard's.
    assert buffer.press(enter(11.5), "guard's enter", 11.5).replay == ["guard's enter"]
    assert buffer.release(ENTER, "guard's enter up").passes


def test_releases_follow_their_presses() -> None:
    buffer = ScanBuffer()
    buffer.press(char("a", 10.0), "a", 10.0)
    assert buffer.release(KEY_A, "a up") == Step()  # held behind its press
    step = buffer.press(char("b", 10.2), "b", 10.2)
    assert step.replay == ["a", "a up"]
    assert buffer.release(ord("X"), "x up").passes is False  # held behind "b"


def test_an_auto_repeated_key_is_never_a_scan() -> None:
    buffer = ScanBuffer()
    given = []
    for i in range(10):
        given += buffer.press(Stroke(KEY_A, KeyKind.TYPING, 10 + i * 0.03, "a"), i, 10 + i * 0.03).replay
    assert given == list(range(10))


@pytest.mark.parametrize("honest", [NATIONAL, CCCD, "https://example.vn/check-in?id=42", "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6"])
def test_honest_scans_pass(honest: str) -> None:
    assert mangled_reason(honest) is None


@pytest.mark.parametrize(
    "mangled",
    [
        # Telex: "OO" became "Ô" inside a Base45 payload.
        "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IÔ6",
        "MB1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IÔ6",  # a meeting badge is Base45 too
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


def no_vietnamese(text: str, replacement: str = "?") -> str:
    """What a scanner that cannot type Vietnamese makes of `text`: each such letter replaced, or left out."""
    return "".join(char if char.isascii() else replacement for char in text)


def chip_card(name: str, gender: str = "Nam", address: str = AN.address) -> str:
    return "|".join((AN.id_number, AN.old_id_number, name, "31011990", gender, address, "15042021"))


@pytest.mark.parametrize("honest", [
    *(cccd_payload(person) for person in PEOPLE),
    cccd_payload(AN, nfd=True),
    cccd_payload(BINH, extra_fields=2),
    "|".join(cccd_payload(AN).split("|")[:6]),  # a 6-field code without the issue date
    chip_card("Nguyen Van An", address="Phuong Lang Ha, Quan Dong Da, Ha Noi"),  # ASCII-only, as some are
    chip_card("H'Hen Niê", "Nữ", "Buôn Ko Siêr, Xã Ea Tu, TP Buôn Ma Thuột, Đắk Lắk"),
    chip_card("Ksor H'Bia", "Nữ", "Làng Plei Ơi, Xã Ia Grai, Huyện Ia Grai, Gia Lai"),
    chip_card("Rơ Mah Hơi"),
    chip_card("Y Ngông Niê Kdăm", address="KP 3, P. Tân Lợi, TX Buôn Hồ, Đắk Lắk"),
    chip_card("A Sang", address="Thôn Kon Klor, Xã Đăk Rơ Wa, TP Kon Tum"),
    chip_card("Lò Văn Mlô"),
])
def test_honest_chip_cards_pass(honest: str) -> None:
    assert mangled_reason(honest) is None


@pytest.mark.parametrize("damaged", [
    *(no_vietnamese(cccd_payload(person)) for person in PEOPLE),  # "Nguy?n V?n An"
    *(no_vietnamese(cccd_payload(person), "\ufffd") for person in PEOPLE),
    *(no_vietnamese(cccd_payload(person), "") for person in PEOPLE),  # "Nguyn Vn An", "Trn Th Bnh", "L c Cng"
    chip_card("Nguyen Van An", "N?"),  # only the gender shows it
    chip_card("Ksor H'Bia", "N"),
    chip_card("Nguyen An", address=no_vietnamese(AN.address, "")),  # "Phng Lng H": only the address
    chip_card("Nguyen An", address=no_vietnamese(AN.address)),
    "|".join(no_vietnamese(cccd_payload(AN), "").split("|")[:6]),
])
def test_a_scanner_that_cannot_type_vietnamese_is_named(damaged: str) -> None:
    assert mangled_reason(damaged) == SCANNER_NO_VIETNAMESE


def test_other_codes_with_question_marks_or_short_words_are_not_blamed_on_the_scanner() -> None:
    assert mangled_reason("https://example.vn/check-in?id=42&lang=vi") is None
    assert mangled_reason(NATIONAL) is None  # the national QR writes names without accents anyway
    assert mangled_reason("hello?|world|Vn") is None


def test_the_scanner_without_vietnamese_tells_the_guard_what_to_do_in_both_languages() -> None:
    assert "tiếng Việt" in SCANNER_NO_VIETNAMESE.vi and "camera" in SCANNER_NO_VIETNAMESE.vi
    assert "Vietnamese" in SCANNER_NO_VIETNAMESE.en and "manual" in SCANNER_NO_VIETNAMESE.en
    assert "camera" in SCANNER_NO_VIETNAMESE.en
