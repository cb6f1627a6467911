"""Who a trace's contacts are, read with the health authority's private key, on the authority's side only.

The server releases the sealed boxes of the contacts a trace returned, and of no one else, after recording
the release in `unseal_audit` (who, when, the case, which entries): `release_boxes`, answered by
`POST /api/v1/trace` with `"sealed": true` (`authority_lines` is that answer). The authority's command
(`kiosk-server trace --key FILE --server URL`) opens them in its own process with `open_released`: the key
file never leaves the authority's machine. The same two steps run in one process when the authority traces
a copy of the database it holds itself (`trace --key FILE` without --server).

An entry the server boxed under its own key because no authority key was published yet (kid "local") is
released as such, without its box, and reported as not sealed yet.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Iterable, Iterator, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.sealing.authority import AuthorityPrivateKey
from kiosk.sealing.seal import LOCAL_KID, Sealed, UnsealError, open_entry
from kiosk.sealing.weeks import week_start
from kiosk.tracing.report import Trace, json_lines, table
from kiosk.tracing.request import checked_case_number
from server.database import writing
from server.stations import as_utc
from server.tables import unseal_audit

# The columns of `entries` this module reads (added by migration 0010: the sealed box and its key id).
sealed_entries = sa.table("entries", sa.column("id", sa.Uuid), sa.column("sealed", sa.LargeBinary),
                          sa.column("sealed_kid", sa.String))
BATCH = 500

Released = Sequence[tuple[str, "Sealed | None"]]  # per contact, in the trace's order: (entry id, its box)


class Outcome(Enum):
    OPENED = "opened"
    NOT_SEALED_YET = "not-sealed-yet"  # boxed by the server under its own key: no authority key was published
    OTHER_KEY = "other-key"  # sealed to another authority key, or damaged
    FORGOTTEN = "forgotten"  # sealed to a week the key file forgot (kiosk-server authority forget)
    NO_BOX = "no-box"  # the entry holds nothing sealed (purged, or an entry with no personal fields)


SAID = {
    Outcome.NOT_SEALED_YET: "not sealed to the authority yet",
    Outcome.OTHER_KEY: "sealed to another authority key",
    Outcome.FORGOTTEN: "sealed to a week this key has forgotten",
    Outcome.NO_BOX: "nothing sealed for this entry",
}


class AnswerError(Exception):
    """An answer from the server that does not hold the released boxes as they are sent."""


@dataclass(frozen=True)
class Reading:
    outcome: Outcome
    content: Mapping[str, Any] = field(default_factory=dict)  # kiosk.sealing.kept.sealed_content, when opened


@dataclass(frozen=True)
class Revealed:
    readings: Mapping[str, Reading]  # by the contact's entry id
    attempted: int  # entries sealed to an authority key, each recorded in the audit before it was released

    @property
    def opened(self) -> int:
        return sum(reading.outcome is Outcome.OPENED for reading in self.readings.values())


@dataclass(frozen=True)
class UnsealRecord:
    id: int
    unsealed_at: datetime
    unsealed_by: str
    case_number: str
    entry_ids: tuple[str, ...]
    count: int


# --- the server's side ------------------------------------------------------------------------------------

def release_boxes(engine: Engine, result: Trace, *, released_to: str, case_number: str,
                  now: datetime | None = None) -> list[tuple[str, Sealed | None]]:
    """The sealed boxes of the trace's contacts (and of no one else), in the trace's order, recorded in
    `unseal_audit` (the case number as the trace recorded it) before they are returned. An entry boxed
    under the server's own key comes as kid "local" with no box; an entry with nothing sealed as None."""
    ids = [contact.entry_id for contact in result.contacts.contacts]
    boxes = _sealed_boxes(engine, set(ids))
    to_open = sorted(entry_id for entry_id, box in boxes.items() if box.kid != LOCAL_KID)
    if to_open:
        with writing(engine) as conn:
            conn.execute(unseal_audit.insert().values(
                unsealed_at=(now or datetime.now(timezone.utc)).astimezone(timezone.utc),
                unsealed_by=released_to[:100], case_number=checked_case_number(case_number), entry_ids=to_open,
                count=len(to_open)))
    return [(entry_id, _released(boxes.get(entry_id))) for entry_id in ids]


