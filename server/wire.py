"""The entry wire format (kiosk.contract, written by kiosk.entry.Entry.to_json), checked on arrival.

Every problem becomes an `InvalidEntry` whose message names the field and whose code says what kind of
problem it is, so the kiosk's "rejected" table says exactly what was wrong with the entry it kept, and one
bad entry never costs the rest of its batch.

Hostile content is looked for first, in every string of an entry, keys included, at any depth:
- control characters (Unicode Cc), tab, line feed and carriage return included: none of these fields is
  free text with lines, and a line break inside a name or key only ever hides or forges something;
- format characters (Cf: zero-width characters, U+FEFF, the bidi controls U+202A–202E and U+2066–2069)
  and the line/paragraph separators U+2028/U+2029, which make a text read differently from what it holds;
- lone surrogates (JSON "\\ud800", or bytes that are not UTF-8), which no database can store.
Numbers must be finite and short; an entry may nest at most `MAX_NESTING` levels. Then the fields are
validated by one declared model, `WireEntry`, whose first problem is reported in the words of its field.

Personal fields come either sealed to the health authority (`sealed`, base64 of the box, with its key id
`sealed_kid`) or in clear as `fields` for the server to seal (server.sealing_store), never both. An entry of
the previous kiosk version has no `linked_key`, `sealed` or `sealed_kid`: they default to "".
"""

from __future__ import annotations

import binascii
import json
import math
import re
import sys
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints,
                      ValidationError, ValidationInfo, field_validator)
from pydantic_core import ErrorDetails, PydanticCustomError

from kiosk.contract import (MAX_FIELDS_BYTES, MAX_NESTING, MAX_SEALED_BYTES, SEALED_KID_PATTERN, TEXT_LIMITS,
                            Direction, Outcome, Source)
from kiosk.tracing.identity import link_of

SEALED_KID = re.compile(SEALED_KID_PATTERN)
MAX_NUMBER_LENGTH = 64  # characters of one JSON number; Python refuses ints past 4300 digits for a whole body
CLOCK_SKEW_TOLERANCE = timedelta(days=1)  # how far a kiosk's clock may be ahead, or behind the retention window
_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")


class Problem:
    """The codes of per-entry refusals (the `code` of a rejected result)."""

    MALFORMED = "malformed_field"  # missing, wrong type, not a UUID/time/choice, too long or too large
    HIDDEN_CHARACTER = "hidden_character"  # a control, format (bidi, zero-width) or separator character
    LONE_SURROGATE = "lone_surrogate"  # half a UTF-16 pair, or bytes that are not UTF-8
    NOT_FINITE = "not_finite"  # NaN, Infinity, -Infinity, or a number too large for a float
    NUMBER_TOO_LONG = "number_too_long"
    TOO_DEEP = "too_deep"
    TIME_IN_FUTURE = "time_in_future"
    TIME_TOO_OLD = "time_too_old"
    ID_TAKEN = "id_taken"  # another station's entry already has this id
    DATABASE_REFUSED = "database_refused"


class InvalidEntry(ValueError):
    """An entry the server will never accept as it is; the message says which field and why."""

    def __init__(self, message: str, code: str = Problem.MALFORMED) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Unusable:
    """Stands where the body held a value the server will not take (NaN, a 5000-digit number, an entry
    nested too deep to decode), so that only the entry holding it is rejected, not the whole batch."""

    code: str
    why: str
    claimed_id: str | None = None


_NOT_FINITE = Unusable(Problem.NOT_FINITE, "NaN and Infinity are not JSON numbers")
_TOO_LONG = Unusable(Problem.NUMBER_TOO_LONG, f"a number longer than {MAX_NUMBER_LENGTH} characters")


def _int(text: str) -> int | Unusable:
    return int(text) if len(text) <= MAX_NUMBER_LENGTH else _TOO_LONG


def _float(text: str) -> float | Unusable:
    if len(text) > MAX_NUMBER_LENGTH:
        return _TOO_LONG
    value = float(text)
    return value if math.isfinite(value) else _NOT_FINITE  # 1e999 overflows to inf


