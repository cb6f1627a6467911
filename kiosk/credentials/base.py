"""What every credential format produces: a `Credential` or a specific `Refusal`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Mapping, Protocol

from kiosk.entry import utc_now
from kiosk.reasons import Reason


@dataclass(frozen=True)
class Credential:
    """A personal code that parsed.

    `person_key` is stable for one person across scans (it keys de-duplication and the watch list);
    `display_name` is already masked for the screen; `fields` holds typed values (str, int, date, ...)
    named in English snake_case; `notes` are things the policy should weigh (e.g. a masked ID number).
    `decoded` holds what a code carried beyond `fields` (an EU certificate's whole content): it is checked
    for hidden characters like every field, then never stored, synced, shown or printed.
    """

    format: str
    person_key: str
    display_name: str
    fields: Mapping[str, Any]
    raw: str
    notes: tuple[Reason, ...] = ()
    decoded: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "decoded", MappingProxyType(dict(self.decoded)))


@dataclass(frozen=True)
class Refusal:
    """A text that is not an acceptable personal code, and why (in plain words, both languages)."""

    format: str
    reason: Reason
    raw: str


@dataclass(frozen=True)
class ParseContext:
    """What a parser may need besides the text: the clock, and key material for signed formats."""

    now: datetime = field(default_factory=utc_now)
    trust: Any = None


class Parser(Protocol):
    """One credential format. `claims` is a cheap look at the text; `parse` does the work.

    A `|`-separated format may also have `layout`, its fields in order (`fields.Field`), so that a hidden
    character in the raw text is reported with the field that holds it.
    """

    format: str

    def claims(self, text: str) -> bool: ...

    def parse(self, text: str, context: ParseContext) -> Credential | Refusal: ...
