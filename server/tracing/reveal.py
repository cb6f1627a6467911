"""Who a trace's contacts are, read with the health authority's private key (kiosk-server trace --key).

Only the entries of the contacts the trace returned are read, and only in this process: the key is read
from its file by the caller and never stored, copied or logged. Before any box is opened, one row of
`unseal_audit` records who opens which entries for which case; an entry the server boxed under its own key
because no authority key was published yet (kid "local") is reported as such and never opened here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.sealing.authority import AuthorityPrivateKey
from kiosk.sealing.seal import LOCAL_KID, Sealed, UnsealError, open_entry
from kiosk.tracing.report import Trace
from server.database import writing
from server.stations import as_utc
from server.tables import unseal_audit

# The columns of `entries` this module reads (added by migration 0010: the sealed box and its key id).
sealed_entries = sa.table("entries", sa.column("id", sa.Uuid), sa.column("sealed", sa.LargeBinary),
                          sa.column("sealed_kid", sa.String))
BATCH = 500


class Outcome(Enum):
    OPENED = "opened"
    NOT_SEALED_YET = "not-sealed-yet"  # boxed by the server under its own key: no authority key was published
    OTHER_KEY = "other-key"  # sealed to another authority key, or damaged
    NO_BOX = "no-box"  # the entry holds nothing sealed (purged, or an entry with no personal fields)


SAID = {
    Outcome.NOT_SEALED_YET: "not sealed to the authority yet",
    Outcome.OTHER_KEY: "sealed to another authority key",
    Outcome.NO_BOX: "nothing sealed for this entry",
}


@dataclass(frozen=True)
class Reading:
    outcome: Outcome
    content: Mapping[str, Any] = field(default_factory=dict)  # kiosk.sealing.kept.sealed_content, when opened


@dataclass(frozen=True)
class Revealed:
    readings: Mapping[str, Reading]  # by the contact's entry id
    attempted: int  # entries sealed to an authority key, each recorded in the audit before it was opened

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


def reveal_contacts(engine: Engine, result: Trace, authority: AuthorityPrivateKey, *, unsealed_by: str,
                    case_number: str, now: datetime | None = None) -> Revealed:
    """Open the sealed entries of the trace's contacts (and of no one else) with `authority`."""
    ids = sorted({contact.entry_id for contact in result.contacts.contacts})
    boxes = _sealed_boxes(engine, ids)
    to_open = [entry_id for entry_id in ids if entry_id in boxes and boxes[entry_id].kid != LOCAL_KID]
    if to_open:
        with writing(engine) as conn:
            conn.execute(unseal_audit.insert().values(
                unsealed_at=(now or datetime.now(timezone.utc)).astimezone(timezone.utc),
                unsealed_by=unsealed_by[:100], case_number=case_number, entry_ids=to_open, count=len(to_open)))
    readings = {}
    for entry_id in ids:
        box = boxes.get(entry_id)
        if box is None:
            readings[entry_id] = Reading(Outcome.NO_BOX)
        elif box.kid == LOCAL_KID:
            readings[entry_id] = Reading(Outcome.NOT_SEALED_YET)
        else:
            readings[entry_id] = _opened(box, authority, entry_id)
    return Revealed(readings, len(to_open))


def unseal_log(engine: Engine, limit: int = 100) -> list[UnsealRecord]:
    """The unsealings recorded, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(unseal_audit).order_by(unseal_audit.c.id.desc()).limit(limit))
        return [UnsealRecord(r.id, as_utc(r.unsealed_at), r.unsealed_by, r.case_number, tuple(r.entry_ids), r.count)
                for r in rows]


def _opened(box: Sealed, authority: AuthorityPrivateKey, entry_id: str) -> Reading:
    try:
        return Reading(Outcome.OPENED, open_entry(box, authority, entry_id))
    except UnsealError:
        return Reading(Outcome.OTHER_KEY)


def _sealed_boxes(engine: Engine, ids: Iterable[str]) -> dict[str, Sealed]:
    wanted = [uuid.UUID(entry_id) for entry_id in ids]
    found: dict[str, Sealed] = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), BATCH):
            rows = conn.execute(sa.select(sealed_entries).where(
                sealed_entries.c.id.in_(wanted[start:start + BATCH]), sealed_entries.c.sealed.is_not(None)))
            found.update({str(row.id): Sealed(row.sealed_kid or "", bytes(row.sealed)) for row in rows})
    return found

