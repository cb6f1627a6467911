"""`parse`: cleaning, dispatch in registry order, hidden characters, and faults that must not stop the door."""

import logging

import kiosk.credentials as credentials
from kiosk.credentials import Credential, ParseContext, Refusal, parse
from kiosk.credentials.base import Credential as BaseCredential
from kiosk.credentials.examples import AN, SAMPLE_PAYLOADS, cccd_payload, vnqr_payload


def test_every_personal_sample_parses_to_its_stated_format():
    for sample in SAMPLE_PAYLOADS:
        result = parse(sample.text)
        assert isinstance(result, Credential) == sample.personal, (sample.label, result)
        assert result.format == sample.format, sample.label


def test_sample_payloads_cover_every_personal_format_and_its_variants():
    labels = {sample.label for sample in SAMPLE_PAYLOADS}
    assert {"vn-qr", "vn-qr masked", "cccd", "bhyt old layout", "bhyt new layout"} <= labels
    assert {sample.format for sample in SAMPLE_PAYLOADS if sample.personal} == {"vn-qr", "cccd", "bhyt"}


def test_byte_order_mark_and_scanner_line_end_are_removed_before_parsing():
    text = cccd_payload(AN)
    assert parse("\ufeff" + text + "\r\n") == parse(text)


def test_right_to_left_mark_inside_a_card_is_refused_naming_it_and_its_field():
    text = cccd_payload(AN).replace("|Nam|", "|Nam\u200f|")
    refusal = parse(text)
    assert isinstance(refusal, Refusal)
    assert (refusal.format, refusal.reason.code) == ("cccd", "hidden-character.gender")
    assert "U+200F RIGHT-TO-LEFT MARK" in refusal.reason.en
    assert "ký tự ẩn" in refusal.reason.vi


def test_nul_byte_inside_a_personal_code_is_refused():
    refusal = parse(vnqr_payload(AN).replace("|0|", "|0\x00|"))
    assert (refusal.format, refusal.reason.code) == ("vn-qr", "hidden-character.declaration-type")
    assert "U+0000" in refusal.reason.en


def test_two_codes_read_as_one_are_refused_as_a_line_break():
    refusal = parse(cccd_payload(AN) + "\n" + cccd_payload(AN))
    assert refusal.reason.code == "other.hidden-characters"
    assert "line break" in refusal.reason.en


def test_bytes_from_a_scanner_are_decoded_rather_than_rejected():
    assert parse(cccd_payload(AN).encode("utf-8")) == parse(cccd_payload(AN))


class _TicketParser:
    """A stand-in for a format added later: one object with `format`, `claims` and `parse`."""

    format = "ticket-x"

    def claims(self, text: str) -> bool:
        return text.startswith("TX1:")

    def parse(self, text: str, context: ParseContext) -> BaseCredential:
        return BaseCredential(format=self.format, person_key="tx:" + text[4:], display_name="", fields={},
                              raw=text)


def test_a_new_format_is_one_more_registry_entry(monkeypatch):
    assert isinstance(parse("TX1:42"), Refusal)
    monkeypatch.setattr(credentials, "REGISTRY", (_TicketParser(), *credentials.REGISTRY))
    assert parse("TX1:42").person_key == "tx:42"
    assert parse(cccd_payload(AN)).format == "cccd"


class _BrokenParser:
    format = "broken"

    def claims(self, text: str) -> bool:
        return True

    def parse(self, text: str, context: ParseContext) -> BaseCredential:
        raise ValueError(f"cannot handle {text}")


def test_a_parser_fault_becomes_a_refusal_and_the_log_holds_no_personal_data(monkeypatch, caplog):
    monkeypatch.setattr(credentials, "REGISTRY", (_BrokenParser(),))
    text = cccd_payload(AN)
    with caplog.at_level(logging.ERROR, logger="kiosk.credentials"):
        refusal = parse(text)
    assert (refusal.format, refusal.reason.code) == ("broken", "other.parser-error")
    assert "ValueError" in caplog.text
    assert AN.id_number not in caplog.text and AN.family_name not in caplog.text


def test_lone_surrogates_from_a_lenient_decoder_do_not_break_parsing():
    garbled = b"001090012345|012345678|Nguy\xffn".decode("utf-8", errors="surrogateescape")
    assert isinstance(parse(garbled + "|31011990|Nam|x|15042021"), Refusal)
    assert parse(garbled).format == "cccd"
    assert parse("\udcff\udc80").format == "binary"
