"""What a stranger can send, and what must happen: one file of cases, run against the real server (SQLite
and PostgreSQL) and against the kiosk's parsers.

Each case names its input and the outcome that must follow. A case is never "anything but a crash": it
says which answer, which refusal code or which field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
