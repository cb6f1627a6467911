"""The health-insurance (BHYT) card QR: both card-code layouts, hex UTF-8 names, the `$` terminator."""

from datetime import date, datetime, timezone

import pytest

from kiosk.credentials import ParseContext
from kiosk.credentials.examples import AN, BINH, bhyt_payload, with_field
from kiosk.credentials.fields import Gender
from tests.test_credentials_support import parsed, refused

OLD = bhyt_payload(AN, layout="old")
NEW = bhyt_payload(AN, layout="new")


def replaced(field: int, value: str, text: str = OLD) -> str:
    return with_field(text, field, value)


def test_old_card_decodes_hex_name_and_address():
    credential = parsed(OLD)
    assert credential.format == "bhyt"
    assert credential.fields["layout"] == "old"
    assert credential.fields["insurance_number"] == "HS4010123456789"
    assert credential.fields["name"] == "Nguyễn Văn An"
    assert credential.display_name == "Nguyễn V. A."
    assert credential.fields["address"] == AN.address
    assert credential.fields["birth_date"] == date(1990, 1, 31)
    assert credential.fields["gender"] == Gender.MALE
    assert credential.fields["valid_until"] == date(2030, 12, 31)


def test_both_layouts_of_one_person_share_the_person_key():
    old, new = parsed(OLD), parsed(NEW)
    assert new.fields["layout"] == "new"
    assert new.fields["insurance_number"] == "0123456789"
    assert old.person_key == new.person_key == "bhyt:0123456789"


def test_card_with_only_a_birth_year():
    credential = parsed(replaced(2, "1990"))
    assert credential.fields["birth_date"] is None
    assert credential.fields["birth_year"] == 1990


def test_expired_card_is_read_and_noted_for_the_policy():
    later = ParseContext(now=datetime(2031, 1, 2, tzinfo=timezone.utc))
    assert [note.code for note in parsed(OLD, later).notes] == ["bhyt.expired"]
    assert parsed(OLD).notes == ()


def test_open_ended_card_has_no_expiry():
    assert parsed(replaced(7, "-")).fields["valid_until"] is None


def test_female_card():
    assert parsed(bhyt_payload(BINH, layout="new")).fields["gender"] == Gender.FEMALE


@pytest.mark.parametrize(
    ("text", "code", "english"),
    [
        (replaced(1, "4e677579e1bb856e2056c4836e20416"), "bhyt.bad-name", "not valid hexadecimal"),
        (replaced(1, "Nguyen Van An"), "bhyt.bad-name", "not valid hexadecimal"),
        (replaced(1, "ff00ff"), "bhyt.bad-name", "does not decode to UTF-8"),
        (replaced(1, "4e677579e1bb856e20aa".replace("aa", "â")), "bhyt.bad-name", "input method"),
        (replaced(1, "4e677579e1bb856e2056c4836e20416e".replace("e1", "é")), "bhyt.bad-name", "input method"),
        (replaced(1, ""), "bhyt.missing-name", "is missing"),
        (replaced(4, "zz"), "bhyt.bad-address", "not valid hexadecimal"),
        (replaced(0, "HS401012345678"), "bhyt.bad-card-code", "neither a 15-character"),
        (replaced(2, "31/02/1990"), "bhyt.bad-birth-date", "no such day"),
        (replaced(2, "1990-01-31"), "bhyt.bad-birth-date", "dd/MM/yyyy"),
        (replaced(3, "3"), "bhyt.bad-gender", "1 (male) or 2 (female)"),
        (replaced(7, "31/13/2030"), "bhyt.bad-valid-until", "no such day"),
        (OLD[:-1], "bhyt.missing-terminator", "closing $ is missing"),
        ("HS4010123456789|4e677579|$", "bhyt.too-few-fields", "only 2"),
        (OLD.replace("|", ";"), "bhyt.wrong-separator", "semicolons"),
    ],
)
def test_malformed_card_names_the_wrong_field(text, code, english):
    refusal = refused(text)
    assert refusal.format == "bhyt"
    assert refusal.reason.code == code
    assert english in refusal.reason.en
    assert "health-insurance card" in refusal.reason.en and "bảo hiểm y tế" in refusal.reason.vi


def test_bad_hex_refusal_names_the_name_field_in_both_languages():
    refusal = refused(replaced(1, "4e67757g"))
    assert "name (hexadecimal)" in refusal.reason.en
    assert "họ tên" in refusal.reason.vi


# --- codes in the wild: one-digit days and months, parts left out ------------------------------------------

def test_one_digit_days_and_months_are_read_as_the_same_dates():
    text = with_field(with_field(with_field(OLD, 2, "31/1/1990"), 6, "1/1/2021"), 8, "1/01/2021")
    credential, padded = parsed(text), parsed(OLD)
    assert credential.person_key == padded.person_key == "bhyt:0123456789"
    assert credential.display_name == padded.display_name == "Nguyễn V. A."
    assert credential.fields == padded.fields


def test_card_that_ends_after_the_address_has_no_dates():
    text = "|".join(OLD.split("|")[:5]) + "|$"
    credential = parsed(text)
    assert credential.person_key == "bhyt:0123456789" and credential.display_name == "Nguyễn V. A."
    assert credential.fields["valid_until"] is None and credential.fields["registered_facility"] is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (replaced(2, "31/2/1990"), "bhyt.bad-birth-date"),
        (replaced(2, "1/1/90"), "bhyt.bad-birth-date"),
        (replaced(7, "311/12/2030"), "bhyt.bad-valid-until"),
    ],
)
def test_dates_that_are_not_dates_are_still_refused(text, code):
    assert refused(text).reason.code == code
