"""What a stranger can send, and what must happen: one file of cases, run against the real server (SQLite
and PostgreSQL) and against the kiosk's parsers.

Each case names its input and the outcome that must follow. A case is never "anything but a crash": it
says which answer, which refusal code or which field.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any


# --- the server: entries a kiosk (or anyone with a station token) uploads ---------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text put into a body as it is: what json.dumps would not write (NaN spelled as the kiosk must
    not, 5000-digit numbers, 1000 levels of brackets, bytes that are not UTF-8)."""

    text: bytes


@dataclass(frozen=True)
class ServerCase:
    """One hostile entry (or body, or header) sent to POST /api/v1/entries, and what must come back.

    `expect` is the entry's status in the answer ("rejected", with `reason_has` in its reason and `code` as
    its code; or "accepted"), or an HTTP status for the whole request ("422", with `code` as the error
    code). A case with an entry is sent next to a good entry of the same station, which must be stored."""

    name: str
    expect: str
    reason_has: str = ""
    code: str = ""
    entry: dict[str, Any] = field(default_factory=dict)  # overrides applied to a good entry; values may be Raw
    raw: bytes | None = None  # a whole body sent as it is, instead of entries
    content_encoding: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # sent with the request (hostile values)
    repeat: dict[str, Any] | None = None  # the same entry (same id) sent again in the batch, with these changes
    id_answered: bool = True  # False: the id itself is unusable, and the answer names none (id null)


