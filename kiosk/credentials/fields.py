"""What the `|`-separated personal formats share: splitting, field checks and specific refusals.

Every refusal built here names the format the text looks like and the field that is wrong, in Vietnamese
and English, and tells the guard what to do. Values of personal fields are never quoted in a reason
(reasons are stored and synced), only what is wrong with them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any, Callable, Iterable, Mapping

from kiosk.contract import is_hidden
from kiosk.credentials.base import Credential, Refusal
from kiosk.credentials.masking import mask_name
from kiosk.reasons import Reason

# Personal codes are a few hundred characters; anything far longer is not one of them.
MAX_PERSONAL_LENGTH = 2000
EARLIEST_BIRTH_YEAR = 1900

_SEPARATOR_NAMES = {";": "separator.semicolon", "\t": "separator.tab"}
_NAME_PUNCTUATION = frozenset(" '-.")


class Gender(str, Enum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Kind:
    """A personal format, its reason-code prefix, and how the guard hears it named ("kind.<prefix>")."""

    format: str     # Credential/Refusal format, e.g. "cccd"
    prefix: str     # reason-code prefix, e.g. "cccd"

    @property
    def words(self) -> Reason:
        return Reason(f"kind.{self.prefix}")


@dataclass(frozen=True)
class Field:
    """A field of a code: its slug in reason codes ("<prefix>.bad-<slug>", "<prefix>.missing-<slug>") and
    how the guard hears it named (a catalogue code, or a message naming a key no field is declared for)."""

    slug: str
    named: str | Reason

    @property
    def words(self) -> Reason:
        return self.named if isinstance(self.named, Reason) else Reason(self.named)


# What is wrong with one field: a catalogue code "problem.<...>" and its parameters (no personal values).
Problem = Reason


class FieldError(Exception):
    """A field of a personal payload is malformed; carries the field and the problem."""

    def __init__(self, field: Field, problem: Problem) -> None:
        super().__init__(field.slug)
        self.field = field
        self.problem = problem


MISSING = Problem("problem.empty")

# Fields past the end of a format's layout (new card generations add some; they are kept as `extra`).
EXTRA = Field("extra", "field.extra-field")

# How the guard hears the values a credential holds named, by their key in `Credential.fields` (and
# `decoded`); a key not listed here is named as it is.
CONTENT_FIELDS = {field.slug: field for field in (
    Field("name", "field.name"),
    Field("phone", "field.phone-number"),
    Field("id-number", "field.id-number"),
    Field("old-id-number", "field.old-id-number"),
    Field("address", "field.address"),
    Field("answers", "field.declaration-answers"),
    Field("issuer", "field.issuer"),
    Field("issuer-country", "field.issuing-country"),
    Field("country", "field.country"),
    Field("birth-date", "field.birth-date"),
    Field("certificate", "field.certificate-content"),
    Field("registered-facility", "field.registered-facility"),
    Field("signature", "field.e-signature"),
    Field("note", "field.note"),
    Field("person-key", "field.person-key"),
    Field("display-name", "field.display-name"),
    EXTRA,
)}


def content_field(key: str) -> Field:
    """The field holding `key`'s value of a credential, named for the guard."""
    slug = key.replace("_", "-")
    return CONTENT_FIELDS.get(slug) or Field(slug, Reason("field.other", key=key))


def field_at(layout: tuple[Field, ...], text: str, position: int) -> Field | None:
    """The field of a `|`-separated `text` that holds the character at `position` (None: not `|`-separated
    or no layout known)."""
    if not layout or "|" not in text:
        return None
    index = text.count("|", 0, position)
    return layout[index] if index < len(layout) else EXTRA


# Keyboard-wedge scanners type the code; a Vietnamese input method on the PC turns "aa" into "â" (Telex)
# or "a1" into "á" (VNI). Accented letters where a format allows only ASCII are the tell-tale sign.
INPUT_METHOD = Problem("problem.input-method")


def has_accented_letters(value: str) -> bool:
    return any(not ch.isascii() and ch.isalpha() for ch in value)


@dataclass(frozen=True)
class Split:
    fields: tuple[str, ...]
    separator: str


