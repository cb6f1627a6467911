"""The national personal QR code (v1.1), as shown by VNeID / PC-Covid, masked and unmasked."""

from datetime import date

import pytest

from kiosk.credentials.examples import AN, BINH, CUONG, vnqr_payload, with_field
from kiosk.credentials.fields import Gender
from tests.test_credentials_support import parsed, refused

BRIEF_EXAMPLE = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"


def replaced(field: int, value: str, text: str = BRIEF_EXAMPLE) -> str:
    return with_field(text, field, value)


def test_brief_example_gives_person_keyed_by_qid_with_masked_name():
    credential = parsed(BRIEF_EXAMPLE)
    assert credential.format == "vn-qr"
    assert credential.person_key == "qid:162900000000000001"
    assert credential.display_name == "NGUYEN V. A."
    assert credential.fields["birth_date"] == date(1990, 1, 31)
    assert credential.fields["gender"] == Gender.MALE
    assert credential.fields["insurance_number"] == "HS4010000000001"
    assert credential.fields["phone"] == "0912345678"
    assert credential.fields["declared_by_other"] is False
    assert credential.notes == ()


def test_masked_code_is_the_same_person_and_says_what_is_masked():
    plain = parsed(vnqr_payload(BINH))
    masked = parsed(vnqr_payload(BINH, masked=True))
    assert masked.person_key == plain.person_key
    assert masked.display_name == plain.display_name
    assert masked.fields["id_number_masked"] is True
    assert masked.fields["birth_date"] is None
    assert masked.fields["birth_year"] == 1985
    assert {note.code for note in masked.notes} == {"vnqr.id-masked", "vnqr.birth-date-masked"}
    assert "masked" in masked.notes[0].en and "che" in masked.notes[0].vi


def test_code_declared_by_someone_else_names_the_declarer():
    credential = parsed(vnqr_payload(CUONG, declarer=BINH))
    assert credential.fields["declared_by_other"] is True
    assert credential.fields["declarer_qid"] == BINH.qid
    assert [note.code for note in credential.notes] == ["vnqr.declared-by-other"]


def test_scanner_line_ending_and_spaces_are_ignored():
    assert parsed(f"  {BRIEF_EXAMPLE}\r\n") == parsed(BRIEF_EXAMPLE)


def test_empty_ext_is_accepted_with_unknown_gender():
    credential = parsed("001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|")
    assert credential.fields["gender"] == Gender.UNKNOWN
    assert credential.fields["phone"] is None


@pytest.mark.parametrize(
    ("text", "code", "english"),
    [
        (replaced(2, "1990-02-31"), "vnqr.bad-birth-date", "no such day"),
        (replaced(2, "2990-01-31"), "vnqr.bad-birth-date", "future"),
        (replaced(2, "1850-01-31"), "vnqr.bad-birth-date", "before 1900"),
        (replaced(2, "31/01/1990"), "vnqr.bad-birth-date", "YYYY-MM-DD"),
        (replaced(4, ""), "vnqr.missing-qid", "QID is missing"),
        (replaced(4, "16290000000000000A"), "vnqr.bad-qid", "digits"),
        (replaced(3, "2"), "vnqr.bad-declaration-type", "0 (self) or 1"),
        (replaced(0, "00109901234"), "vnqr.bad-id-number", "12 digits"),
        (replaced(1, "NGUYEN VAN 4N"), "vnqr.bad-name", "digits"),
        (replaced(5, "<7<HS4010000000001<0912345678"), "vnqr.bad-gender", "0, 1 or 2"),
        (replaced(5, "<1<HS40<0912345678"), "vnqr.bad-insurance-number", "15-character"),
        (replaced(5, "<1<HS4010000000001<0912"), "vnqr.bad-phone", "10–11 digits"),
        ("001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001", "vnqr.too-few-fields", "only 5"),
        (BRIEF_EXAMPLE.replace("|", ";"), "vnqr.wrong-separator", "semicolons"),
        (BRIEF_EXAMPLE.replace("|", "\t"), "vnqr.wrong-separator", "tabs"),
    ],
)
def test_malformed_code_names_the_wrong_field(text, code, english):
    refusal = refused(text)
    assert refusal.format == "vn-qr"
    assert refusal.reason.code == code
    assert english in refusal.reason.en
    assert "personal QR" in refusal.reason.en
    assert "mã QR cá nhân" in refusal.reason.vi


