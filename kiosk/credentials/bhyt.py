"""The QR code on Vietnam's health-insurance (BHYT) card.

`code|name (hex)|birth|sex|address (hex)|facility|valid from|valid until|issue date|...|$`: name and address
are UTF-8 written as hexadecimal, dates `dd/MM/yyyy` (some cards write a day or month below 10 with one
digit; some carry only the year of birth), sex `1`/`2`. Old cards carry a 15-character code (`HS4` +
province + the 10-digit social-insurance number), newer ones only the 10-digit social-insurance number.
The person is keyed by the social-insurance number, which both layouts carry and which does not change
when the card is renewed under another category.

The door needs that number and the name; the address may be empty, and the facility and the dates after
it may be empty (`-` for no date) or absent. The closing `$` is required: without it a read cut short
could not be told from a whole card.
"""

from __future__ import annotations

import re
from datetime import date

from kiosk.credentials import fields as f
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.reasons import Reason

KIND = f.Kind("bhyt", "bhyt")

CARD_CODE = f.Field("card-code", "field.card-code")
NAME = f.Field("name", "field.name-hexadecimal")
BIRTH_DATE = f.Field("birth-date", "field.birth-date")
GENDER = f.Field("gender", "field.sex-1-or-2")
ADDRESS = f.Field("address", "field.address-hexadecimal")
VALID_FROM = f.Field("valid-from", "field.valid-from-date")
VALID_UNTIL = f.Field("valid-until", "field.expiry-date")
ISSUE_DATE = f.Field("issue-date", "field.issue-date")
FACILITY = f.Field("registered-facility", "field.registered-facility")
LAYOUT = (CARD_CODE, NAME, BIRTH_DATE, GENDER, ADDRESS, FACILITY, VALID_FROM, VALID_UNTIL, ISSUE_DATE)

TERMINATOR = "$"
_GENDERS = {"1": f.Gender.MALE, "2": f.Gender.FEMALE}
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_DATE_SLASHED = re.compile(r"\d{1,2}/\d{1,2}/\d{4}", re.ASCII)
_NO_DATE = ("", "-")

NOTE_EXPIRED = Reason("bhyt.expired")
NOTE_NOT_YET_VALID = Reason("bhyt.not-yet-valid")


class BhytParser:
    format = KIND.format
    layout = LAYOUT

    def claims(self, text: str) -> bool:
        split = f.split_fields(text)
        if split is None:
            return False
        parts = split.fields
        if text.endswith(TERMINATOR) or f.insurance_layout(parts[0]) is not None:
            return True
        return len(parts) > 2 and bool(_HEX.fullmatch(parts[1])) and bool(_DATE_SLASHED.fullmatch(parts[2]))

    def parse(self, text: str, context: ParseContext) -> Credential | Refusal:
        terminated = text.endswith(TERMINATOR)
        body = text.removesuffix(TERMINATOR).removesuffix("|") if terminated else text
        shaped = f.check_shape(KIND, body, 5)
        if isinstance(shaped, Refusal):
            return Refusal(shaped.format, shaped.reason, text)
        if not terminated:
            return f.refusal(KIND, "missing-terminator", text)
        return f.build(KIND, _credential, shaped, text, context.now.date())


def _credential(parts: tuple[str, ...], raw: str, today: date) -> Credential:
    code = f.required(CARD_CODE, parts[0])
    layout = f.insurance_layout(code)
    if layout is None:
        raise f.FieldError(CARD_CODE, f.Problem("problem.neither-a-15-character-card-code-e-g-hs4-nor-a-1"))
    name = f.person_name(NAME, _hex_text(NAME, parts[1]))
    birth_date, birth_year = _birth(parts[2], today)
    gender = _GENDERS.get(parts[3].strip())
    if gender is None:
        raise f.FieldError(GENDER, f.Problem("problem.must-be-1-male-or-2-female"))
    address = f.spaced(_hex_text(ADDRESS, parts[4])) if parts[4].strip() else ""
    optional = list(parts[5:9]) + [""] * (4 - len(parts[5:9]))
    valid_from = _optional_date(VALID_FROM, optional[1])
    valid_until = _optional_date(VALID_UNTIL, optional[2])
    issue_date = _optional_date(ISSUE_DATE, optional[3])
    if issue_date is not None:
        f.plausible_past(ISSUE_DATE, issue_date, today)
    notes = []
    if valid_until is not None and valid_until < today:
        notes.append(NOTE_EXPIRED)
    if valid_from is not None and valid_from > today:
        notes.append(NOTE_NOT_YET_VALID)
    social_insurance_number = code[-10:]
    values = {
        "insurance_number": code,
        "layout": layout,
        "social_insurance_number": social_insurance_number,
        "birth_date": birth_date,
        "birth_year": birth_year,
        "gender": gender,
        "address": address,
        "registered_facility": optional[0].strip() or None,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "issue_date": issue_date,
        "extra": tuple(part.strip() for part in parts[9:]),
    }
    return f.personal_credential(KIND, f"bhyt:{social_insurance_number}", name, values, raw, notes)


def _hex_text(field: f.Field, value: str) -> str:
    value = f.required(field, value)
    if f.has_accented_letters(value):
        raise f.FieldError(field, f.INPUT_METHOD)
    if not _HEX.fullmatch(value):
        raise f.FieldError(field, f.Problem("problem.not-valid-hexadecimal-the-card-writes-utf-8-text"))
    try:
        return bytes.fromhex(value).decode("utf-8")
    except UnicodeDecodeError:
        raise f.FieldError(field, f.Problem("problem.the-hexadecimal-does-not-decode-to-utf-8-text")) from None


def _birth(value: str, today: date) -> tuple[date | None, int]:
    """(birth date, birth year): some cards carry only the year of birth."""
    value = f.required(BIRTH_DATE, value)
    if len(value) == 4 and value.isascii() and value.isdigit():
        return None, f.plausible_year(BIRTH_DATE, int(value), today)
    born = f.plausible_past(BIRTH_DATE, f.real_date(BIRTH_DATE, value, "dd/MM/yyyy"), today)
    return born, born.year


def _optional_date(field: f.Field, value: str) -> date | None:
    value = value.strip()
    return None if value in _NO_DATE else f.real_date(field, value, "dd/MM/yyyy")


PARSER = BhytParser()
