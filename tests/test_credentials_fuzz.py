"""Whatever a camera or a keyboard-wedge scanner delivers, `parse` answers and never raises, and no parser
raises inside it either.

Every answer is either a credential with a person key or a refusal with a dotted reason code and a
sentence in both languages, never the refusal `parse` makes of a parser's crash (a crash at the door is a
refusal; in these tests it is a failure). A code cut off anywhere never turns into a different person.
"""

import json
import re
import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import kiosk.credentials as credentials
from kiosk.credentials import Credential, ParseContext, Refusal, cccd, parse
from kiosk.credentials.examples import AN, SAMPLE_PAYLOADS, bhyt_payload, with_field
from kiosk.credentials.other import checked
from tests.test_credentials_support import (
    SIGNED_CONTEXT,
    hc1_certificate,
    hc1_claims,
    hd1_claims,
    not_a_fault,
    sign_hc1,
    sign_hd1,
)

pytestmark = pytest.mark.slow  # property-based fuzzing (hypothesis)

PERSONAL = [sample for sample in SAMPLE_PAYLOADS if sample.personal]
FORMATS = {"vn-qr", "cccd", "bhyt", "hd1", "dcc"}
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REASON_CODE = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9_-]+)+")


def answered(text: str, context: ParseContext | None = None) -> Credential | Refusal:
    result = not_a_fault(parse(text, context))
    if isinstance(result, Credential):
        assert result.format in FORMATS
        assert result.person_key.split(":", 1)[1]
        assert isinstance(result.display_name, str)
        assert checked(result) is result  # no hidden character in any value
        json.dumps(dict(result.fields), allow_nan=False, default=str)  # what the door uploads
    else:
        assert isinstance(result, Refusal)
        assert REASON_CODE.fullmatch(result.reason.code), result.reason.code
        assert result.reason.vi.strip() and result.reason.en.strip()
        assert result.format
    return result


class _BuggyCccdParser(cccd.CccdParser):
    """The chip ID card's parser with a bug: it claims the card's codes, then raises."""

    def parse(self, text: str, context: ParseContext) -> Credential:
        raise IndexError("a bug")


def test_a_parser_that_raises_fails_these_tests(monkeypatch):
    # The door turns the crash into a refusal; the fuzz tests must not take that refusal for an answer.
    monkeypatch.setattr(credentials, "REGISTRY", (_BuggyCccdParser(), *credentials.REGISTRY))
    sample = next(sample for sample in PERSONAL if sample.format == "cccd")
    with pytest.raises(AssertionError, match="a parser raised"):
        answered(sample.text)


def test_parse_never_raises_even_where_no_parser_runs(monkeypatch):
    def crash(text):
        raise RuntimeError("a bug")

    monkeypatch.setattr(credentials.other, "classify", crash)
    assert parse("plain words").reason.code == "other.parser-error"


@FUZZ
@given(st.text(max_size=600))
def test_any_text(text):
    answered(text)


@FUZZ
@given(st.binary(max_size=600))
def test_any_bytes_decoded_as_a_scanner_might(data):
    answered(data.decode("utf-8", errors="replace"))
    answered(data.decode("latin-1"))


@FUZZ
@given(st.sampled_from(PERSONAL), st.data())
def test_personal_code_with_an_invisible_character_inserted_is_refused(sample, data):
    position = data.draw(st.integers(0, len(sample.text)))
    char = data.draw(st.sampled_from(["\x00", "\x07", "\u200f", "\u202e", "\u200b", "\u2028", "\ufffd"]))
    text = sample.text[:position] + char + sample.text[position:]
    assert isinstance(answered(text), Refusal)


@FUZZ
@given(st.sampled_from(PERSONAL), st.sampled_from([";", "\t", ",", "/", " "]))
def test_personal_code_with_another_separator_is_refused(sample, separator):
    result = answered(sample.text.replace("|", separator))
    assert isinstance(result, Refusal)
    if separator in ";\t":
        assert result.reason.code.endswith("wrong-separator")


@FUZZ
@given(st.sampled_from(PERSONAL), st.data())
def test_personal_code_with_a_field_replaced_by_random_text(sample, data):
    parts = sample.text.split("|")
    index = data.draw(st.integers(0, len(parts) - 1))
    parts[index] = data.draw(st.text(alphabet=string.printable + "*-/<$ăâđêôơưĐ", max_size=30))
    answered("|".join(parts))


