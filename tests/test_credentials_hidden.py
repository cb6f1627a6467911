"""Hidden characters in what a code *decodes* to: a signed declaration's name, a certificate's fields, a
card's hex name are checked like the raw text, and the scan is refused naming the field.

One such visitor admitted used to block a door's sync for good (PostgreSQL refuses a NUL in text).
"""

import pytest

from kiosk.credentials import Credential, Refusal
from kiosk.credentials.examples import AN, bhyt_payload, cccd_payload, with_field
from kiosk.credentials.manual import manual_credential
from kiosk.credentials.other import checked
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.store import Store
from kiosk.verdict import Outcome
from tests.test_credentials_support import (
    NOW,
    SIGNED_CONTEXT,
    hc1_certificate,
    hc1_claims,
    hd1_claims,
    parsed,
    refused,
    sign_hc1,
    sign_hd1,
)


def refused_for_hidden(text: str, format: str, field: str) -> Refusal:
    refusal = refused(text, SIGNED_CONTEXT)
    assert (refusal.format, refusal.reason.code) == (format, f"hidden-character.{field}")
    return refusal


def test_the_signed_test_codes_are_genuine_without_the_hidden_character():
    declaration = parsed(sign_hd1(hd1_claims()), SIGNED_CONTEXT)
    certificate = parsed(sign_hc1(hc1_claims()), SIGNED_CONTEXT)
    assert declaration.fields["signature"] == certificate.fields["signature"] == "valid"


def test_signed_declaration_whose_name_holds_nul_is_refused_naming_the_name():
    refusal = refused_for_hidden(sign_hd1(hd1_claims(name="NGUYỄN\x00VĂN AN")), "hd1", "name")
    assert "U+0000 control character" in refusal.reason.en and "name" in refusal.reason.en
    assert "U+0000" in refusal.reason.vi and "họ tên" in refusal.reason.vi
    assert "NGUY" not in refusal.reason.en + refusal.reason.vi  # the value itself is never quoted


def test_signed_declaration_whose_name_holds_a_right_to_left_override_is_refused():
    refusal = refused_for_hidden(sign_hd1(hd1_claims(name="NGUYỄN VĂN \u202eNA")), "hd1", "name")
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in refusal.reason.en


@pytest.mark.parametrize("claims, field", [
    (hd1_claims(phone="0912\u200b345678"), "phone"),
    (hd1_claims(answers={"sym\u2066": False}), "answers"),
    (hd1_claims(replace={1: "V\u00adN"}), "issuer"),
    (hd1_claims(name="AN\ufdd0"), "name"),  # a noncharacter
    (hd1_claims(name="AN\u2028B"), "name"),
    (hd1_claims(name="AN\tB"), "name"),  # a tab passes in a raw scan (wrong separator), never in a value
])
def test_every_value_of_a_signed_declaration_is_checked(claims, field):
    refused_for_hidden(sign_hd1(claims), "hd1", field)


def test_declaration_whose_id_number_holds_a_hidden_character_is_refused_as_damaged():
    # The ID number keys the person, so it must be 9 or 12 ASCII digits: stricter than the hidden check.
    refusal = refused(sign_hd1(hd1_claims(id_number="00109901234\ufeff5")), SIGNED_CONTEXT)
    assert refusal.reason.code == "hd1.malformed.schema"
    assert refused(sign_hd1(hd1_claims(id_number="")), SIGNED_CONTEXT).reason.code == "hd1.malformed.schema"


def test_certificate_whose_family_name_holds_a_zero_width_space_is_refused():
    text = sign_hc1(hc1_claims(hc1_certificate(family="Nguy\u200bễn")))
    refusal = refused_for_hidden(text, "dcc", "name")
    assert "U+200B ZERO WIDTH SPACE" in refusal.reason.en


def test_certificate_fields_that_are_neither_shown_nor_stored_are_checked_too():
    # The standardised name only feeds the person key's hash: hidden there, it would make one person two.
    refused_for_hidden(sign_hc1(hc1_claims(hc1_certificate(family_standard="NGU\u200bYEN"))), "dcc", "certificate")
    refused_for_hidden(sign_hc1(hc1_claims(hc1_certificate(ci="URN:UVCI:01:VN:\x00"))), "dcc", "certificate")
    refused_for_hidden(sign_hc1(hc1_claims(hc1_certificate(co="V\u200fN"))), "dcc", "country")


def test_health_insurance_card_whose_hex_name_decodes_to_a_control_character_is_refused():
    text = with_field(bhyt_payload(AN), 1, "Nguyễn\x07Văn An".encode().hex())
    refusal = refused(text)
    assert (refusal.format, refusal.reason.code) == ("bhyt", "hidden-character.name")
    address = with_field(bhyt_payload(AN), 4, "Hà Nội\u202e".encode().hex())
    assert refused(address).reason.code == "hidden-character.address"


def test_chip_id_card_with_a_byte_order_mark_inside_the_name_is_refused_naming_the_name():
    refusal = refused(cccd_payload(AN).replace("Nguyễn Văn", "Nguyễn\ufeffVăn"))
    assert (refusal.format, refusal.reason.code) == ("cccd", "hidden-character.name")
    assert "U+FEFF" in refusal.reason.en and "họ tên" in refusal.reason.vi


def test_manual_entry_with_a_pasted_zero_width_space_is_refused():
    refusal = manual_credential("Trần\u200b Thị Bình", "0987654321")
    assert isinstance(refusal, Refusal)
    assert (refusal.format, refusal.reason.code) == ("manual", "hidden-character-typed.name")
    assert "type it again" in refusal.reason.en
    assert isinstance(manual_credential("Trần Thị Bình", "0987654321", note="giao hàng"), Credential)


def test_nothing_else_about_a_clean_credential_changes():
    credential = parsed(cccd_payload(AN))
    assert checked(credential) is credential


def test_the_door_refuses_the_visitor_and_stores_nothing_of_the_hidden_value(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as store:
        station = Station(Settings(station_name="Cổng A"), store, clock=lambda: NOW)
        result = station.check_text(sign_hd1(hd1_claims(name="NGUYỄN\x00VĂN AN")))
        assert result.verdict.outcome is Outcome.REFUSE
        assert [reason.code for reason in result.verdict.reasons] == ["hidden-character.name"]
        [entry] = store.entries()
        assert "\x00" not in repr(entry.to_json()) and "NGUY" not in repr(entry.to_json())
