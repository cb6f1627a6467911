"""Storing a station's batch: insert by entry id, ignore repeats, answer for every entry.

The whole batch is one transaction. If the server dies before the commit nothing of the batch exists and
the kiosk sends it again; if the answer is lost after the commit, the resent entries come back "duplicate".
Either way each entry is stored exactly once. The key is the entry's UUID and its scan time (PostgreSQL
partitions entries by month, and a key there must hold the partition key): a resent entry has the same scan
time (kiosks never change it) and conflicts. An id stored before with another scan time (a broken or
hostile kiosk) would not conflict, so the insert looks each id up first (the key's index leads with the id)
and leaves the stored ones out: they are answered as repeats, or as "id taken" when another station holds
them. (SQLite keeps the id alone as the key.) Two batches of one station do not pass that look-up at the
same time: each first updates the station's row (its contact), which waits for the other's commit. (Two
stations sending one id at the same instant with two scan times could both store it; ids are random UUIDs,
so only a kiosk that knows another's fresh id could try.)

Should the database still refuse what the wire checks let through (PostgreSQL's DataError for a text it
cannot store, a constraint), the batch is not answered with a 500 that the kiosk would resend forever: it
is stored again with the entries inserted in halves under savepoints, the entries the database refuses on
their own are answered "rejected", and the rest is stored. The database's message is never repeated (in
an answer or a log): PostgreSQL's can quote the row, names included.

Who the visitor is is stored only tagged and sealed (server.sealing_store): the clear keys and fields of
the upload are never written or logged.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine

from server.database import writing
from server.sealing_store import Arriving, seal_on_arrival
from server.stations import StationRecord, record_contact
from server.tables import entries
from server.tracing import queue
from server.wire import Problem, WireEntry

logger = logging.getLogger("kiosk_server")

# What the database says about content: a value it cannot store (22xxx), a constraint (23xxx), a text the
# driver cannot encode. Anything else (a lost connection, a bug) is not the entries' fault.
CONTENT_ERRORS = (sa.exc.DataError, sa.exc.IntegrityError, UnicodeError)


class DatabaseRefusedAll(Exception):
    """Not one entry of a batch could be stored, each tried alone: a fault of the server, answered 500."""


class Status(str, Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Answer:
    """What the server says about one entry; a rejection carries the reason and its code (server.wire.Problem)."""

    status: Status
    reason: str | None = None
    code: str | None = None


ACCEPTED = Answer(Status.ACCEPTED)
DUPLICATE = Answer(Status.DUPLICATE)
ID_TAKEN = Answer(Status.REJECTED, "id: already used by another station's entry", Problem.ID_TAKEN)


@dataclass(frozen=True)
class Contact:
    """What the kiosk told about itself with the request."""

    received_at: datetime
    reported_queue: int | None = None
    clock_offset_seconds: float | None = None
    queue_oldest: datetime | None = None  # the kiosk's oldest waiting entry, by its clock


def note_contact(conn: sa.Connection, station: StationRecord, contact: Contact, uploaded: bool = False) -> None:
    record_contact(conn, station.id, contact.received_at, contact.reported_queue, contact.clock_offset_seconds,
                   contact.queue_oldest, uploaded=uploaded)


def store_batch(
    engine: Engine, station: StationRecord, batch: list[WireEntry], contact: Contact
) -> dict[uuid.UUID, Answer]:
    """Insert the batch's new entries (the first of several with one id); answer for each id in it."""
    unique: dict[uuid.UUID, WireEntry] = {}
    for entry in batch:
        unique.setdefault(entry.id, entry)
    personal = seal_on_arrival([_arriving(entry) for entry in unique.values()])
    rows = [{**_row(entry, station, contact.received_at), **columns}
            for entry, columns in zip(unique.values(), personal)]
    try:
        return _by_id(unique, *_store(engine, station, rows, contact, isolate=False))
    except CONTENT_ERRORS as error:
        _log_refusal(station, error)
    # Tried again outside the handler, so that nothing raised from here carries the database's error along.
    return _by_id(unique, *_store(engine, station, rows, contact, isolate=True))


def _by_id(unique: dict[uuid.UUID, WireEntry], stored: dict[uuid.UUID, Answer],
           refused: dict[uuid.UUID, Answer]) -> dict[uuid.UUID, Answer]:
    return {entry_id: refused.get(entry_id) or stored[entry_id] for entry_id in unique}


def _store(engine: Engine, station: StationRecord, rows: list[dict], contact: Contact,
           isolate: bool) -> tuple[dict[uuid.UUID, Answer], dict[uuid.UUID, Answer]]:
    """One transaction: note the contact (locking the station's row), insert the entries whose id is new,
    queue them for the visit builder, look up the repeats' owners. Returns the answers for the stored or
    repeated entries, and those for the entries the database refused (only when isolating)."""
    with writing(engine) as conn:
        note_contact(conn, station, contact, uploaded=True)
        refused: dict[uuid.UUID, Answer] = {}
        if isolate:
            inserted = _insert_isolating(conn, rows, refused)
        else:
            inserted = _insert_new(conn, rows) if rows else set()
        queued = queue.enqueue(conn, [row for row in rows if row["id"] in inserted])
        holders = _stations_holding(conn, [row["id"] for row in rows
                                           if row["id"] not in inserted and row["id"] not in refused])
    if queued:
        queue.stored.set()
    answers = {}
    for row in rows:
        if row["id"] in refused:
            continue
        if row["id"] in inserted:
            answers[row["id"]] = ACCEPTED
        elif holders.get(row["id"], station.id) == station.id:
            answers[row["id"]] = DUPLICATE
        else:
            # Another station's entry has this id: a collision the kiosk must hear about, not a repeat.
            answers[row["id"]] = ID_TAKEN
    return answers, refused


