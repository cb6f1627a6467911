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
    """Insert the batch's new entries; return accepted/duplicate/rejected for each id in it.

    Ids already present are looked up first and left out of the insert, which the driver can then send as
    one prepared statement many times (much faster on PostgreSQL than one huge INSERT ... RETURNING). The
    insert still ignores conflicts: if the same entry arrives through two connections at the same moment,
    the database keeps one copy and both answers say "accepted", which is true for each kiosk.
    """
    unique = {entry.id: entry for entry in batch}
    with writing(engine) as conn:
        holders = _stations_holding(conn, list(unique))
        rows = [_row(entry, station, contact.received_at) for entry in unique.values() if entry.id not in holders]
        if rows:
            conn.execute(_insert_ignoring_repeats(conn.dialect.name), rows)
        record_contact(conn, station.id, contact.received_at, contact.reported_queue, contact.clock_offset_seconds)
    statuses = {}
    for entry_id in unique:
        if entry_id not in holders:
            statuses[entry_id] = Status.ACCEPTED
        elif holders[entry_id] == station.id:
            statuses[entry_id] = Status.DUPLICATE
        else:
            # Another station's entry has this id: a collision the kiosk must hear about, not a repeat.
            statuses[entry_id] = Status.REJECTED
    return statuses


def _insert_ignoring_repeats(dialect: str) -> sa.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(entries).on_conflict_do_nothing(index_elements=[entries.c.id])


def _stations_holding(conn: sa.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """For the ids already stored: which station each belongs to."""
    if not ids:
        return {}
    query = sa.select(entries.c.id, entries.c.station_id).where(entries.c.id.in_(ids))
    return {row.id: row.station_id for row in conn.execute(query)}


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
