"""The QR code on Vietnam's chip citizen ID card (Circular 06/2021/TT-BCA).

`ID12|oldID9|Full name|DDMMYYYY birth|Nam/Nữ|permanent address|DDMMYYYY issue date`. Cards issued from
7/2024 may carry more fields: they are accepted and kept, in order, as `extra`. Names and addresses may
arrive decomposed (NFD) and are stored composed (NFC), so one card always gives one credential.

The door needs the ID number (the person key) and the name; the birth date and gender only feed a note.
What cards in the wild leave out is accepted without guessing: the old ID number (`||`), the issue date
(6-field codes, or an empty last field), and the day and month of birth of a person registered with only a
year (`YYYY`, or `MMYYYY`). Fewer than six fields is a cut-off or foreign code and is refused.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from kiosk.credentials import fields as f
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.reasons import Reason

KIND = f.Kind("cccd", "cccd")

ID_NUMBER = f.Field("id-number", "field.id-number-12-digits")
OLD_ID_NUMBER = f.Field("old-id-number", "field.old-id-number")
NAME = f.Field("name", "field.name")
BIRTH_DATE = f.Field("birth-date", "field.birth-date")
GENDER = f.Field("gender", "field.gender-nam-n")
ADDRESS = f.Field("address", "field.permanent-address")
ISSUE_DATE = f.Field("issue-date", "field.issue-date")
LAYOUT = (ID_NUMBER, OLD_ID_NUMBER, NAME, BIRTH_DATE, GENDER, ADDRESS, ISSUE_DATE)

# The issue date is the one field after the address: codes without it end at the address.
MIN_FIELDS = LAYOUT.index(ISSUE_DATE)
_GENDERS = {"nam": f.Gender.MALE, "nữ": f.Gender.FEMALE}
_EIGHT_DIGITS = re.compile(r"\d{8}", re.ASCII)
# A birth registered without day (and month): the year alone, or month and year.
_PARTIAL_BIRTH = re.compile(r"(?:(\d{2}))?(\d{4})", re.ASCII)

# The 4th digit of a CCCD number encodes gender and century of birth (0/1: 1900s, 2/3: 2000s, ...;
# even male, odd female); the 5th and 6th digits are the last two digits of the birth year.
NOTE_ID_MISMATCH = Reason("cccd.id-mismatch")


class CccdParser:
    format = KIND.format
    layout = LAYOUT

    def claims(self, text: str) -> bool:
        split = f.split_fields(text)
        if split is None:
            return False
        parts = split.fields
        if len(parts) >= 7 or parts[0].isdigit():
            return True
        return len(parts) > 3 and bool(_EIGHT_DIGITS.fullmatch(parts[3]))

    def parse(self, text: str, context: ParseContext) -> Credential | Refusal:
        text = unicodedata.normalize("NFC", text)
        shaped = f.check_shape(KIND, text, MIN_FIELDS)
        if isinstance(shaped, Refusal):
            return shaped
        return f.build(KIND, _credential, shaped, text, context.now.date())


def _credential(parts: tuple[str, ...], raw: str, today: date) -> Credential:
    id_number = f.digits(ID_NUMBER, parts[0], (12,))
    old_id_number = f.digits(OLD_ID_NUMBER, parts[1], (9, 12)) if parts[1].strip() else None
    name = f.person_name(NAME, parts[2])
    birth_date, birth_year = _birth(parts[3], today)
    gender = _GENDERS.get(parts[4].strip().lower())
    if gender is None:
        raise f.FieldError(GENDER, f.Problem("problem.must-be-nam-or-n"))
    issue_date = _issue_date(parts[6] if len(parts) > 6 else "", birth_date or date(birth_year, 1, 1), today)
    notes = () if _id_matches(id_number, birth_year, gender) else (NOTE_ID_MISMATCH,)
    values = {
        "id_number": id_number,
        "old_id_number": old_id_number,
        "birth_date": birth_date,
        "birth_year": birth_year,
        "gender": gender,
        "address": f.spaced(parts[5]),
        "issue_date": issue_date,
        "extra": tuple(part.strip() for part in parts[7:]),
    }
    return f.personal_credential(KIND, f"cccd:{id_number}", name, values, raw, notes)


def _birth(value: str, today: date) -> tuple[date | None, int]:
    """(birth date, birth year): `DDMMYYYY`, or only `YYYY` / `MMYYYY` for a birth registered without a day."""
    value = f.required(BIRTH_DATE, value)
    partial = _PARTIAL_BIRTH.fullmatch(value)
    if partial is None:
        born = f.plausible_past(BIRTH_DATE, f.real_date(BIRTH_DATE, value, "DDMMYYYY"), today)
        return born, born.year
    month, year = partial.groups()
    if month is not None and not 1 <= int(month) <= 12:
        raise f.FieldError(BIRTH_DATE, f.Problem("problem.no-such-day-on-the-calendar"))
    return None, f.plausible_year(BIRTH_DATE, int(year), today)


def _issue_date(value: str, born: date, today: date) -> date | None:
    """The issue date, None when the code has none (6-field codes, an empty last field)."""
    if not value.strip():
        return None
    return f.plausible_past(ISSUE_DATE, f.real_date(ISSUE_DATE, value, "DDMMYYYY"), today, born)


def _id_matches(id_number: str, birth_year: int, gender: f.Gender) -> bool:
    code = int(id_number[3])
    century = 1900 + 100 * (code // 2)
    female = code % 2 == 1
    return (
        birth_year // 100 * 100 == century
        and id_number[4:6] == f"{birth_year % 100:02d}"
        and female == (gender is f.Gender.FEMALE)
    )


PARSER = CccdParser()
