"""Texts that are not personal codes, each named for what it is.

Users of peer apps complained most about a bare "invalid code": the guard needs to tell the visitor
"that is a Wi-Fi code, please open your personal QR". Every refusal here says what the text is, that it is
not a personal code, and what to ask for instead. Nothing from the text is quoted except a web link's
host, which helps the guard explain ("that is a link to example.com").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from kiosk.credentials.base import Credential, Refusal
from kiosk.contract import REPLACEMENT_CHARACTER, is_hidden
from kiosk.credentials.fields import Field, content_field
from kiosk.reasons import HIDDEN_CHARACTER, Reason

_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{1,15}://\S*|www\.\S+", re.ASCII)
# Standard QR payloads that announce themselves by a prefix, and their format (reason "other.<format>").
_KNOWN_PREFIXES = {
    "BEGIN:VCARD": "vcard", "MECARD:": "vcard", "BEGIN:VEVENT": "event", "MAILTO:": "email", "MATMSG:": "email",
    "TEL:": "phone", "SMS:": "sms", "SMSTO:": "sms", "GEO:": "location",
}
_PLACE_PREFIXES = ("NZCOVIDTRACER:", "UKC19TRACING:")
# Words in a check-in link's host or path that mark it as a place (venue) code rather than a web page.
_PLACE_WORDS = ("checkin", "check-in", "dia-diem", "diadiem", "safeentry", "venue", "location", "tokhaiyte")
_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=]{12,}")
_HOST_CHARACTERS = re.compile(r"[^a-z0-9.\-\[\]:]")
_BOARDING_PASS = re.compile(r"M[1-9].{20}[ E][A-Z0-9 ]{7}[A-Z]{3}[A-Z]{3}", re.DOTALL)
_TEXT_WHITESPACE = frozenset("\t\n\r")
_UNNAMED = {"Cc": "control character", "Cs": "lone surrogate", "Cn": "noncharacter or unassigned",
            "Co": "private-use character"}


def classify(text: str) -> Refusal:
    """What this (already stripped) text is, as a refusal: it matched no personal format."""
    if not text:
        return _refuse("empty", "other.empty", text)
    if _looks_binary(text):
        return _refuse("binary", "other.binary", text)
    upper = text[:16].upper()
    if upper.startswith("WIFI:"):
        # Not even the network name is shown: phone hotspots are often named after their owner.
        return _refuse("wifi", "other.wifi", text)
    for prefix, format in _KNOWN_PREFIXES.items():
        if upper.startswith(prefix):
            return _refuse(format, f"other.{format}", text)
    if upper.startswith(_PLACE_PREFIXES):
        return _place_code(text, "")
    if _URL.match(text):
        return _url(text)
    if text.startswith("000201"):
        return _refuse("payment", "other.payment", text)
    if _BOARDING_PASS.match(text):
        return _refuse("ticket", "other.boarding-pass", text)
    if "|" in text or ";" in text or "\t" in text:
        return _refuse("unknown", "other.unknown-fields", text)
    if text.isascii() and text.isdigit():
        return _refuse("number", "other.number", text, digits=len(text))
    if _TOKEN.fullmatch(text) and any(ch.isdigit() for ch in text) and any(ch.isalpha() for ch in text):
        return _refuse("ticket", "other.ticket", text)
    return _refuse("text", "other.text", text)


def invisible_characters(text: str) -> list[str]:
    """The hidden characters of a raw scanned text. A tab is let through here: some scanners send it
    instead of `|`, and the formats refuse that with its own reason (wrong separator)."""
    return [ch for ch in text if ch != "\t" and is_hidden(ch)]


def hidden_characters(text: str, format: str, found: Sequence[str], field: Field | None = None) -> Refusal:
    """Refusal for a text (or a value decoded from it) of `format` that holds invisible characters: a forged
    code or a bad read. With `field`, the reason names the field (code "hidden-character.<field>", or
    "hidden-character-typed.<field>" for what the guard typed)."""
    first = found[0]
    name = f"U+{ord(first):04X} {_character_name(first)}"
    if first in "\r\n":
        what = Reason("character.line-break")
    elif first == REPLACEMENT_CHARACTER:
        what = Reason("character.garbled", name=name)
    else:
        what = Reason("character.invisible", name=name)
    if field is None:
        return _refuse(format, "other.hidden-characters", text, what=what)
    typed = "-typed" if format == "manual" else ""
    return _refuse(format, f"{HIDDEN_CHARACTER}{typed}.{field.slug}", text, what=what, field=field.words)


def checked(result: Credential | Refusal) -> Credential | Refusal:
    """`result`, or the refusal naming the first value of the credential that holds a hidden character.

    Every format passes here (the registry's `parse`, manual entry): the person key, the display name and
    every field, nested values and map keys included, whatever the format decoded them from (hex UTF-8,
    CBOR). Such a value is refused, never cleaned: a signed value is exactly what the issuer signed, and a
    cleaned copy would be a name nobody issued — two codes differing only in an invisible character would
    become one person, or one person two (the watch list); EU DCC verifiers likewise refuse rather than
    repair. The visitor's remedy is plain: a new code, or manual entry.
    """
    if isinstance(result, Refusal):
        return result
    # The fields first: the person key and display name are made from them, and the guard should hear the
    # field the visitor can have corrected.
    values = [*result.fields.items(), *result.decoded.items(),
              ("person_key", result.person_key), ("display_name", result.display_name)]
    for key, value in values:
        first = _first_hidden(value)
        if first is not None:
            return hidden_characters(result.raw, result.format, [first], content_field(key))
    return result


def _first_hidden(value: Any) -> str | None:
    """The first hidden character in a string, or anywhere in a map (keys too) or sequence of them."""
    if isinstance(value, str):
        return next((ch for ch in value if is_hidden(ch)), None)
    if isinstance(value, Mapping):
        value = [item for pair in value.items() for item in pair]
    if isinstance(value, (list, tuple, set, frozenset)):
        return next((ch for ch in map(_first_hidden, value) if ch is not None), None)
    return None


def _character_name(ch: str) -> str:
    # Controls and surrogates have no Unicode name of their own.
    return unicodedata.name(ch, "") or _UNNAMED.get(unicodedata.category(ch), "unnamed character")


def _refuse(format: str, code: str, raw: str, **params: str | int | Reason) -> Refusal:
    return Refusal(format=format, reason=Reason(code, **params), raw=raw)



def _looks_binary(text: str) -> bool:
    if REPLACEMENT_CHARACTER in text:
        return True
    unreadable = sum(1 for ch in invisible_characters(text) if ch not in _TEXT_WHITESPACE)
    return unreadable * 10 >= len(text) or unreadable >= 8


def _url(text: str) -> Refusal:
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    host = _HOST_CHARACTERS.sub("", host)[:80]
    if parts is not None and any(word in (host + parts.path).lower() for word in _PLACE_WORDS):
        return _place_code(text, host)
    shown = host or "?"
    return _refuse("url", "other.url", text, host=shown)


def _place_code(text: str, host: str) -> Refusal:
    # `shown` is the host in brackets with a space before, or nothing: the sentence reads well either way.
    return _refuse("place-code", "other.place-code", text, shown=f" ({host})" if host else "")