def authority_lines(result: Trace, released: Released | None = None, lang: str = "en") -> Iterator[dict[str, Any]]:
    """The trace's JSON lines (kiosk.tracing.report.json_lines) as the authority's command reads them: each
    line also carries its rows of the trace's table ("rows" for the case's visits, "row" for a contact)
    and, when `released` is given, each contact its box ("sealed": id, sealed_kid, box in base64)."""
    _, rows = table(result)
    cases = len(result.case_visits)
    for n, line in enumerate(json_lines(result, lang)):
        if n == 0:
            yield {**line, "rows": rows[:cases]}
            continue
        extra: dict[str, Any] = {"row": rows[cases + n - 1]}
        if released is not None:
            entry_id, box = released[n - 1]
            extra["sealed"] = {"id": entry_id, "sealed_kid": box.kid if box else "",
                               "box": base64.b64encode(box.box).decode("ascii") if box else ""}
        yield {**line, **extra}


def unseal_log(engine: Engine, limit: int = 100, offset: int = 0) -> list[UnsealRecord]:
    """The unsealings recorded, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(unseal_audit).order_by(unseal_audit.c.id.desc()).limit(limit).offset(offset))
        return [UnsealRecord(r.id, as_utc(r.unsealed_at), r.unsealed_by, r.case_number, tuple(r.entry_ids), r.count)
                for r in rows]


# --- the authority's side ---------------------------------------------------------------------------------

def released_in(lines: Iterable[Mapping[str, Any]]) -> list[tuple[str, Sealed | None]]:
    """The boxes an answer of `authority_lines` released, per contact; AnswerError when the answer is not
    one, or a box is missing or malformed (a server that did not release them, an answer damaged on the way)."""
    lines = list(lines)
    if not lines or not _holds(lines[0], "case", dict) or not _holds(lines[0], "rows", list):
        raise AnswerError("it does not start with the case")
    released = []
    for line in lines[1:]:
        if not _holds(line, "contact", dict) or not _holds(line, "row", list):
            raise AnswerError("a line is not a contact")
        sealed = line.get("sealed")
        if not isinstance(sealed, dict) or not all(isinstance(sealed.get(k), str) for k in ("id", "sealed_kid", "box")):
            raise AnswerError("a contact came without its sealed entry")
        try:
            box = base64.b64decode(sealed["box"], validate=True)
        except binascii.Error:
            raise AnswerError("a contact's sealed entry is not base64") from None
        kid = sealed["sealed_kid"]
        released.append((sealed["id"], Sealed(kid, box) if kid or box else None))
    return released


def _holds(line: Any, name: str, kind: type) -> bool:
    return isinstance(line, dict) and isinstance(line.get(name), kind)


def open_released(released: Released, authority: AuthorityPrivateKey) -> Revealed:
    """Open the released boxes with the authority's key, in this process only."""
    readings = {}
    for entry_id, box in released:
        if box is None:
            readings[entry_id] = Reading(Outcome.NO_BOX)
        elif box.kid == LOCAL_KID:
            readings[entry_id] = Reading(Outcome.NOT_SEALED_YET)
        else:
            readings[entry_id] = _opened(box, authority, entry_id)
    attempted = sum(box is not None and box.kid != LOCAL_KID for _, box in dict(released).items())
    return Revealed(readings, attempted)


def _opened(box: Sealed, authority: AuthorityPrivateKey, entry_id: str) -> Reading:
    try:
        return Reading(Outcome.OPENED, open_entry(box, authority, entry_id))
    except UnsealError:
        return Reading(Outcome.FORGOTTEN if _forgotten(box.kid, authority) else Outcome.OTHER_KEY)


def _forgotten(kid: str, authority: AuthorityPrivateKey) -> bool:
    owner, _, week = kid.partition("/")
    try:
        return owner == authority.key_id and week_start(week) < week_start(authority.first_week)
    except ValueError:
        return False


def _released(box: Sealed | None) -> Sealed | None:
    """What leaves the server of a box: all of it when sealed to the authority; of a box under the server's
    own key, only that it is one."""
    if box is not None and box.kid == LOCAL_KID:
        return Sealed(LOCAL_KID, b"")
    return box


def _sealed_boxes(engine: Engine, ids: Iterable[str]) -> dict[str, Sealed]:
    wanted = [uuid.UUID(entry_id) for entry_id in sorted(ids)]
    found: dict[str, Sealed] = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), BATCH):
            rows = conn.execute(sa.select(sealed_entries).where(
                sealed_entries.c.id.in_(wanted[start:start + BATCH]), sealed_entries.c.sealed.is_not(None)))
            found.update({str(row.id): Sealed(row.sealed_kid or "", bytes(row.sealed)) for row in rows})
    return found
