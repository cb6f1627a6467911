"""Storing a station's batch: insert by entry id, ignore repeats, answer for every entry.

The whole batch is one transaction. If the server dies before the commit nothing of the batch exists and
the kiosk sends it again; if the answer is lost after the commit, the resent entries come back "duplicate".
Either way each entry is stored exactly once, because the entry's UUID is the primary key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from server.database import writing
from server.stations import StationRecord, record_contact
from server.tables import entries
from server.wire import WireEntry


class Status(str, Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Contact:
    """What the kiosk told about itself with the batch."""

    received_at: datetime
    reported_queue: int | None = None
    clock_offset_seconds: float | None = None


def store_batch(
    engine: Engine, station: StationRecord, batch: list[WireEntry], contact: Contact
) -> dict[uuid.UUID, Status]:
    """Insert the batch's new entries; return accepted/duplicate for each id in it (repeats included)."""
    unique = {entry.id: entry for entry in batch}
    rows = [_row(entry, station, contact.received_at) for entry in unique.values()]
    with writing(engine) as conn:
        inserted: set[uuid.UUID] = set()
        if rows:
            statement = _insert_ignoring_repeats(conn.dialect.name).returning(entries.c.id)
            inserted = set(conn.execute(statement, rows).scalars())
        record_contact(conn, station.id, contact.received_at, contact.reported_queue, contact.clock_offset_seconds)
        foreign = _held_by_other_stations(conn, set(unique) - inserted, station.id)
    statuses = {}
    for entry_id in unique:
        if entry_id in inserted:
            statuses[entry_id] = Status.ACCEPTED
        elif entry_id in foreign:
            statuses[entry_id] = Status.REJECTED
        else:
            statuses[entry_id] = Status.DUPLICATE
    return statuses


def _insert_ignoring_repeats(dialect: str) -> sa.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(entries).on_conflict_do_nothing(index_elements=[entries.c.id])


def _held_by_other_stations(conn: sa.Connection, ids: set[uuid.UUID], station_id: int) -> set[uuid.UUID]:
    """Ids that already exist under another station: a collision the kiosk must hear about, not a repeat."""
    if not ids:
        return set()
    query = sa.select(entries.c.id).where(entries.c.id.in_(ids), entries.c.station_id != station_id)
    return set(conn.execute(query).scalars())


def _row(entry: WireEntry, station: StationRecord, received_at: datetime) -> dict:
    return {
        "id": entry.id,
        "station_id": station.id,
        "scanned_at": entry.scanned_at,
        "received_at": received_at,
        "location": station.location,
        "direction": entry.direction,
        "source": entry.source,
        "format": entry.format,
        "person_key": entry.person_key,
        "display_name": entry.display_name,
        "fields": entry.fields,
        "verdict": entry.verdict,
        "reasons": entry.reasons,
    }
