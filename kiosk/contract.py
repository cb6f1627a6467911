"""What the kiosk and the central server agree on, and all the server takes from the kiosk to read uploads
and push settings: the entry wire format (field names and limits), its enums, and the settings a server
may push with their validator.

Both sides import this module, so it imports nothing heavy (no Qt, OpenCV, zxing, requests, SQLAlchemy,
FastAPI, pydantic): only the standard library and the kiosk's settings declaration.
"""

from __future__ import annotations

import unicodedata
from enum import Enum

from kiosk.setting_specs import BY_NAME, PUSHED_SETTINGS, WATCH_ACTIONS, checked_value

__all__ = ["Direction", "Source", "Outcome", "ENTRY_FIELDS", "REASON_KEYS", "TEXT_LIMITS", "MAX_FIELDS_BYTES",
           "MAX_SEALED_BYTES", "SEALED_KID_PATTERN",
           "MAX_NESTING", "REPLACEMENT_CHARACTER", "is_hidden", "hidden_in", "PUSHED_SETTINGS", "WATCH_ACTIONS", "DEFAULT_RETENTION_DAYS", "checked_value"]


class Direction(str, Enum):
    IN = "in"
    OUT = "out"


class Source(str, Enum):
    CAMERA = "camera"
    SCANNER = "scanner"
    MANUAL = "manual"


class Outcome(str, Enum):
    ADMIT = "admit"
    WARN = "warn"
    REFUSE = "refuse"


# --- one entry as uploaded (kiosk.entry.Entry.to_json) ------------------------------------------------------

# Every key of an uploaded entry. `display_name`, `fields` and `reasons` may be left out; `person_key` may be
# empty only on a refusal (a URL or a damaged code has no person behind it). `person_key` and `linked_key` are
# clear (the server tags them with its own key); `sealed` is the base64 of the fields sealed to the health
# authority's key `sealed_kid`, and then `fields` is empty; `fields` holds the kept fields in clear only when
# no authority key could seal them at the kiosk (the server seals them on arrival). An entry of a kiosk of
# the previous version has no `linked_key`, `sealed` or `sealed_kid`.
ENTRY_FIELDS = ("id", "scanned_at", "station", "direction", "source", "format", "person_key", "linked_key",
                "display_name", "sealed", "sealed_kid", "fields", "verdict", "reasons")
REASON_KEYS = ("code", "params")  # each reason of an entry: a catalogue code and its parameters
TEXT_LIMITS = {"station": 100, "format": 64, "person_key": 256, "linked_key": 256, "display_name": 256,
               "sealed_kid": 64}  # characters at most
MAX_SEALED_BYTES = 8192  # bytes of an entry's `sealed` box, decoded
SEALED_KID_PATTERN = r"[0-9A-F]{16}/[0-9]{4}-W[0-9]{2}"  # a `sealed_kid`: the authority's fingerprint and a week
MAX_FIELDS_BYTES = 16_384  # characters of an entry's `fields` written as JSON (json.dumps)
MAX_NESTING = 32  # levels of objects and lists in one entry; real entries use four

# --- settings the server pushes --------------------------------------------------------------------------

# What kiosks keep unless the server pushes retention_days: the server accepts scan times this old.
DEFAULT_RETENTION_DAYS: int = BY_NAME["retention_days"].default


# --- Text a reader cannot see ------------------------------------------------------------------------------
# One rule for the door (decoded contents of every code), the declaration page and what the server keeps:
# controls (tab included), format and direction marks (U+200B, U+FEFF, U+00AD, U+202E, ...), lone surrogates,
# private-use, noncharacters and unassigned code points, line and paragraph separators, and U+FFFD.

REPLACEMENT_CHARACTER = "\ufffd"
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def is_hidden(ch: str) -> bool:
    """A character no personal value holds and no reader can see (see above)."""
    return ch == REPLACEMENT_CHARACTER or unicodedata.category(ch) in _HIDDEN_CATEGORIES


def hidden_in(text: str) -> list[str]:
    """The characters of `text` no reader can see, in order."""
    return [ch for ch in text if is_hidden(ch)]


def without_diacritics(text: str) -> str:
    """Vietnamese text as the national QR writes names: no marks, Đ as D (also how the server compares what
    organisers type and the headers of their files, accents aside)."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