def split_fields(text: str) -> Split | None:
    """Split on `|`, or on the separators scanners and hand-made codes wrongly use instead."""
    if "|" in text:
        return Split(tuple(text.split("|")), "|")
    for separator in (";", "\t"):
        if text.count(separator) >= 2:
            return Split(tuple(text.split(separator)), separator)
    return None


def refusal(kind: Kind, code: str, raw: str, **params: str | int | Reason) -> Refusal:
    """The refusal "<prefix>.<code>", worded by the catalogue's sentence for "*.<code>" (or "*.<family>-*")
    with the format's name as `kind`."""
    return Refusal(format=kind.format, reason=Reason(f"{kind.prefix}.{code}", kind=kind.words, **params), raw=raw)


def field_refusal(kind: Kind, error: FieldError, raw: str) -> Refusal:
    """The refusal naming the wrong (or missing) field."""
    field, problem = error.field, error.problem
    if problem is MISSING:
        return refusal(kind, f"missing-{field.slug}", raw, field=field.words)
    return refusal(kind, f"bad-{field.slug}", raw, field=field.words, problem=problem)


def personal_credential(kind: Kind, person_key: str, name: str, values: dict[str, Any], raw: str,
                        notes: Iterable[Reason] = (), decoded: Mapping[str, Any] | None = None) -> Credential:
    """A credential whose display name is always the masked `name`; `name` itself is kept in the fields."""
    return Credential(format=kind.format, person_key=person_key, display_name=mask_name(name),
                      fields={"name": name, **values}, raw=raw, notes=tuple(notes), decoded=decoded or {})


def build(kind: Kind, make: Callable[[tuple[str, ...], str, date], Credential], parts: tuple[str, ...],
          raw: str, today: date) -> Credential | Refusal:
    """`make(parts, raw, today)`, or the refusal naming the field it found wrong."""
    try:
        return make(parts, raw, today)
    except FieldError as error:
        return field_refusal(kind, error, raw)


def check_shape(kind: Kind, text: str, min_fields: int) -> tuple[str, ...] | Refusal:
    """The fields of `text` (at least `min_fields`), or a refusal saying why the payload's shape is wrong."""
    if len(text) > MAX_PERSONAL_LENGTH:
        return refusal(kind, "too-long", text, length=len(text))
    split = split_fields(text)
    if split is None:
        return too_few_fields(kind, 1, min_fields, text)
    if split.separator != "|":
        return refusal(kind, "wrong-separator", text, separator=Reason(_SEPARATOR_NAMES[split.separator]))
    if len(split.fields) < min_fields:
        return too_few_fields(kind, len(split.fields), min_fields, text)
    return split.fields


def too_few_fields(kind: Kind, found: int, expected: int, raw: str) -> Refusal:
    return refusal(kind, "too-few-fields", raw, found=found, expected=expected)


def required(field: Field, value: str) -> str:
    """`value` stripped; an empty field raises the MISSING problem, reported as "<prefix>.missing-<slug>"."""
    value = value.strip()
    if not value:
        raise FieldError(field, MISSING)
    return value


def spaced(value: str) -> str:
    """`value` with runs of spaces made one and none at the ends. Only the space: other whitespace (a tab,
    a line break, U+2028) is hidden and left for the check to refuse, never silently cleaned away."""
    return " ".join(part for part in value.split(" ") if part)


def person_name(field: Field, value: str) -> str:
    """A person's name in NFC with single spaces: letters, spaces and the odd apostrophe or hyphen."""
    name = spaced(unicodedata.normalize("NFC", value))
    if not name:
        raise FieldError(field, MISSING)
    if len(name) > 100:
        raise FieldError(field, Problem("problem.longer-than-100-characters"))
    if any(ch.isdigit() for ch in name):
        raise FieldError(field, Problem("problem.contains-digits"))
    if not all(ch.isalpha() or ch in _NAME_PUNCTUATION or unicodedata.combining(ch) or is_hidden(ch)
               for ch in name):
        raise FieldError(field, Problem("problem.contains-characters-that-are-not-letters"))
    if not any(ch.isalpha() for ch in name):
        raise FieldError(field, Problem("problem.has-no-letters"))
    return name


