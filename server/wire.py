"""The entry wire format (kiosk.entry.Entry.to_json), checked field by field on arrival.

Every problem becomes an `InvalidEntry` whose message names the field, so the kiosk's "rejected" table
says exactly what was wrong with the entry it kept.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from kiosk.entry import Direction, Source
from kiosk.verdict import Outcome

DIRECTIONS = frozenset(d.value for d in Direction)
SOURCES = frozenset(s.value for s in Source)
VERDICTS = frozenset(o.value for o in Outcome)
MAX_FIELDS_BYTES = 16_384
_TEXT_LIMITS = {"station": 100, "format": 64, "person_key": 256, "display_name": 256}


class InvalidEntry(ValueError):
    """An entry the server will never accept as it is; the message says which field and why."""


@dataclass(frozen=True)
class WireEntry:
    id: uuid.UUID
    scanned_at: datetime
    station: str
    direction: str
    source: str
    format: str
    person_key: str
    display_name: str
    fields: dict[str, Any]
    verdict: str
    reasons: list[dict[str, str]]


def claimed_id(item: object) -> str | None:
    """The id an item says it has, to answer about it even when it is otherwise unusable."""
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return None


def parse_entry(item: object) -> WireEntry:
    if not isinstance(item, dict):
        raise InvalidEntry("an entry must be a JSON object")
    return WireEntry(
        id=_uuid(item.get("id")),
        scanned_at=_moment(item.get("scanned_at")),
        station=_text(item, "station"),
        direction=_choice(item, "direction", DIRECTIONS),
        source=_choice(item, "source", SOURCES),
        format=_text(item, "format"),
        person_key=_text(item, "person_key"),
        display_name=_text(item, "display_name", required=False),
        fields=_fields(item.get("fields", {})),
        verdict=_choice(item, "verdict", VERDICTS),
        reasons=_reasons(item.get("reasons", [])),
    )


def _uuid(value: object) -> uuid.UUID:
    if not isinstance(value, str):
        raise InvalidEntry("id: missing or not a string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidEntry(f"id: {value[:40]!r} is not a UUID") from None


def _moment(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidEntry("scanned_at: missing or not a string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEntry(f"scanned_at: {value[:40]!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InvalidEntry("scanned_at: the time has no time zone")
    return moment.astimezone(timezone.utc)


def _text(item: dict, name: str, required: bool = True) -> str:
    value = item.get(name, None if required else "")
    if not isinstance(value, str) or (required and not value):
        raise InvalidEntry(f"{name}: missing, empty or not a string")
    if len(value) > _TEXT_LIMITS[name]:
        raise InvalidEntry(f"{name}: longer than {_TEXT_LIMITS[name]} characters")
    return value


def _choice(item: dict, name: str, allowed: frozenset[str]) -> str:
    value = item.get(name)
    if value not in allowed:
        raise InvalidEntry(f"{name}: {str(value)[:40]!r} is not one of {', '.join(sorted(allowed))}")
    return value


def _fields(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidEntry("fields: not a JSON object")
    if len(json.dumps(value, ensure_ascii=False)) > MAX_FIELDS_BYTES:
        raise InvalidEntry(f"fields: larger than {MAX_FIELDS_BYTES} bytes")
    return value


def _reasons(value: object) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise InvalidEntry("reasons: not a list")
    for reason in value:
        if not (isinstance(reason, dict) and all(isinstance(reason.get(k), str) for k in ("code", "vi", "en"))):
            raise InvalidEntry("reasons: each reason needs code, vi and en strings")
    return value