# For json.loads: a bad number becomes an `Unusable` in place instead of failing the whole document.
JSON_HOOKS: dict[str, Any] = {"parse_int": _int, "parse_float": _float, "parse_constant": lambda _: _NOT_FINITE}


@dataclass(frozen=True)
class TimeWindow:
    """The scan times the server accepts: not further ahead of its clock than the tolerance, not older than
    the station's retention window (an entry the kiosk should have purged) plus the tolerance."""

    now: datetime
    retention_days: int
    tolerance: timedelta = CLOCK_SKEW_TOLERANCE
    earliest: datetime = field(init=False)
    latest: datetime = field(init=False)

    def __post_init__(self) -> None:
        try:
            earliest = self.now - timedelta(days=self.retention_days) - self.tolerance
        except OverflowError:  # a retention of millions of days: no lower bound
            earliest = datetime.min.replace(tzinfo=timezone.utc)
        object.__setattr__(self, "earliest", earliest)
        object.__setattr__(self, "latest", self.now + self.tolerance)

    def check(self, moment: datetime) -> None:
        if moment > self.latest:
            raise InvalidEntry(f"scanned_at: {moment.isoformat()} is more than {_days(self.tolerance)} ahead of "
                               f"the server's clock ({self.now.isoformat(timespec='seconds')})",
                               Problem.TIME_IN_FUTURE)
        if moment < self.earliest:
            raise InvalidEntry(f"scanned_at: {moment.isoformat()} is older than the retention window "
                               f"({self.retention_days} days, plus {_days(self.tolerance)} for clock skew)",
                               Problem.TIME_TOO_OLD)


def _days(span: timedelta) -> str:
    return "1 day" if span == timedelta(days=1) else f"{span.total_seconds() / 86400:g} days"


# --- the fields, one by one ------------------------------------------------------------------------------