_DATE_PATTERNS = {
    "DDMMYYYY": (re.compile(r"(\d{2})(\d{2})(\d{4})", re.ASCII), ("d", "m", "y")),
    # Insurance cards in the wild also write a day or month below 10 with one digit ("1/2/1990").
    "dd/MM/yyyy": (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII), ("d", "m", "y")),
    "YYYY-MM-DD": (re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII), ("y", "m", "d")),
}


def real_date(field: Field, value: str, layout: str) -> date:
    """A date written as `layout` (a key of _DATE_PATTERNS) that exists on the calendar."""
    pattern, order = _DATE_PATTERNS[layout]
    match = pattern.fullmatch(required(field, value))
    if match is None:
        raise FieldError(field, Problem("problem.not-in-the-form", layout=layout))
    parts = dict(zip(order, (int(group) for group in match.groups())))
    try:
        return date(parts["y"], parts["m"], parts["d"])
    except ValueError:
        raise FieldError(field, Problem("problem.no-such-day-on-the-calendar")) from None


def plausible_past(field: Field, value: date, today: date, not_before: date | None = None) -> date:
    """`value` if it lies between `not_before` (default 1/1/1900) and today (one day of slack for time zones)."""
    earliest = not_before or date(EARLIEST_BIRTH_YEAR, 1, 1)
    if value > today + timedelta(days=1):
        raise FieldError(field, Problem("problem.lies-in-the-future"))
    if value < earliest:
        if not_before is None:
            raise FieldError(field, Problem("problem.before-1900"))
        raise FieldError(field, Problem("problem.earlier-than-the-birth-date"))
    return value


def plausible_year(field: Field, year: int, today: date) -> int:
    if year > today.year:
        raise FieldError(field, Problem("problem.the-year-lies-in-the-future"))
    if year < EARLIEST_BIRTH_YEAR:
        raise FieldError(field, Problem("problem.before-1900"))
    return year


def digits(field: Field, value: str, counts: tuple[int, ...]) -> str:
    """`value` if it is all ASCII digits and has one of the allowed lengths."""
    value = required(field, value)
    wanted = Reason("count.either", first=counts[0], second=counts[1]) if len(counts) == 2 else str(counts[0])
    assert len(counts) <= 2, "name at most two lengths"
    if not (value.isascii() and value.isdigit()):
        raise FieldError(field, Problem("problem.digits-other-characters", wanted=wanted))
    if len(value) not in counts:
        raise FieldError(field, Problem("problem.digits-count", wanted=wanted, found=len(value)))
    return value


def digit_run(field: Field, value: str, shortest: int, longest: int) -> str:
    """`value` if it is all ASCII digits with a length in [shortest, longest]."""
    value = required(field, value)
    if not (value.isascii() and value.isdigit()) or not shortest <= len(value) <= longest:
        raise FieldError(field, Problem("problem.digit-run", shortest=shortest, longest=longest))
    return value


_INSURANCE_CODE = re.compile(r"[A-Z]{2}\d{13}", re.ASCII)


def insurance_layout(value: str) -> str | None:
    """"old" for a 15-character card code (2 letters + 13 digits), "new" for a 10-digit number, else None."""
    if _INSURANCE_CODE.fullmatch(value):
        return "old"
    if len(value) == 10 and value.isascii() and value.isdigit():
        return "new"
    return None


def insurance_number(field: Field, value: str) -> str:
    value = required(field, value)
    if insurance_layout(value) is None:
        raise FieldError(field, Problem("problem.must-be-a-15-character-card-code-e-g-hs4-or-a-10"))
    return value


_PHONE = re.compile(r"(?:0|\+?84)\d{9,10}", re.ASCII)


def phone_number(field: Field, value: str) -> str:
    """A Vietnamese phone number, kept as written (leading 0 or +84)."""
    value = required(field, value).replace(" ", "")
    if not _PHONE.fullmatch(value):
        raise FieldError(field, Problem("problem.must-be-10-11-digits-starting-with-0-or-84"))
    return value
