"""Vietnam's national personal QR code, version 1.1 (Decision 1405/QĐ-BTTTT).

`SoGiayTo|HoTen|NgaySinh|LoaiDinhDanh|QID|EXT`, EXT being `declarerQID<gender<insurance<phone<signature`.
The apps show a masked variant by default (first six ID characters and day/month of birth as `*`), so the
person is keyed by QID, which both variants carry. The door needs the QID and the name; the masked view may
also hide part of the insurance and phone numbers in EXT ("GD4877*******", "0943******"), which are then
kept as shown and marked masked, never read as numbers. At least six fields: a QID cut short by a broken
read must not become another person's key.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable

from kiosk.credentials import fields as f
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.reasons import Reason

KIND = f.Kind("vn-qr", "vnqr")

ID_NUMBER = f.Field("id-number", "field.id-number")
NAME = f.Field("name", "field.name")
BIRTH_DATE = f.Field("birth-date", "field.birth-date")
DECLARATION_TYPE = f.Field("declaration-type", "field.declaration-type-0-or-1")
QID = f.Field("qid", "field.qid")
DECLARER_QID = f.Field("declarer-qid", "field.declarer-s-qid")
GENDER = f.Field("gender", "field.gender")
INSURANCE = f.Field("insurance-number", "field.health-insurance-number")
PHONE = f.Field("phone", "field.phone-number")
EXT = f.Field("ext", "field.extension-ext")
LAYOUT = (ID_NUMBER, NAME, BIRTH_DATE, DECLARATION_TYPE, QID, EXT)

# Chip ID card, old ID card, passport.
_ID_PLAIN = re.compile(r"\d{9}|\d{12}|[A-Z]\d{7,8}|[A-Z]{2}\d{7}", re.ASCII)
_ID_MASKED = re.compile(r"\*+[0-9A-Z]*")
_PART_MASKED = re.compile(r"[0-9A-Z+]*\*+[0-9A-Z*]*")
_BIRTH = re.compile(r"(\d{4}|\*{4})-(\d{2}|\*{2})-(\d{2}|\*{2})", re.ASCII)
_BIRTH_START = re.compile(r"[\d*]{4}-", re.ASCII)
_ASCII_CAPITALS = re.compile(r"[A-Z]+(?: [A-Z]+)*")
_GENDERS = {"": f.Gender.UNKNOWN, "0": f.Gender.UNKNOWN, "1": f.Gender.MALE, "2": f.Gender.FEMALE}

NOTE_ID_MASKED = Reason("vnqr.id-masked")
NOTE_BIRTH_MASKED = Reason("vnqr.birth-date-masked")
NOTE_DECLARED_BY_OTHER = Reason("vnqr.declared-by-other")
# The code writes names without accents; accents mean an input method rewrote a scanner's keystrokes.
# The person is still keyed by QID, so the scan stands, but the guard should switch the input method off.
NOTE_NAME_ACCENTS = Reason("vnqr.name-has-accents")


class VnQrParser:
    format = KIND.format
    layout = LAYOUT

    def claims(self, text: str) -> bool:
        split = f.split_fields(text)
        if split is None:
            # Only the first, masked field survived (a cut-off read of the apps' default view).
            return bool(_ID_MASKED.fullmatch(text)) and text.startswith("******")
        parts = split.fields
        if parts[0].startswith("*") or (len(parts) > 2 and _BIRTH_START.match(parts[2])):
            return True
        if len(parts) in (5, 6) and parts[3] in ("0", "1"):
            return True
        # A cut-off code: an ID-like first field followed by a name in capitals without diacritics.
        return len(parts) <= 3 and parts[0].isdigit() and bool(_ASCII_CAPITALS.fullmatch(parts[1]))

    def parse(self, text: str, context: ParseContext) -> Credential | Refusal:
        shaped = f.check_shape(KIND, text, 6)
        if isinstance(shaped, Refusal):
            return shaped
        return f.build(KIND, _credential, shaped, text, context.now.date())


def _credential(parts: tuple[str, ...], raw: str, today: date) -> Credential:
    id_number, id_masked = _id_number(parts[0])
    name = f.person_name(NAME, parts[1])
    birth_date, birth_year, birth_masked = _birth(parts[2], today)
    declared_by_other = _declaration_type(parts[3])
    qid = f.digit_run(QID, parts[4], 9, 20)
    ext = parts[5].split("<")
    ext += [""] * (5 - len(ext))
    declarer_qid = f.digit_run(DECLARER_QID, ext[0], 9, 20) if ext[0].strip() else None
    gender = _GENDERS.get(ext[1].strip())
    if gender is None:
        raise f.FieldError(GENDER, f.Problem("problem.must-be-0-1-or-2"))
    insurance_number, insurance_masked = _maybe_masked(ext[2], lambda value: f.insurance_number(INSURANCE, value))
    phone, phone_masked = _maybe_masked(ext[3], lambda value: f.phone_number(PHONE, value))
    notes = []
    if id_masked:
        notes.append(NOTE_ID_MASKED)
    if birth_masked:
        notes.append(NOTE_BIRTH_MASKED)
    if declared_by_other:
        notes.append(NOTE_DECLARED_BY_OTHER)
    if f.has_accented_letters(name):
        notes.append(NOTE_NAME_ACCENTS)
    values = {
        "id_number": id_number,
        "id_number_masked": id_masked,
        "birth_date": birth_date,
        "birth_year": birth_year,
        "birth_date_masked": birth_masked,
        "declared_by_other": declared_by_other,
        "qid": qid,
        "declarer_qid": declarer_qid,
        "gender": gender,
        "insurance_number": insurance_number,
        "insurance_number_masked": insurance_masked,
        "phone": phone,
        "phone_masked": phone_masked,
        "signature": ext[4].strip() or None,
        "extra": tuple(ext[5:]) + parts[6:],
    }
    return f.personal_credential(KIND, f"qid:{qid}", name, values, raw, notes)


def _id_number(value: str) -> tuple[str, bool]:
    value = f.required(ID_NUMBER, value)
    if _ID_PLAIN.fullmatch(value):
        return value, False
    if _ID_MASKED.fullmatch(value) and len(value) in (8, 9, 12):
        return value, True
    raise f.FieldError(ID_NUMBER, f.Problem("problem.must-be-12-digits-chip-id-card-or-9-digits-old-i"))


def _maybe_masked(value: str, read: Callable[[str], str]) -> tuple[str | None, bool]:
    """(value, masked?) of an optional EXT part: absent, masked by the app (kept as shown), or `read`."""
    value = value.strip()
    if not value:
        return None, False
    if _PART_MASKED.fullmatch(value):
        return value, True
    return read(value), False


def _birth(value: str, today: date) -> tuple[date | None, int | None, bool]:
    """(birth date, birth year, masked?) from `YYYY-MM-DD`, where the apps may mask parts with `*`."""
    value = f.required(BIRTH_DATE, value)
    match = _BIRTH.fullmatch(value)
    if match is None:
        raise f.FieldError(BIRTH_DATE, f.Problem("problem.not-in-the-form-yyyy-mm-dd"))
    if "*" not in value:
        born = f.plausible_past(BIRTH_DATE, f.real_date(BIRTH_DATE, value, "YYYY-MM-DD"), today)
        return born, born.year, False
    year = match.group(1)
    return None, (f.plausible_year(BIRTH_DATE, int(year), today) if year.isdigit() else None), True


def _declaration_type(value: str) -> bool:
    value = f.required(DECLARATION_TYPE, value)
    if value not in ("0", "1"):
        raise f.FieldError(DECLARATION_TYPE, f.Problem("problem.must-be-0-self-or-1-declared-by-someone-else"))
    return value == "1"


PARSER = VnQrParser()