def test_refusal_never_quotes_the_personal_values():
    refusal = refused(replaced(2, "1990-02-31"))
    assert "NGUYEN" not in refusal.reason.en + refusal.reason.vi
    assert "001099012345" not in refusal.reason.en + refusal.reason.vi


def test_old_nine_digit_id_and_masked_nine_digit_id_are_accepted():
    assert parsed(replaced(0, "012345678")).fields["id_number"] == "012345678"
    masked = parsed(replaced(0, "******678"))
    assert masked.fields["id_number_masked"] is True
    assert masked.person_key == "qid:162900000000000001"


def test_birth_year_masked_only_day_and_month_still_checks_the_year():
    assert refused(replaced(2, "2990-**-**")).reason.code == "vnqr.bad-birth-date"
    assert parsed(replaced(2, "1990-**-**")).fields["birth_year"] == 1990


def test_every_sample_person_round_trips():
    for person in (AN, BINH, CUONG):
        credential = parsed(vnqr_payload(person))
        assert credential.fields["qid"] == person.qid
        assert credential.fields["name"] == person.ascii_name
        assert credential.fields["birth_date"] == person.birth_date
        assert credential.fields["phone"] == person.phone


def test_name_rewritten_by_a_vietnamese_input_method_keeps_the_person_but_warns():
    credential = parsed(replaced(1, "NGUYÊN VĂN AN"))
    assert credential.person_key == "qid:162900000000000001"
    assert [note.code for note in credential.notes] == ["vnqr.name-has-accents"]
    assert "input method" in credential.notes[0].en and "bộ gõ" in credential.notes[0].vi


# --- codes in the wild: the apps' masked view hides parts of EXT too --------------------------------------

MASKED_EXT = "<1<GD4877*******<0943******"


def test_masked_insurance_and_phone_numbers_are_kept_as_shown_and_marked():
    plain, credential = parsed(BRIEF_EXAMPLE), parsed(replaced(5, MASKED_EXT))
    assert credential.person_key == plain.person_key == "qid:162900000000000001"
    assert credential.display_name == plain.display_name == "NGUYEN V. A."
    assert credential.fields["insurance_number"] == "GD4877*******"
    assert credential.fields["phone"] == "0943******"
    assert credential.fields["insurance_number_masked"] is True and credential.fields["phone_masked"] is True
    assert credential.fields["gender"] == Gender.MALE
    assert plain.fields["insurance_number_masked"] is False and plain.fields["phone_masked"] is False


def test_the_whole_masked_view_of_one_person_is_that_person():
    masked = with_field(vnqr_payload(BINH, masked=True), 5, "<2<DN4790********<0987******")
    credential = parsed(masked)
    assert credential.person_key == parsed(vnqr_payload(BINH)).person_key
    assert credential.display_name == "TRAN T. B."


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # A QID cut short by a broken read would be another person's key: five fields stay refused.
        (BRIEF_EXAMPLE.rsplit("|", 1)[0][:-4], "vnqr.too-few-fields"),
        # Shown in full, a number must be one; only the app's `*` makes it a masked one.
        (replaced(5, "<1<GD4877-------<0943******"), "vnqr.bad-insurance-number"),
        (replaced(5, "<1<GD4877*******<0943 xx"), "vnqr.bad-phone"),
    ],
)
def test_what_is_not_a_masked_view_is_still_refused(text, code):
    assert refused(text).reason.code == code
