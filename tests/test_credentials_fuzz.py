"""Whatever a camera or a keyboard-wedge scanner delivers, `parse` answers and never raises.

Every answer is either a credential with a person key or a refusal with a dotted reason code and a
sentence in both languages. A code cut off anywhere never turns into a different person.
"""

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kiosk.credentials import Credential, Refusal, parse
from kiosk.credentials.examples import SAMPLE_PAYLOADS

PERSONAL = [sample for sample in SAMPLE_PAYLOADS if sample.personal]
FORMATS = {"vn-qr", "cccd", "bhyt"}
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REASON_CODE = re.compile(r"[a-z0-9-]+\.[a-z0-9-]+")


def answered(text: str) -> Credential | Refusal:
    result = parse(text)
    if isinstance(result, Credential):
        assert result.format in FORMATS
        assert result.person_key.split(":", 1)[1]
        assert isinstance(result.display_name, str)
    else:
        assert isinstance(result, Refusal)
        assert REASON_CODE.fullmatch(result.reason.code), result.reason.code
        assert result.reason.vi.strip() and result.reason.en.strip()
        assert result.format
    return result


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