def batch_body(entries: list[dict[str, Any]]) -> bytes:
    """{"entries": [...]} as UTF-8 bytes, with every Raw value written as it is."""
    raws: list[bytes] = []

    def placeholder(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(value.text)
            return f"@raw-{len(raws) - 1}@"
        if isinstance(value, dict):
            return {key: placeholder(item) for key, item in value.items()}
        if isinstance(value, list):
            return [placeholder(item) for item in value]
        return value

    body = json.dumps({"entries": placeholder(entries)}).encode()  # ASCII: lone surrogates as \ud800
    for number, text in enumerate(raws):
        body = body.replace(f'"@raw-{number}@"'.encode(), text)
    return body


_NOW = datetime.now(timezone.utc)
_REFUSED_AT_THE_DOOR = {"verdict": "refuse", "format": "other", "person_key": "", "display_name": "", "fields": {},
                        "reasons": [{"code": "other.url", "vi": "Đây là một đường link", "en": "This is a link"}]}
HIDDEN, SURROGATE, MALFORMED = "hidden_character", "lone_surrogate", "malformed_field"

SERVER_CASES: list[ServerCase] = [
    # Control characters (Cc), tab and line breaks included, anywhere in the entry.
    ServerCase("nul in the name", "rejected", "display_name: holds U+0000", HIDDEN,
               {"display_name": "NGUYEN\x00 V** A*"}),
    ServerCase("nul in a field value", "rejected", "fields.name: holds U+0000", HIDDEN,
               {"fields": {"name": "NGUYEN VAN\x00 AN"}}),
    ServerCase("nul in a field key", "rejected", "fields (a key): holds U+0000", HIDDEN,
               {"fields": {"na\x00me": "NGUYEN VAN AN"}}),
    ServerCase("nul in the person key", "rejected", "person_key", HIDDEN, {"person_key": "qid:1629\x000000001"}),
    ServerCase("tab in the name", "rejected", "display_name: holds U+0009", HIDDEN, {"display_name": "NGUYEN\tV**"}),
    ServerCase("line feed in the format", "rejected", "format: holds U+000A", HIDDEN, {"format": "vn-qr\n"}),
    ServerCase("carriage return in a reason", "rejected", "reasons[0].en: holds U+000D", HIDDEN,
               {"reasons": [{"code": "test.note", "vi": "Ghi chú", "en": "Note\r"}]}),
    ServerCase("escape (ANSI) in a nested value", "rejected", "fields.card.number", HIDDEN,
               {"fields": {"card": {"number": "\x1b[2J0123"}}}),
    ServerCase("delete character", "rejected", "U+007F", HIDDEN, {"fields": {"phone": "0912\x7f345678"}}),
    ServerCase("C1 control (next line)", "rejected", "U+0085", HIDDEN, {"fields": {"address": "Hà Nội\x85"}}),
    # Format characters (Cf): zero-width, byte order mark, bidi controls; and the Unicode line separators.
    ServerCase("zero-width space in the person key", "rejected", "person_key: holds U+200B", HIDDEN,
               {"person_key": "qid:1629\u200b00000000001"}),
    ServerCase("byte order mark in the station", "rejected", "station: holds U+FEFF", HIDDEN,
               {"station": "\ufeffCổng"}),
    ServerCase("right-to-left override in a nested value", "rejected", "fields.visit.purpose: holds U+202E",
               HIDDEN, {"fields": {"visit": {"purpose": "thăm \u202eexe.txt"}}}),
    ServerCase("left-to-right embedding in a list item", "rejected", "fields.notes[1]: holds U+202A", HIDDEN,
               {"fields": {"notes": ["ok", "\u202aabc"]}}),
    ServerCase("pop directional formatting", "rejected", "U+202C", HIDDEN, {"display_name": "NGUYEN\u202c V**"}),
    ServerCase("first strong isolate in a reason", "rejected", "reasons[0].vi: holds U+2068", HIDDEN,
               {"reasons": [{"code": "test.note", "vi": "\u2068Ghi chú\u2069", "en": "Note"}]}),
    ServerCase("right-to-left isolate in a key", "rejected", "fields (a key): holds U+2067", HIDDEN,
               {"fields": {"\u2067name": "NGUYEN VAN AN"}}),
    ServerCase("bidi control in a key the entry does not use", "rejected", "entry (a key): holds U+202D", HIDDEN,
               {"note\u202d": "x"}),
    ServerCase("line separator", "rejected", "fields.address: holds U+2028", HIDDEN,
               {"fields": {"address": "Số 1\u2028Hà Nội"}}),
    # Lone surrogates and bytes that are not UTF-8: no database can store them.
    ServerCase("lone high surrogate in the name", "rejected", "display_name: holds a lone surrogate (U+D800)",
               SURROGATE, {"display_name": "NGUYEN \ud800"}),
    ServerCase("lone low surrogate in a field key", "rejected", "fields (a key): holds a lone surrogate",
               SURROGATE, {"fields": {"\udc00": "x"}}),
    ServerCase("bytes that are not UTF-8", "rejected", "fields.name: holds a lone surrogate", SURROGATE,
               {"fields": {"name": Raw(b'"NGUYEN \xff\xfe AN"')}}),
    # Numbers Python's json module accepts and no database wants.
    ServerCase("NaN in a field", "rejected", "fields.temperature: NaN and Infinity", "not_finite",
               {"fields": {"temperature": Raw(b"NaN")}}),
    ServerCase("Infinity in a field", "rejected", "fields.doses", "not_finite", {"fields": {"doses": Raw(b"Infinity")}}),
    ServerCase("-Infinity deep in a list", "rejected", "fields.readings[2]", "not_finite",
               {"fields": {"readings": [1, 2, Raw(b"-Infinity")]}}),
    ServerCase("NaN as the scan time", "rejected", "scanned_at: NaN", "not_finite", {"scanned_at": Raw(b"NaN")}),
    ServerCase("a float too large (1e999)", "rejected", "fields.weight: NaN and Infinity", "not_finite",
               {"fields": {"weight": Raw(b"1e999")}}),
    ServerCase("an integer of 5000 digits", "rejected", "fields.count: a number longer than 64", "number_too_long",
               {"fields": {"count": Raw(b"9" * 5000)}}),
    ServerCase("an integer of 100000 digits as the id", "rejected", "id", "number_too_long",
               {"id": Raw(b"1" * 100_000)}, id_answered=False),
    ServerCase("a float of 5000 digits", "rejected", "fields.ratio", "number_too_long",
               {"fields": {"ratio": Raw(b"0." + b"3" * 5000)}}),
    # Nesting: too deep for the server's limit, and too deep for Python's decoder.
    ServerCase("objects 40 deep", "rejected", "nested deeper than 32", "too_deep",
               {"fields": {"a": Raw(b'{"a": ' * 40 + b"1" + b"}" * 40)}}),
    ServerCase("lists 1000 deep", "rejected", "nested deeper than 32", "too_deep",
               {"fields": {"a": Raw(b"[" * 1000 + b"]" * 1000)}}),
    ServerCase("lists 200000 deep", "rejected", "nested deeper than 32", "too_deep",
               {"fields": {"a": Raw(b"[" * 200_000 + b"]" * 200_000)}}),
    ServerCase("nested 1000 deep outside the entries", "422", "nested too deeply", "malformed",
               raw=b'{"entries": [], "padding": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
    ServerCase("an entry 1000 deep, then a trailing comma", "422", "not valid JSON", "malformed",
               raw=b'{"entries": [{"a": ' + b"[" * 1000 + b"]" * 1000 + b"},]}"),
    ServerCase("an entry 1000 deep, its brackets not closed", "422", "not valid JSON", "malformed",
               raw=b'{"entries": [{"a": ' + b"[" * 1000 + b"]" * 999 + b"}]}"),
    # Times: beyond the clock tolerance, before the retention window, beyond what Python can hold in UTC.
    ServerCase("two days in the future", "rejected", "ahead of the server's clock", "time_in_future",
               {"scanned_at": (_NOW + timedelta(days=2)).isoformat()}),
    ServerCase("the year 9999", "rejected", "ahead of the server's clock", "time_in_future",
               {"scanned_at": "9999-12-31T23:59:59+00:00"}),
    ServerCase("after the year 9999 in UTC", "rejected", "outside the years 1 to 9999", "time_in_future",
               {"scanned_at": "9999-12-31T23:59:59-01:00"}),
    ServerCase("before the year 1 in UTC", "rejected", "outside the years 1 to 9999", "time_too_old",
               {"scanned_at": "0001-01-01T00:00:00+01:00"}),
    ServerCase("older than the retention window", "rejected", "older than the retention window (28 days",
               "time_too_old", {"scanned_at": (_NOW - timedelta(days=40)).isoformat()}),
    ServerCase("the year 1970", "rejected", "older than the retention window", "time_too_old",
               {"scanned_at": "1970-01-01T00:00:00Z"}),
    # Shapes a careless check turns into a 500.
    ServerCase("a verdict that is an object", "rejected", "verdict", MALFORMED, {"verdict": {"admit": True}}),
    ServerCase("a direction that is a list", "rejected", "direction", MALFORMED, {"direction": ["in"]}),
    ServerCase("an id that is a list", "rejected", "id: missing or not a string", MALFORMED, {"id": ["x"]},
               id_answered=False),
    ServerCase("an id with a lone surrogate", "rejected", "id: holds a lone surrogate", SURROGATE,
               {"id": "\ud800" + "0" * 35}, id_answered=False),
    ServerCase("an id with a nul", "rejected", "id: holds U+0000", HIDDEN, {"id": "\x00" + "0" * 35},
               id_answered=False),
    ServerCase("a name too long", "rejected", "display_name: longer than 256", MALFORMED,
               {"display_name": "A" * 257}),
    ServerCase("fields too large", "rejected", "fields: larger than 16384 bytes", MALFORMED,
               {"fields": {"photo": "x" * 20_000}}),
    # The door's own refusals must reach the server; an admitted person must have a key.
    ServerCase("a refusal at the door without a person key", "accepted", entry=_REFUSED_AT_THE_DOOR),
    ServerCase("an admitted entry without a person key", "rejected", "person_key: missing", MALFORMED,
               {"person_key": ""}),
    # The same id twice in one batch: one answer, the first content kept.
    ServerCase("the same id twice with other content", "accepted", repeat={"display_name": "TRAN T** B*"}),
    ServerCase("the same id twice, the second invalid", "accepted", repeat={"display_name": "NGUYEN\x00"}),
    # Whole bodies.
    ServerCase("a second gzip member", "422", "more than one member", "malformed",
               raw=gzip.compress(b'{"entries": []}') + gzip.compress(b'{"entries": []}'), content_encoding="gzip"),
    ServerCase("bytes after the gzip member", "422", "more than one member", "malformed",
               raw=gzip.compress(b'{"entries": []}') + b"tail", content_encoding="gzip"),
    # The kiosk's headers are hostile input too: what does not read cleanly is not recorded.
    ServerCase("a queue length in other digits", "accepted", headers={"X-Queue-Length": "\u00b2"}),
    ServerCase("a queue length too large for the database", "accepted", headers={"X-Queue-Length": "9" * 12}),
    ServerCase("an oldest waiting time beyond the year 9999", "accepted",
               headers={"X-Queue-Oldest": "9999-12-31T23:59:59-01:00"}),
    ServerCase("an oldest waiting time that is not a time", "accepted", headers={"X-Queue-Oldest": "gestern"}),
    ServerCase("a station time beyond the year 9999", "accepted",
               headers={"X-Station-Time": "9999-12-31T23:59:59-01:00"}),
]


# --- the kiosk's parsers: texts a visitor's QR code (or a USB scanner) can carry --------------------------


@dataclass(frozen=True)
class ParserCase:
    """One hostile text given to kiosk.credentials.parse, and the refusal (or clean credential) that must
    come back."""

    name: str
    text: str
    expect: str  # "refused" with a reason code containing `code_has`, or "clean" (parsed, no hostile char)
    code_has: str = ""


PARSER_CASES: list[ParserCase] = [
]
