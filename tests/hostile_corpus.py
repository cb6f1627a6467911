"""What a stranger can send, and what must happen: one file of cases, run against the real server (SQLite
and PostgreSQL) and against the kiosk's parsers.

Each case names its input and the outcome that must follow. A case is never "anything but a crash": it
says which answer, which refusal code or which field.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import cbor2

from kiosk.credentials.examples import AN, bhyt_payload, cccd_payload, with_field
from tests.test_credentials_support import hc1_certificate, hc1_claims, hd1_claims


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
_SEALED = base64.b64encode(bytes(range(256)) * 5).decode()  # as large as a real box; the server cannot open it
_KID = "3F2A9C01B7D4E655/2026-W49"

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
    # Fields sealed to the health authority: a bounded box with the id of the key it was sealed to, never
    # next to clear fields.
    ServerCase("a sealed entry", "accepted", entry={"sealed": _SEALED, "sealed_kid": _KID, "fields": {}}),
    ServerCase("a sealed box too large", "rejected", "sealed: larger than 8192 bytes", MALFORMED,
               {"sealed": base64.b64encode(bytes(8193)).decode(), "sealed_kid": _KID, "fields": {}}),
    ServerCase("a sealed box that is not base64", "rejected", "sealed: not base64", MALFORMED,
               {"sealed": "not base64!", "sealed_kid": _KID, "fields": {}}),
    ServerCase("a key id the authority never made", "rejected", "sealed_kid: not an authority key id", MALFORMED,
               {"sealed": _SEALED, "sealed_kid": "local", "fields": {}}),
    ServerCase("a key id with a bidi control", "rejected", "sealed_kid: holds U+202E", HIDDEN,
               {"sealed": _SEALED, "sealed_kid": "\u202e" + _KID, "fields": {}}),
    ServerCase("a sealed box without its key id", "rejected", "sealed and sealed_kid go together", MALFORMED,
               {"sealed": _SEALED, "fields": {}}),
    ServerCase("sealed fields and clear fields together", "rejected", "fields: an entry with sealed fields",
               MALFORMED, {"sealed": _SEALED, "sealed_kid": _KID}),
    ServerCase("a linked key too long", "rejected", "linked_key: longer than 256", MALFORMED,
               {"linked_key": "cccd:" + "1" * 260}),
    ServerCase("a link no national QR code proves", "rejected", "linked_key: only a national QR code's QID",
               MALFORMED, {"format": "cccd", "person_key": "cccd:001099012345", "linked_key": "cccd:001099054321"}),
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
#
# Signed cases carry the payload to sign (claims, or ready CBOR bytes) and the name of the signing helper
# in tests/test_credentials_support.py ("hd1": our declaration key, "hc1": the EU test document signer),
# both trusted by the context the test parses with; "hc1-raw" is Base45 of the bytes as they are (to put a
# zlib bomb behind the prefix).


@dataclass(frozen=True)
class ParserCase:
    """One hostile text given to kiosk.credentials.parse, and what must come back: for "refused", a refusal
    of `format` with exactly the reason `code`; for "admitted", a credential of `format` none of whose
    values holds a hidden character."""

    name: str
    expect: str  # "refused" or "admitted"
    format: str
    code: str = ""
    text: str = ""
    signed: str = ""  # "", "hd1", "hc1" or "hc1-raw": sign (or wrap) `payload` with that helper
    payload: Any = None


def _nested(depth: int) -> bytes:
    """A CBOR array nested `depth` deep, as the whole claims."""
    return b"\x81" * depth + b"\x00"


def _with_bytes(claims: dict, placeholder: bytes, replacement: bytes) -> bytes:
    """`claims` encoded, with one encoded item swapped for bytes no encoder would write."""
    encoded = cbor2.dumps(claims)
    assert encoded.count(placeholder) == 1
    return encoded.replace(placeholder, replacement)


def _huge(digits: int) -> int:
    return 10 ** digits


_AN = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"
_CCCD = cccd_payload(AN)
_BHYT = bhyt_payload(AN)

PARSER_CASES: list[ParserCase] = [
    # Each format, genuine: the corpus's own control.
    ParserCase("genuine national QR", "admitted", "vn-qr", text=_AN),
    ParserCase("genuine chip ID card", "admitted", "cccd", text=_CCCD),
    ParserCase("genuine health-insurance card", "admitted", "bhyt", text=_BHYT),
    ParserCase("genuine declaration", "admitted", "hd1", signed="hd1", payload=hd1_claims()),
    ParserCase("genuine EU certificate", "admitted", "dcc", signed="hc1", payload=hc1_claims()),
    ParserCase("byte-order mark and CR LF around a card are a scanner's, removed", "admitted", "cccd",
               text="\ufeff" + _CCCD + "\r\n"),

    # Hidden characters in the raw text, named with their field.
    ParserCase("NUL in a national QR's name", "refused", "vn-qr", "hidden-character.name",
               text=_AN.replace("NGUYEN VAN", "NGUYEN\x00VAN")),
    ParserCase("right-to-left override in a card's address", "refused", "cccd", "hidden-character.address",
               text=_CCCD.replace("Phường", "\u202ePhường")),
    ParserCase("zero-width space in a QID", "refused", "vn-qr", "hidden-character.qid",
               text=_AN.replace("1629000", "1629\u200b000")),
    ParserCase("byte-order mark inside a card's name", "refused", "cccd", "hidden-character.name",
               text=_CCCD.replace("Nguyễn Văn", "Nguyễn\ufeffVăn")),
    ParserCase("soft hyphen in a card's ID number", "refused", "cccd", "hidden-character.id-number",
               text=_CCCD.replace("0010", "00\u00ad10", 1)),
    ParserCase("lone surrogate (undecodable byte kept by a lenient decoder) in a name", "refused", "cccd",
               "hidden-character.name", text=_CCCD.replace("Văn", "V\udcffn")),
    ParserCase("noncharacter U+FFFE in an insurance card's code", "refused", "bhyt",
               "hidden-character.card-code", text=_BHYT.replace("HS4", "HS\ufffe4", 1)),
    ParserCase("line separator U+2028 in a national QR's extension", "refused", "vn-qr", "hidden-character.ext",
               text=_AN.replace("<0912345678", "<0912\u2028345678")),
    ParserCase("two codes read as one (a line break)", "refused", "cccd", "other.hidden-characters",
               text=_CCCD + "\n" + _CCCD),

    # Hidden characters in what a format decodes: hex UTF-8, CBOR strings of signed codes.
    ParserCase("card whose hex name decodes to a bell character", "refused", "bhyt", "hidden-character.name",
               text=with_field(_BHYT, 1, "Nguyễn\x07Văn An".encode().hex())),
    ParserCase("card whose hex address decodes to a right-to-left isolate", "refused", "bhyt",
               "hidden-character.address", text=with_field(_BHYT, 4, "\u2067Hà Nội".encode().hex())),
    ParserCase("card whose hex name is not UTF-8 (an encoded surrogate)", "refused", "bhyt", "bhyt.bad-name",
               text=with_field(_BHYT, 1, "4e67eda080")),
    ParserCase("signed declaration whose name holds NUL", "refused", "hd1", "hidden-character.name",
               signed="hd1", payload=hd1_claims(name="NGUYỄN\x00VĂN AN")),
    ParserCase("signed declaration whose name holds a right-to-left override", "refused", "hd1",
               "hidden-character.name", signed="hd1", payload=hd1_claims(name="NGUYỄN \u202eNA")),
    ParserCase("signed declaration whose phone holds a zero-width joiner", "refused", "hd1",
               "hidden-character.phone", signed="hd1", payload=hd1_claims(phone="0912\u200d345678")),
    ParserCase("signed declaration whose answer key holds a pop-directional isolate", "refused", "hd1",
               "hidden-character.answers", signed="hd1", payload=hd1_claims(answers={"sym\u2069": False})),
    ParserCase("signed declaration whose issuer holds a left-to-right mark", "refused", "hd1",
               "hidden-character.issuer", signed="hd1", payload=hd1_claims(replace={1: "VN\u200e"})),
    ParserCase("EU certificate whose family name holds a zero-width space", "refused", "dcc",
               "hidden-character.name", signed="hc1", payload=hc1_claims(hc1_certificate(family="Nguy\u200bễn"))),
    ParserCase("EU certificate whose standardised name (hashed into the person key) holds a BOM", "refused",
               "dcc", "hidden-character.certificate", signed="hc1",
               payload=hc1_claims(hc1_certificate(family_standard="NGUYEN\ufeff"))),
    ParserCase("signed declaration with a text string that is not UTF-8", "refused", "hd1", "hd1.malformed.cbor",
               signed="hd1", payload=_with_bytes(hd1_claims(name="ABCD"), b"\x64ABCD", b"\x64\xed\xa0\x80Z")),

    # Length and damage.
    ParserCase("card padded to 4 KB", "refused", "cccd", "cccd.too-long",
               text=with_field(_CCCD, 5, "A" * 4096)),
    ParserCase("4 KB of field separators", "refused", "cccd", "cccd.too-long", text="|" * 4096),
    ParserCase("4 KB of plain letters", "refused", "text", "other.text", text="A" * 4096),
    ParserCase("4 KB of Base45 behind the EU prefix", "refused", "dcc", "dcc.malformed.cose",
               text="HC1:" + "0" * 4095),
    ParserCase("truncated Base45 (a single character left over)", "refused", "dcc", "dcc.malformed.base45",
               text="HC1:ABCD"),
    ParserCase("declaration with a character outside Base45", "refused", "hd1", "hd1.malformed.base45",
               text="HD1:ABC_DEF"),
    ParserCase("zlib bomb: 64 KiB of zeros behind the EU prefix", "refused", "dcc", "dcc.malformed.zlib",
               signed="hc1-raw", payload=zlib.compress(b"\x00" * 64 * 1024, 9)),
    ParserCase("zlib bomb: 4 MiB of zeros behind the EU prefix", "refused", "dcc", "dcc.malformed.zlib",
               signed="hc1-raw", payload=zlib.compress(b"\x00" * 4 * 1024 * 1024, 9)),

    # Hostile CBOR inside a valid signature.
    ParserCase("declaration claims nested 1,000 deep", "refused", "hd1", "hd1.malformed.cbor",
               signed="hd1", payload=_nested(1000)),
    ParserCase("certificate claims nested 1,000 deep", "refused", "dcc", "dcc.malformed.cbor",
               signed="hc1", payload=_nested(1000)),
    ParserCase("declaration issued at a 5,000-digit time", "refused", "hd1", "hd1.malformed.schema",
               signed="hd1", payload=hd1_claims(replace={6: _huge(5000)})),
    ParserCase("declaration declared at a 5,000-digit time", "refused", "hd1", "hd1.malformed.schema",
               signed="hd1", payload=hd1_claims(replace={-65537: ["AN", "0912345678", "001099012345",
                                                                 _huge(5000), {}]})),
    ParserCase("certificate whose country is a 5,000-digit number", "refused", "dcc", "dcc.malformed.schema",
               signed="hc1", payload=hc1_claims(hc1_certificate(co=_huge(5000)))),
    ParserCase("certificate whose dose number is a 5,000-digit number: not a dose, left out", "admitted", "dcc",
               signed="hc1", payload=hc1_claims(hc1_certificate(dn=_huge(5000)))),
    ParserCase("declaration expiring at NaN", "refused", "hd1", "hd1.malformed.schema",
               signed="hd1", payload=hd1_claims(replace={4: float("nan")})),
    ParserCase("declaration issued at infinity", "refused", "hd1", "hd1.malformed.schema",
               signed="hd1", payload=hd1_claims(replace={6: float("inf")})),
    ParserCase("certificate expiring at NaN", "refused", "dcc", "dcc.malformed.schema",
               signed="hc1", payload=hc1_claims(replace={4: float("nan")})),
    # A map of five pairs (header A5) made one of six (A6) whose last repeats the first key with another value.
    ParserCase("declaration naming two issuers (a repeated claim key)", "refused", "hd1", "hd1.malformed.cbor",
               signed="hd1", payload=_with_bytes(hd1_claims(), b"\xa5\x01\x62VN", b"\xa6\x01\x62VN\x01\x62XX")),
    ParserCase("certificate whose name map holds two family names", "refused", "dcc", "dcc.malformed.cbor",
               signed="hc1", payload=_with_bytes(hc1_claims(), b"\xa4\x62fn", b"\xa5\x62fn\x61X\x62fn")),

    # Wrong types in every field of a signed declaration.
    *[ParserCase(f"declaration whose {field} is {what}", "refused", "hd1", "hd1.malformed.schema",
                 signed="hd1", payload=hd1_claims(**{field: value}))
      for field, what, value in [
          ("name", "a number", 42), ("name", "a list", ["AN"]), ("name", "empty", ""),
          ("phone", "a map", {"n": 1}), ("phone", "bytes", b"0912"),
          ("id_number", "a number", 1099012345), ("id_number", "a float", 1.5), ("id_number", "8 digits", "00109901"),
          ("answers", "a list", [True]), ("answers", "text answers", {"sym": "no"}),
          ("answers", "a number key", {1: False}),
      ]],
    *[ParserCase(f"declaration whose claim {claim} is {what}", "refused", "hd1", f"hd1.malformed.{stage}",
                 signed="hd1", payload=hd1_claims(replace={claim: value}))
      for claim, what, value, stage in [
          (1, "a map", {"iss": "VN"}, "schema"), (1, "a 5,000-digit number", _huge(5000), "schema"),
          (4, "text", "tomorrow", "schema"), (6, "true", True, "schema"), (7, "text", "id", "schema"),
          (7, "33 bytes", b"\x01" * 33, "schema"), (-65537, "a map", {"name": "AN"}, "schema"),
          (-65537, "four items", ["AN", "0912345678", "001099012345", 1], "schema"),
      ]],
    ParserCase("declaration whose declared-at time is text", "refused", "hd1", "hd1.malformed.schema",
               signed="hd1", payload=hd1_claims(replace={-65537: ["AN", "0912345678", "001099012345", "now", {}]})),
    ParserCase("declaration whose claims are an array", "refused", "hd1", "hd1.malformed.cbor",
               signed="hd1", payload=[1, 2, 3]),
    ParserCase("certificate whose test result is a list", "refused", "dcc", "dcc.malformed.schema",
               signed="hc1", payload=hc1_claims(hc1_certificate(kind="t", tr=["260415000"]))),
    ParserCase("certificate whose given name is a map", "refused", "dcc", "dcc.malformed.schema",
               signed="hc1", payload=hc1_claims(hc1_certificate(given={"a": "b"}))),
    ParserCase("certificate without a standardised family name (the person key would be a birthday's)",
               "refused", "dcc", "dcc.malformed.schema", signed="hc1",
               payload=hc1_claims(hc1_certificate(family_standard=""))),

    # Not personal codes at all, with hostile bytes.
    ParserCase("web link with a NUL", "refused", "url", "other.url", text="https://example.com/\x00checkout"),
    ParserCase("only a byte-order mark and a line end", "refused", "empty", "other.empty", text="\ufeff\r\n"),
    ParserCase("binary noise", "refused", "binary", "other.binary", text="\x00\x01\x02\x03\x04\x05\x06\x07\x08"),
]
