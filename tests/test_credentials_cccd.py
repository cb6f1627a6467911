"""The chip citizen ID card (CCCD) QR: 7 fields (6 without the issue date) or more, names in NFC or NFD."""

import unicodedata
from datetime import date

import pytest

from kiosk.credentials.examples import AN, BINH, CUONG, cccd_payload, with_field
from kiosk.credentials.fields import Gender
from tests.test_credentials_support import parsed, refused

BRIEF_EXAMPLE = "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021"


def replaced(field: int, value: str, text: str = BRIEF_EXAMPLE) -> str:
    return with_field(text, field, value)


def test_brief_example_gives_the_card_number_as_key_and_a_masked_name():
    credential = parsed(BRIEF_EXAMPLE)
    assert credential.format == "cccd"
    assert credential.person_key == "cccd:001090012345"
    assert credential.display_name == "Nguyễn V. A."
    assert credential.fields["birth_date"] == date(1990, 1, 31)
    assert credential.fields["issue_date"] == date(2021, 4, 15)
    assert credential.fields["gender"] == Gender.MALE
    assert credential.fields["old_id_number"] == "012345678"
    assert credential.fields["address"] == "Phường Láng Hạ, Quận Đống Đa, Hà Nội"
    assert credential.notes == ()


def test_nfd_and_nfc_cards_give_identical_credentials():
    nfd = cccd_payload(BINH, nfd=True)
    assert nfd != cccd_payload(BINH)
    assert parsed(nfd) == parsed(cccd_payload(BINH))
    assert unicodedata.is_normalized("NFC", parsed(nfd).fields["name"])
    assert parsed(nfd).fields["gender"] == Gender.FEMALE


def test_card_without_old_id_number():
    assert parsed(cccd_payload(BINH)).fields["old_id_number"] is None


def test_new_card_with_nine_fields_is_accepted_and_keeps_the_extras_in_order():
    credential = parsed(cccd_payload(CUONG, extra_fields=2))
    assert credential.person_key == f"cccd:{CUONG.id_number}"
    assert credential.fields["extra"] == ("EXTRA1", "EXTRA2")
    assert credential.fields["issue_date"] == CUONG.issue_date


def test_gender_word_is_read_in_any_case():
    assert parsed(replaced(4, "NỮ")).fields["gender"] == Gender.FEMALE
    assert parsed(replaced(4, "nam")).fields["gender"] == Gender.MALE


def test_id_number_that_contradicts_birth_year_is_noted_for_the_policy():
    credential = parsed(replaced(0, "001099012345"))
    assert [note.code for note in credential.notes] == ["cccd.id-mismatch"]
    assert parsed(replaced(4, "Nữ")).notes[0].code == "cccd.id-mismatch"


@pytest.mark.parametrize(
    ("text", "code", "english"),
    [
        (replaced(3, "31021990"), "cccd.bad-birth-date", "no such day"),
        (replaced(3, "1990-01-31"), "cccd.bad-birth-date", "DDMMYYYY"),
        (replaced(3, "31012990"), "cccd.bad-birth-date", "future"),
        (replaced(3, "31011899"), "cccd.bad-birth-date", "before 1900"),
        (replaced(6, "15041980"), "cccd.bad-issue-date", "earlier than the birth date"),
        (replaced(6, "30022021"), "cccd.bad-issue-date", "no such day"),
        (replaced(0, "00109001234"), "cccd.bad-id-number", "it has 11"),
        (replaced(0, "00109001234X"), "cccd.bad-id-number", "other characters"),
        (replaced(1, "01234567"), "cccd.bad-old-id-number", "9 or 12 digits"),
        (replaced(2, ""), "cccd.missing-name", "name is missing"),
        (replaced(4, "M"), "cccd.bad-gender", "Nam or Nữ"),
        ("001090012345|012345678|Nguyễn Văn An|31011990|Nam", "cccd.too-few-fields", "only 5"),
        (BRIEF_EXAMPLE.replace("|", ";"), "cccd.wrong-separator", "semicolons"),
    ],
)
def test_malformed_card_names_the_wrong_field(text, code, english):
    refusal = refused(text)
    assert refusal.format == "cccd"
    assert refusal.reason.code == code
    assert english in refusal.reason.en
    assert "chip ID card" in refusal.reason.en and "thẻ căn cước" in refusal.reason.vi


