"""One logged check-in, as stored in SQLite and sent to the central server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from types import MappingProxyType
from collections.abc import Mapping
from typing import Any

from kiosk.reasons import Reason
from kiosk.verdict import Outcome


class Direction(str, Enum):
    IN = "in"
    OUT = "out"


class Source(str, Enum):
    CAMERA = "camera"
    SCANNER = "scanner"
    MANUAL = "manual"


def new_entry_id() -> str:
    """A random id made at scan time; the server de-duplicates by it, so it is never made again."""
    return str(uuid.uuid4())


def format_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"time without a time zone: {text!r}")
    return moment.astimezone(timezone.utc)


_PLAIN_JSON = (str, int, float, bool)


def json_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Credential fields as JSON values: dates become ISO strings, enums their values."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None or type(value) in _PLAIN_JSON:
            out[key] = value
        elif isinstance(value, (datetime, date)):
            out[key] = value.isoformat()
        elif isinstance(value, Enum):
            out[key] = value.value
        elif isinstance(value, Mapping):
            out[key] = json_fields(value)
        elif isinstance(value, (list, tuple)):
            out[key] = [json_fields({"v": v})["v"] for v in value]
        elif isinstance(value, bytes):
            out[key] = value.hex()
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class Entry:
    id: str
    scanned_at: datetime
    station: str
    direction: Direction
    source: Source
    format: str
    person_key: str
    display_name: str
    fields: Mapping[str, Any]
    verdict: Outcome
    reasons: tuple[Reason, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(json_fields(self.fields)))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scanned_at": format_utc(self.scanned_at),
            "station": self.station,
            "direction": self.direction.value,
            "source": self.source.value,
            "format": self.format,
            "person_key": self.person_key,
            "display_name": self.display_name,
            "fields": dict(self.fields),
            "verdict": self.verdict.value,
            "reasons": [reason.to_json() for reason in self.reasons],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Entry":
        """Rebuild an entry from its wire form; a ValueError names the field that is wrong."""
        try:
            entry_id = str(uuid.UUID(str(data["id"])))
            return cls(
                id=entry_id,
                scanned_at=parse_utc(str(data["scanned_at"])),
                station=str(data["station"]),
                direction=Direction(data["direction"]),
                source=Source(data["source"]),
                format=str(data["format"]),
                person_key=str(data["person_key"]),
                display_name=str(data.get("display_name", "")),
                fields=dict(data.get("fields") or {}),
                verdict=Outcome(data["verdict"]),
                reasons=tuple(Reason.from_json(r) for r in data.get("reasons") or ()),
            )
        except KeyError as missing:
            raise ValueError(f"entry is missing the field {missing}") from None
        except (TypeError, AttributeError) as wrong:
            raise ValueError(f"entry has a field of the wrong type: {wrong}") from None
