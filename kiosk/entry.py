"""One check-in, in the three forms it takes (kiosk.person_seal turns one into the next):

- at the door: the clear person key and the code's fields, in memory only, for the verdict;
- as stored (kiosk.store): the person key and linked key tagged, the fields sealed (`sealed`, `sealed_kid`),
  `fields` empty;
- as uploaded (`to_json`, the wire of kiosk.contract.ENTRY_FIELDS): the clear keys for the server to tag, and
  `sealed`, or the kept fields in clear when no authority key could seal them yet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import Enum
from types import MappingProxyType
from collections.abc import Mapping
from typing import Any

from kiosk.contract import Direction, Outcome, Source
from kiosk.reasons import Reason

__all__ = ["Direction", "Source", "Entry", "new_entry_id", "utc_now", "format_utc", "parse_utc", "json_fields"]


def new_entry_id() -> str:
    """A random id made at scan time; the server de-duplicates by it, so it is never made again."""
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


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
    return {key: _json_value(value) for key, value in fields.items()}


def _json_value(value: Any) -> Any:
    if value is None or type(value) in _PLAIN_JSON:
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return json_fields(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


@dataclass(frozen=True, kw_only=True)
class Entry:
    id: str
    scanned_at: datetime
    station: str
    direction: Direction
    source: Source
    format: str
    person_key: str  # "" only on a refusal
    linked_key: str = ""  # the key this entry proves linked to person_key (kiosk.tracing.identity.link_of)
    display_name: str  # masked
    sealed: str = ""  # base64 of the sealed fields (kiosk.sealing.seal), or of the kiosk's own box
    sealed_kid: str = ""  # "<authority fingerprint>/<week>", or kiosk.sealing.seal.LOCAL_KID for that box
    fields: Mapping[str, Any] = field(default_factory=dict)  # at the door, and uploaded when not sealed
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
            "linked_key": self.linked_key,
            "display_name": self.display_name,
            "sealed": self.sealed,
            "sealed_kid": self.sealed_kid,
            "fields": dict(self.fields),
            "verdict": self.verdict.value,
            "reasons": [reason.to_json() for reason in self.reasons],
        }