def test_every_sample_person_round_trips():
    for person in (AN, BINH, CUONG):
        credential = parsed(cccd_payload(person))
        assert credential.fields["id_number"] == person.id_number
        assert credential.fields["name"] == person.full_name
        assert credential.fields["birth_date"] == person.birth_date
        assert credential.fields["address"] == person.address
        assert credential.notes == ()


def test_digits_of_other_scripts_are_not_read_as_a_date():
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "31011990")
    assert refused(replaced(3, arabic_indic)).reason.code == "cccd.bad-birth-date"


# --- codes in the wild: what may be absent, and what still is refused ------------------------------------

SIX_FIELDS = "|".join(BRIEF_EXAMPLE.split("|")[:6])


@pytest.mark.parametrize(
    "text",
    [SIX_FIELDS, SIX_FIELDS + "|", replaced(6, " ")],
    ids=["six fields", "empty last field", "blank issue date"],
)
def test_card_without_issue_date_is_the_same_person_with_no_issue_date(text):
    full, credential = parsed(BRIEF_EXAMPLE), parsed(text)
    assert credential.person_key == full.person_key == "cccd:001090012345"
    assert credential.display_name == full.display_name == "Nguyễn V. A."
    assert credential.fields["issue_date"] is None
    assert {k: v for k, v in credential.fields.items() if k != "issue_date"} == \
        {k: v for k, v in full.fields.items() if k != "issue_date"}
    assert credential.notes == ()


def test_card_without_old_id_number_and_issue_date():
    text = "|".join(cccd_payload(BINH).split("|")[:6])
    assert text.count("||") == 1
    credential = parsed(text)
    assert credential.person_key == f"cccd:{BINH.id_number}" and credential.display_name == "Trần T. B."
    assert credential.fields["old_id_number"] is None and credential.fields["issue_date"] is None


@pytest.mark.parametrize(("birth", "year"), [("1990", 1990), ("011990", 1990)])
def test_birth_registered_without_a_day_keeps_the_year_and_the_check_on_the_number(birth, year):
    credential = parsed(replaced(3, birth))
    assert credential.person_key == "cccd:001090012345" and credential.display_name == "Nguyễn V. A."
    assert credential.fields["birth_date"] is None and credential.fields["birth_year"] == year
    assert credential.fields["issue_date"] == date(2021, 4, 15)
    assert credential.notes == ()
    assert parsed(replaced(3, "1991")).notes[0].code == "cccd.id-mismatch"


def test_full_birth_date_also_gives_the_year():
    assert parsed(BRIEF_EXAMPLE).fields["birth_year"] == 1990


@pytest.mark.parametrize(
    ("text", "code", "english"),
    [
        ("|".join(BRIEF_EXAMPLE.split("|")[:5]), "cccd.too-few-fields", "only 5"),
        (replaced(3, "2990"), "cccd.bad-birth-date", "future"),
        (replaced(3, "131990"), "cccd.bad-birth-date", "no such day"),
        (replaced(3, "990"), "cccd.bad-birth-date", "DDMMYYYY"),
        (replaced(6, "1504"), "cccd.bad-issue-date", "DDMMYYYY"),
        (replaced(3, "1990", SIX_FIELDS + "|15041980"), "cccd.bad-issue-date", "earlier than the birth date"),
        # Six fields with the old ID number's place left out rather than the issue date: the order is not
        # the card's, and a name is never read as a number (nor a number as a name).
        ("001090012345|Nguyễn Văn An|31011990|Nam|Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021",
         "cccd.bad-old-id-number", "9 or 12 digits"),
    ],
)
def test_a_code_missing_what_the_door_needs_or_with_a_wrong_value_is_still_refused(text, code, english):
    refusal = refused(text)
    assert refusal.reason.code == code
    assert english in refusal.reason.en and "thẻ căn cước" in refusal.reason.vi
