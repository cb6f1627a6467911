"""Manual entry by the guard: the numbers that key a person are plain ASCII digits, as every card writes them."""

import pytest

from kiosk.credentials import Credential, Refusal
from kiosk.credentials.manual import manual_credential


def test_a_visitor_typed_in_is_keyed_like_their_chip_id_card():
    credential = manual_credential("Trần Thị Bình", "0987 654 321", "079190012345")
    assert isinstance(credential, Credential) and credential.person_key == "cccd:079190012345"


@pytest.mark.parametrize("id_number", ["٠٧٩١٩٠٠١٢٣٤٥", "０７９１９０００１２３４５"[:12], "07919001234²"])
def test_digits_of_other_scripts_are_not_an_id_number(id_number):
    # Python's isdigit() accepts them; a key made of them would never match the visitor's card.
    refusal = manual_credential("Trần Thị Bình", "0987654321", id_number)
    assert isinstance(refusal, Refusal) and refusal.reason.code == "manual.bad-id"


def test_digits_of_other_scripts_are_not_a_phone_number():
    refusal = manual_credential("Trần Thị Bình", "٠٩٨٧٦٥٤٣٢١")
    assert isinstance(refusal, Refusal) and refusal.reason.code == "manual.bad-phone"
