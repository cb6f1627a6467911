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
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import sqlite
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
    """Insert the batch's new entries; return accepted/duplicate/rejected for each id in it."""
    unique = {entry.id: entry for entry in batch}
    rows = [_row(entry, station, contact.received_at) for entry in unique.values()]
    with writing(engine) as conn:
        inserted = _insert_new(conn, rows) if rows else set()
        holders = _stations_holding(conn, [entry_id for entry_id in unique if entry_id not in inserted])
        record_contact(conn, station.id, contact.received_at, contact.reported_queue, contact.clock_offset_seconds)
    statuses = {}
    for entry_id in unique:
        if entry_id in inserted:
            statuses[entry_id] = Status.ACCEPTED
        elif holders.get(entry_id, station.id) == station.id:
            statuses[entry_id] = Status.DUPLICATE
        else:
            # Another station's entry has this id: a collision the kiosk must hear about, not a repeat.
            statuses[entry_id] = Status.REJECTED
    return statuses


def _insert_new(conn: sa.Connection, rows: list[dict]) -> set[uuid.UUID]:
    """Insert the rows whose id is not stored yet; return the ids inserted."""
    if conn.dialect.name == "postgresql":
        return _insert_new_postgresql(conn, rows)
    statement = sqlite.insert(entries).on_conflict_do_nothing(index_elements=[entries.c.id])
    return set(conn.execute(statement.returning(entries.c.id), rows).scalars())


_ARRAY_TYPES = {
    "id": "uuid", "station_id": "int", "scanned_at": "timestamptz", "received_at": "timestamptz",
    "fields": "jsonb", "reasons": "jsonb",
}
_COLUMNS = [column.name for column in entries.columns]
_ARRAYS = ", ".join(f"%b::{_ARRAY_TYPES.get(name, 'text')}[]" for name in _COLUMNS)
_UNNEST_INSERT = (
    f"INSERT INTO entries ({', '.join(_COLUMNS)}) SELECT * FROM unnest({_ARRAYS}) "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)


def _insert_new_postgresql(conn: sa.Connection, rows: list[dict]) -> set[uuid.UUID]:
    """One statement with one array per column: the batch travels and is parsed once, not row by row
    (three to four times faster than a multi-row VALUES for batches of hundreds)."""
    columns = [[row[name] for row in rows] for name in _COLUMNS]
    for name in ("fields", "reasons"):
        columns[_COLUMNS.index(name)] = [Jsonb(value) for value in columns[_COLUMNS.index(name)]]
    return {row[0] for row in conn.exec_driver_sql(_UNNEST_INSERT, tuple(columns))}


def _stations_holding(conn: sa.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """For ids already stored (repeats, mostly): which station each belongs to."""
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
