"""What a stranger can send, and what must happen: one file of cases, run against the real server (SQLite
and PostgreSQL) and against the kiosk's parsers.

Each case names its input and the outcome that must follow. A case is never "anything but a crash": it
says which answer, which refusal code or which field.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import cbor2

from kiosk.credentials.examples import AN, bhyt_payload, cccd_payload, with_field
from tests.test_credentials_support import hc1_certificate, hc1_claims, hd1_claims


# --- the server: entries a kiosk (or anyone with a station token) uploads ---------------------------------


@dataclass(frozen=True)
class ServerCase:
    """One hostile entry (or body) sent to POST /api/v1/entries, and what must come back."""

    name: str
    expect: str  # "rejected" (per entry, with `reason` mentioning `reason_has`), or an HTTP status "422" etc.
    reason_has: str = ""
    entry: dict[str, Any] = field(default_factory=dict)  # overrides applied to a good entry
    raw: bytes | None = None  # a whole body sent as it is, instead of an entry


SERVER_CASES: list[ServerCase] = [
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