def _insert_isolating(conn: sa.Connection, rows: list[dict], refused: dict[uuid.UUID, Answer]) -> set[uuid.UUID]:
    """Insert in halves under savepoints until each refused entry is alone; note those in `refused`."""
    inserted = _insert_halving(conn, rows, refused)
    if len(rows) > 1 and len(refused) == len(rows):
        # Every entry fails even on its own: the fault is not in the entries (a broken schema, a bug).
        raise DatabaseRefusedAll("the database refused every entry of the batch, each on its own")
    return inserted


def _insert_halving(conn: sa.Connection, rows: list[dict], refused: dict[uuid.UUID, Answer]) -> set[uuid.UUID]:
    try:
        with conn.begin_nested():
            return _insert_new(conn, rows) if rows else set()
    except CONTENT_ERRORS as error:
        if len(rows) == 1:
            refused[rows[0]["id"]] = _database_refused(error)
            return set()
        middle = len(rows) // 2
        return _insert_halving(conn, rows[:middle], refused) | _insert_halving(conn, rows[middle:], refused)


def _database_refused(error: Exception) -> Answer:
    return Answer(Status.REJECTED, f"the database refused this entry ({_error_kind(error)}); nothing of it was "
                  "stored", Problem.DATABASE_REFUSED)


def _error_kind(error: Exception) -> str:
    """The error's class and code, never its message (which can quote the row)."""
    original = getattr(error, "orig", None) or error
    code = getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None)
    return f"{type(original).__name__}{f' {code}' if code else ''}"


def _log_refusal(station: StationRecord, error: Exception) -> None:
    logger.warning("database refused a batch; storing it entry by entry",
                   extra={"fields": {"station": station.name, "error": _error_kind(error)}})


def _insert_new(conn: sa.Connection, rows: list[dict]) -> set[uuid.UUID]:
    """Insert the rows whose id is not stored yet (with whatever scan time); return the ids inserted."""
    if conn.dialect.name == "postgresql":
        return _insert_new_postgresql(conn, rows)
    statement = sqlite.insert(entries).on_conflict_do_nothing(index_elements=[entries.c.id])
    return set(conn.execute(statement.returning(entries.c.id), rows).scalars())


# Columns the same for every row of a batch: sent once each, not as arrays.
_PER_BATCH = ("station_id", "received_at", "location")
_PER_ROW = [column.name for column in entries.columns if column.name not in _PER_BATCH]
_ARRAY_TYPES = {"id": "uuid", "scanned_at": "timestamptz", "sealed": "bytea"}  # the rest text (reasons: JSON)
_SELECTED = {"station_id": "%(station_id)s::int", "received_at": "%(received_at)s::timestamptz",
             "location": "%(location)s::text", "reasons": "batch.reasons::jsonb"}
_COLUMNS = [column.name for column in entries.columns]
_SELECT = ", ".join(_SELECTED.get(name, f"batch.{name}") for name in _COLUMNS)
_ARRAYS = ", ".join(f"%({name})b::{_ARRAY_TYPES.get(name, 'text')}[]" for name in _PER_ROW)
_UNNEST_INSERT = (
    f"INSERT INTO entries ({', '.join(_COLUMNS)}) SELECT {_SELECT} FROM unnest({_ARRAYS}) "
    f"AS batch ({', '.join(_PER_ROW)}) "
    "WHERE NOT EXISTS (SELECT FROM entries stored WHERE stored.id = batch.id) "
    "ON CONFLICT (id, scanned_at) DO NOTHING RETURNING id"
)


def _insert_new_postgresql(conn: sa.Connection, rows: list[dict]) -> set[uuid.UUID]:
    """One statement with one array per column: the batch travels and is parsed once, not row by row
    (three to four times faster than a multi-row VALUES for batches of hundreds). The reasons go as JSON
    text, which PostgreSQL reads in C (psycopg dumps a jsonb array value by value in Python), and the
    columns every row shares go once: 1.5 to 2 µs less CPU an entry in this process."""
    parameters: dict[str, Any] = {name: [row[name] for row in rows] for name in _PER_ROW}
    parameters["reasons"] = [json.dumps(value, ensure_ascii=False) for value in parameters["reasons"]]
    parameters.update({name: rows[0][name] for name in _PER_BATCH})
    return {row[0] for row in conn.exec_driver_sql(_UNNEST_INSERT, parameters)}


def _stations_holding(conn: sa.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """For ids already stored (repeats, mostly): which station each belongs to."""
    if not ids:
        return {}
    if conn.dialect.name == "postgresql":
        # One array parameter: hundreds of separate ones cost more to send than the look-up itself.
        rows = conn.exec_driver_sql("SELECT id, station_id FROM entries WHERE id = ANY(%s::uuid[])", (ids,))
    else:
        rows = conn.execute(sa.select(entries.c.id, entries.c.station_id).where(entries.c.id.in_(ids)))
    return {entry_id: station_id for entry_id, station_id in rows}


def _arriving(entry: WireEntry) -> Arriving:
    return Arriving(str(entry.id), entry.scanned_at, entry.format, entry.person_key, entry.linked_key,
                    entry.fields, entry.sealed, entry.sealed_kid)


def _row(entry: WireEntry, station: StationRecord, received_at: datetime) -> dict:
    """The entry's columns but its person's (server.sealing_store.stored_columns)."""
    return {
        "id": entry.id,
        "station_id": station.id,
        "scanned_at": entry.scanned_at,
        "received_at": received_at,
        "location": station.location,
        "direction": entry.direction,
        "source": entry.source,
        "format": entry.format,
        "display_name": entry.display_name,
        "verdict": entry.verdict,
        "reasons": entry.reasons,
    }