def _uuid(value: object) -> uuid.UUID:
    if not isinstance(value, str):
        raise PydanticCustomError(Problem.MALFORMED, "id: missing or not a string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise PydanticCustomError(Problem.MALFORMED, f"id: {value[:40]!r} is not a UUID") from None


def _moment(value: object) -> datetime:
    if not isinstance(value, str):
        raise PydanticCustomError(Problem.MALFORMED, "scanned_at: missing or not a string")
    try:
        moment = datetime.fromisoformat(value) if len(value) <= 64 else None
    except ValueError:
        moment = None
    if moment is None:
        raise PydanticCustomError(Problem.MALFORMED, f"scanned_at: {value[:40]!r} is not an ISO 8601 time")
    if moment.tzinfo is None:
        raise PydanticCustomError(Problem.MALFORMED, "scanned_at: the time has no time zone")
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise PydanticCustomError(Problem.TIME_IN_FUTURE if moment.year > 1 else Problem.TIME_TOO_OLD,
                                  f"scanned_at: {value!r} is outside the years 1 to 9999 in UTC") from None


def _fields(value: dict[str, Any]) -> dict[str, Any]:
    if value and len(json.dumps(value, ensure_ascii=False)) > MAX_FIELDS_BYTES:
        raise PydanticCustomError(Problem.MALFORMED, f"fields: larger than {MAX_FIELDS_BYTES} bytes")
    return value


def _sealed(value: object) -> bytes:
    if not isinstance(value, str):
        raise PydanticCustomError(Problem.MALFORMED, "sealed: not a string")
    too_large = PydanticCustomError(Problem.MALFORMED, f"sealed: larger than {MAX_SEALED_BYTES} bytes")
    if len(value) > (MAX_SEALED_BYTES + 2) // 3 * 4:  # before decoding it
        raise too_large
    try:
        box = binascii.a2b_base64(value, strict_mode=True)  # b64decode(validate=True) less its wrapping
    except ValueError:  # binascii.Error, or a character past ASCII
        raise PydanticCustomError(Problem.MALFORMED, "sealed: not base64") from None
    if len(box) > MAX_SEALED_BYTES:
        raise too_large
    return box


def _sealed_kid(value: object) -> str:
    if not isinstance(value, str) or not (value == "" or (len(value) <= TEXT_LIMITS["sealed_kid"]
                                                           and SEALED_KID.fullmatch(value))):
        raise PydanticCustomError(Problem.MALFORMED, "sealed_kid: not an authority key id "
                                  "(16 hexadecimal digits, a slash and an ISO week such as 2026-W49)")
    return value


def _text(name: str, required: bool) -> Any:
    """A text field of the wire format: a string (nothing else becomes one), not longer than its limit."""
    return Annotated[str, StringConstraints(strict=True, min_length=int(required), max_length=TEXT_LIMITS[name])]


_Station = _text("station", required=True)
_Format = _text("format", required=True)
_PersonKey = _text("person_key", required=False)  # required unless the door refused: see WireEntry
_LinkedKey = _text("linked_key", required=False)
_DisplayName = _text("display_name", required=False)


_CHOICES = {name: ", ".join(sorted(choice.value for choice in kind))
            for name, kind in (("verdict", Outcome), ("direction", Direction), ("source", Source))}
_WRONG_TYPE = {  # what pydantic's own refusals (missing, not the declared type) say, per field
    "id": "id: missing or not a string",
    "scanned_at": "scanned_at: missing or not a string",
    "fields": "fields: not a JSON object",
    "reasons": "reasons: not a list",
    "linked_key": "linked_key: not a string",
}
_PROBLEM_CODES = frozenset(value for name, value in vars(Problem).items() if not name.startswith("_"))


# --- reasons ---------------------------------------------------------------------------------------------
# (Above the entry's model, which needs `_reasons` defined to be complete when it is declared.)

MAX_REASONS = 32
MAX_REASON_PARAMS = 16
MAX_REASON_TEXT = 1000
MAX_REASON_DEPTH = 2
_NOT_A_REASON = "reasons: each reason needs a code and params (or code, vi and en strings)"
_OLD_REASON_KEYS = {"code", "vi", "en"}
_REASON_KEYS = {"code", "params"}


def _reasons(value: object) -> list[dict[str, Any]]:
    """Reasons as {"code", "params"}: each parameter a short text or, two levels deep at most, a reason of
    its own; bounded in count and length. A kiosk not yet upgraded sends {"code", "vi", "en"}: stored as a
    code with its two sentences inline (kiosk.messages.inline), so that the table holds one shape."""
    if not isinstance(value, list) or len(value) > MAX_REASONS:
        raise _refused(f"reasons: not a list of at most {MAX_REASONS}")
    return [_reason(item, 0) for item in value]


def _short(text: object) -> bool:
    return isinstance(text, str) and len(text) <= MAX_REASON_TEXT


def _refused(message: str) -> PydanticCustomError:
    return PydanticCustomError(Problem.MALFORMED, message)


def _reason(item: object, depth: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _refused(_NOT_A_REASON)
    if item.keys() == _OLD_REASON_KEYS and _short(item["code"]) and _short(item["vi"]) and _short(item["en"]):
        return {"code": item["code"], "params": {"vi": item["vi"], "en": item["en"]}}
    params = item.get("params")
    if not (item.keys() == _REASON_KEYS and _short(item["code"]) and isinstance(params, dict)
            and len(params) <= MAX_REASON_PARAMS and all(_short(name) for name in params)):
        raise _refused(_NOT_A_REASON)
    if all(_short(value) for value in params.values()):
        return {"code": item["code"], "params": dict(params)}
    if depth == MAX_REASON_DEPTH:
        raise _refused(f"reasons: reasons nest at most {MAX_REASON_DEPTH} deep")
    return {"code": item["code"],
            "params": {name: value if _short(value) else _reason(value, depth + 1) for name, value in params.items()}}


# --- the entry -------------------------------------------------------------------------------------------


class WireEntry(BaseModel):
    """One uploaded entry as the server takes it: its fields in the order they are checked, so the first
    problem found is the one reported (`verdict` first: whether `person_key` may be empty depends on it)."""

    model_config = ConfigDict(frozen=True, use_enum_values=True)

    verdict: Outcome
    id: Annotated[uuid.UUID, BeforeValidator(_uuid)]
    scanned_at: Annotated[datetime, BeforeValidator(_moment)]
    station: _Station
    direction: Direction
    source: Source
    format: _Format
    # "" only for an entry the door refused (a URL, a damaged code: no person to key)
    person_key: _PersonKey = Field("", validate_default=True)
    linked_key: _LinkedKey = ""  # clear; the key this entry proves linked to person_key
    display_name: _DisplayName = ""
    sealed: Annotated[bytes, BeforeValidator(_sealed)] = b""
    sealed_kid: Annotated[str, BeforeValidator(_sealed_kid)] = Field("", validate_default=True)
    fields: Annotated[dict[str, Any], Strict(), AfterValidator(_fields)] = {}
    reasons: Annotated[list[dict[str, Any]], BeforeValidator(_reasons)] = []

    @field_validator("person_key")
    @classmethod
    def _person_behind_it(cls, value: str, info: ValidationInfo) -> str:
        """Required for every entry of a person the door let in (or warned about); a refusal at the door
        has no person behind it, and must still reach the server."""
        if not value and info.data.get("verdict") != Outcome.REFUSE:
            raise PydanticCustomError(Problem.MALFORMED, "person_key: missing, empty or not a string")
        return value

    @field_validator("linked_key")
    @classmethod
    def _a_link_the_entry_proves(cls, value: str, info: ValidationInfo) -> str:
        """Only what kiosk.tracing.identity.link_of makes (a national QR code's QID and the ID number it
        shows): a link merges two keys in every trace, so a kiosk cannot claim any other."""
        person_key, number = info.data.get("person_key", ""), value.partition(":")[2]
        if value and link_of(info.data.get("format", ""), person_key, {"id_number": number}) != (person_key, value):
            raise PydanticCustomError(Problem.MALFORMED, "linked_key: only a national QR code's QID is linked, "
                                      "to the ID number it shows")
        return value

    @field_validator("sealed_kid")
    @classmethod
    def _kid_with_its_box(cls, value: str, info: ValidationInfo) -> str:
        """A box without its key id cannot be opened; a key id without a box names nothing."""
        if bool(value) != bool(info.data.get("sealed")):
            raise PydanticCustomError(Problem.MALFORMED, "sealed_kid: sealed and sealed_kid go together")
        return value

    @field_validator("fields")
    @classmethod
    def _sealed_or_clear(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Sealed fields and clear fields together: which one is the visitor's is anyone's guess."""
        if value and info.data.get("sealed"):
            raise PydanticCustomError(Problem.MALFORMED, "fields: an entry with sealed fields sends fields {}")
        return value


_ENTRY = WireEntry.__pydantic_validator__


def claimed_id(item: object) -> str | None:
    """The id an item says it has, to answer about it even when it is otherwise unusable; None for one that
    could not be written back in the answer (no kiosk makes such an id: it could not match the answer)."""
    value = item.claimed_id if isinstance(item, Unusable) else item.get("id") if isinstance(item, dict) else None
    if not isinstance(value, str) or len(value) > 100 or _HOSTILE.search(value):
        return None
    return value


def parse_entry(item: object, window: TimeWindow) -> WireEntry:
    check_content(item)
    if not isinstance(item, dict):
        raise InvalidEntry("an entry must be a JSON object")
    try:
        entry = _ENTRY.validate_python(item)
    except ValidationError as problems:
        raise _invalid(problems.errors(include_url=False, include_context=False)[0]) from None
    if entry.sealed and item["id"] != str(entry.id):
        # The box is bound to the id as written; the authority opens it with the id as stored.
        raise InvalidEntry("id: a sealed entry's id is written in lowercase with hyphens")
    window.check(entry.scanned_at)
    return entry


def _invalid(error: ErrorDetails) -> InvalidEntry:
    """The first problem pydantic found, worded per field as the kiosk's rejected table shows it."""
    name, kind = str(error["loc"][0]), error["type"]
    if kind in _PROBLEM_CODES:  # raised by the checks above: message and code are already ours
        return InvalidEntry(error["msg"], kind)
    if name in _CHOICES:
        value = None if kind == "missing" else error["input"]
        return InvalidEntry(f"{name}: {str(value)[:40]!r} is not one of {_CHOICES[name]}")
    if name in TEXT_LIMITS:
        if kind == "string_too_long":
            return InvalidEntry(f"{name}: longer than {TEXT_LIMITS[name]} characters")
        return InvalidEntry(_WRONG_TYPE.get(name, f"{name}: missing, empty or not a string"))
    return InvalidEntry(_WRONG_TYPE[name])


# --- hostile content, anywhere in an entry --------------------------------------------------------------


def _hostile_code_points() -> str:
    """A regular-expression class of every code point refused in a string (see the module docstring)."""
    refused = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    points = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in refused]
    ranges, start = [], points[0]
    for previous, current in zip(points, points[1:] + [-1]):
        if current != previous + 1:
            ranges.append(f"\\U{start:08X}" if start == previous else f"\\U{start:08X}-\\U{previous:08X}")
            start = current
    return "[" + "".join(ranges) + "]"


_HOSTILE = re.compile(_hostile_code_points())
_CATEGORY_WORDS = {
    "Cc": "a control character",
    "Cf": "an invisible format character (zero-width, byte order mark or bidi control)",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


def check_content(value: object) -> None:
    """Raise InvalidEntry for the first hostile string, unusable number or too deep nesting in `value`."""
    if not _plainly_clean(value, 0):
        _check(value, "", 0)  # the slow walk that names what is wrong (or finds that nothing is)


def _plainly_clean(value: object, depth: int) -> bool:
    """True when every string is printable (none of the refused characters is), no number is unusable and
    the nesting is within the limit: a quick walk, because every entry of every batch takes it."""
    kind = type(value)
    if kind is str:
        return value.isprintable()
    if kind is dict:
        if depth >= MAX_NESTING:
            return False
        for key, item in value.items():
            item_kind = type(item)
            if not key.isprintable() or item_kind is Unusable:
                return False
            if item_kind is str:
                if not item.isprintable():
                    return False
            elif (item_kind is dict or item_kind is list) and not _plainly_clean(item, depth + 1):
                return False
        return True
    if kind is list:
        return depth < MAX_NESTING and all(_plainly_clean(item, depth + 1) for item in value)
    return kind is not Unusable


def _check(value: object, path: str, depth: int) -> None:
    if isinstance(value, str):
        _check_text(value, path or "entry")
    elif isinstance(value, dict):
        _check_depth(path, depth)
        for key, item in value.items():
            _check_text(key, f"{path or 'entry'} (a key)")
            _check(item, _child(path, key), depth + 1)
    elif isinstance(value, list):
        _check_depth(path, depth)
        for index, item in enumerate(value):
            _check(item, f"{path or 'entry'}[{index}]", depth + 1)
    elif isinstance(value, Unusable):
        raise InvalidEntry(f"{path or 'entry'}: {value.why}", value.code)


def _check_depth(path: str, depth: int) -> None:
    if depth >= MAX_NESTING:
        raise InvalidEntry(f"{path or 'entry'}: nested deeper than {MAX_NESTING} levels", Problem.TOO_DEEP)


def _check_text(text: str, where: str) -> None:
    found = _HOSTILE.search(text)
    if found is None:
        return
    point = found.group()
    category = unicodedata.category(point)
    if category == "Cs":
        raise InvalidEntry(f"{where}: holds a lone surrogate (U+{ord(point):04X}) or bytes that are not UTF-8",
                           Problem.LONE_SURROGATE)
    raise InvalidEntry(f"{where}: holds U+{ord(point):04X}, {_CATEGORY_WORDS[category]}", Problem.HIDDEN_CHARACTER)


def _child(path: str, key: str) -> str:
    """`fields.name`; a key that is not a plain word is not repeated (it may be what is wrong)."""
    shown = key if _SAFE_KEY.fullmatch(key) else "?"
    return f"{path}.{shown}" if path else shown
