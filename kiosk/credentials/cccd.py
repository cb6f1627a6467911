"""The QR code on Vietnam's chip citizen ID card (Circular 06/2021/TT-BCA).

`ID12|oldID9|Full name|DDMMYYYY birth|Nam/Nữ|permanent address|DDMMYYYY issue date`. Cards issued from
7/2024 may carry more fields: they are accepted and kept, in order, as `extra`. Names and addresses may
arrive decomposed (NFD) and are stored composed (NFC), so one card always gives one credential.
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

_GENDERS = {"nam": f.Gender.MALE, "nữ": f.Gender.FEMALE}
_EIGHT_DIGITS = re.compile(r"\d{8}", re.ASCII)

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
        shaped = f.check_shape(KIND, text, 7)
        if isinstance(shaped, Refusal):
            return shaped
        return f.build(KIND, _credential, shaped, text, context.now.date())


def _credential(parts: tuple[str, ...], raw: str, today: date) -> Credential:
    id_number = f.digits(ID_NUMBER, parts[0], (12,))
    old_id_number = f.digits(OLD_ID_NUMBER, parts[1], (9, 12)) if parts[1].strip() else None
    name = f.person_name(NAME, parts[2])
    birth_date = f.plausible_past(BIRTH_DATE, f.real_date(BIRTH_DATE, parts[3], "DDMMYYYY"), today)
    gender = _GENDERS.get(parts[4].strip().lower())
    if gender is None:
        raise f.FieldError(GENDER, f.Problem("problem.must-be-nam-or-n"))
    issue_date = f.plausible_past(ISSUE_DATE, f.real_date(ISSUE_DATE, parts[6], "DDMMYYYY"), today, birth_date)
    notes = () if _id_matches(id_number, birth_date, gender) else (NOTE_ID_MISMATCH,)
    values = {
        "id_number": id_number,
        "old_id_number": old_id_number,
        "birth_date": birth_date,
        "gender": gender,
        "address": f.spaced(parts[5]),
        "issue_date": issue_date,
        "extra": tuple(part.strip() for part in parts[7:]),
    }
    return f.personal_credential(KIND, f"cccd:{id_number}", name, values, raw, notes)


def _id_matches(id_number: str, birth_date: date, gender: f.Gender) -> bool:
    code = int(id_number[3])
    century = 1900 + 100 * (code // 2)
    female = code % 2 == 1
    return (
        birth_date.year // 100 * 100 == century
        and id_number[4:6] == f"{birth_date.year % 100:02d}"
        and female == (gender is f.Gender.FEMALE)
    )


PARSER = CccdParser()
