"""What the screen shows of a name, an ID number and a phone number."""

import unicodedata

from hypothesis import given, settings, strategies as st

from kiosk.credentials.masking import mask_id_number, mask_name, mask_phone


def test_name_keeps_the_family_name_and_initials():
    assert mask_name("Nguyễn Văn An") == "Nguyễn V. A."
    assert mask_name("NGUYEN VAN AN") == "NGUYEN V. A."
    assert mask_name("Tôn Nữ Thị Hà") == "Tôn N. T. H."


def test_decomposed_name_is_masked_like_the_composed_one():
    assert mask_name(unicodedata.normalize("NFD", "Đặng Thị Ánh")) == "Đặng T. Á."


def test_one_word_and_empty_names():
    assert mask_name("An") == "An"
    assert mask_name("   ") == ""


def test_id_number_shows_only_its_last_three_digits_and_keeps_its_length():
    assert mask_id_number("001090012345") == "*********345"
    assert mask_id_number("012345678") == "******678"
    assert mask_id_number("******012345") == "*********345"
    assert mask_id_number("1234") == "****"


def test_phone_shows_first_and_last_three_digits():
    assert mask_phone("0912345678") == "091****678"
    assert mask_phone("12345") == "*****"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_masking_never_fails_and_hides_all_but_a_few_characters(text):
    assert isinstance(mask_name(text), str)
    masked_id = mask_id_number(text)
    assert len(masked_id) == len(text.strip())
    assert set(masked_id[:-3]) <= {"*"}
    masked_phone = mask_phone(text)
    assert set(masked_phone[3:-3]) <= {"*"}