@FUZZ
@given(st.sampled_from([1, 4]), st.text(max_size=40))
def test_health_insurance_card_with_any_text_behind_its_hex_fields(field, value):
    answered(with_field(bhyt_payload(AN), field, value.encode("utf-8", errors="surrogatepass").hex()))


@FUZZ
@given(st.sampled_from(PERSONAL), st.integers(1, 31), st.integers(1, 13), st.integers(1800, 3000))
def test_personal_code_with_any_birth_date(sample, day, month, year):
    # Replace the sample's birth date, in whichever layout the format writes it, with any day-month-year.
    layouts = {"vn-qr": f"{year:04d}-{month:02d}-{day:02d}", "cccd": f"{day:02d}{month:02d}{year:04d}",
               "bhyt": f"{day:02d}/{month:02d}/{year:04d}"}
    field = {"vn-qr": 2, "cccd": 3, "bhyt": 2}[sample.format]
    parts = sample.text.split("|")
    if "*" in parts[field]:
        return
    parts[field] = layouts[sample.format]
    result = answered("|".join(parts))
    if isinstance(result, Refusal):
        assert result.format == sample.format


@FUZZ
@given(st.text(min_size=1, max_size=40), st.sampled_from(["", "|", "$", "\x00", "https://"]))
def test_four_kilobyte_payloads(unit, prefix):
    # Generating 4 KB at random is slow; a repeated random unit gives the same lengths and shapes.
    answered(prefix + (unit * (4096 // len(unit) + 1))[:4096])


@pytest.mark.parametrize("sample", PERSONAL, ids=lambda sample: sample.label)
def test_personal_code_padded_to_four_kilobytes_is_refused(sample):
    parts = sample.text.split("|")
    parts[-2] = parts[-2] + "A" * 4096
    assert isinstance(answered("|".join(parts)), Refusal)


@pytest.mark.parametrize("sample", PERSONAL, ids=lambda sample: sample.label)
def test_a_code_cut_off_anywhere_never_becomes_another_person(sample):
    whole = parse(sample.text)
    for cut in range(1, len(sample.text)):
        result = answered(sample.text[:cut])
        if isinstance(result, Credential):
            assert result.person_key == whole.person_key, cut


@pytest.mark.parametrize("sample", PERSONAL, ids=lambda sample: sample.label)
def test_a_code_cut_after_its_third_field_is_still_named_as_its_format(sample):
    start = [i for i, ch in enumerate(sample.text) if ch == "|"][2]
    for cut in range(start, len(sample.text)):
        assert answered(sample.text[:cut]).format == sample.format, cut


# --- signed formats: any CBOR value in any field, signed with a trusted test key -----------------------------

CBOR_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=12)
    | st.binary(max_size=12),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=4) | st.integers(-3, 3), children, max_size=3),
    max_leaves=12,
)


@FUZZ
@given(st.sampled_from(["name", "phone", "id_number", "answers"]), CBOR_VALUES)
def test_signed_declaration_with_any_value_in_a_field(field, value):
    answered(sign_hd1(hd1_claims(**{field: value})), SIGNED_CONTEXT)


@FUZZ
@given(st.sampled_from([1, 4, 6, 7, -65537]), CBOR_VALUES)
def test_signed_declaration_with_any_value_in_a_claim(claim, value):
    answered(sign_hd1(hd1_claims(replace={claim: value})), SIGNED_CONTEXT)


@FUZZ
@given(st.sampled_from(["v", "t", "r"]),
       st.sampled_from(["family", "family_standard", "given", "given_standard", "co", "ci", "dn", "sd", "dt",
                        "tr", "sc", "fr", "df", "du"]),
       CBOR_VALUES)
def test_signed_certificate_with_any_value_in_a_field(kind, field, value):
    answered(sign_hc1(hc1_claims(hc1_certificate(kind=kind, **{field: value}))), SIGNED_CONTEXT)


@FUZZ
@given(st.sampled_from([1, 4, 6, -260]), CBOR_VALUES)
def test_signed_certificate_with_any_value_in_a_claim(claim, value):
    answered(sign_hc1(hc1_claims(replace={claim: value})), SIGNED_CONTEXT)
