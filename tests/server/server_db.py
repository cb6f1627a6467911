"""Entries written straight into a test database (as if uploaded long ago), and waiting on its state."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Callable

import sqlalchemy as sa

from server.database import writing
from server.tables import entries

PERSON_KEY = "qid:162900000000000042"


def entry_row(entry_id: uuid.UUID, station_id: int, scanned_at: datetime) -> dict:
    return dict(id=entry_id, station_id=station_id, scanned_at=scanned_at, received_at=scanned_at,
                location="Sảnh A", direction="in", source="camera", format="vn-qr", person_key=PERSON_KEY,
                display_name="NGUYEN V** A*", verdict="admit", reasons=[])


def store_rows(engine: sa.Engine, station_id: int, *times: datetime) -> list[uuid.UUID]:
    """One entry per scan time; their ids, in the same order."""
    ids = [uuid.uuid4() for _ in times]
    with writing(engine) as conn:
        conn.execute(entries.insert(), [entry_row(i, station_id, at) for i, at in zip(ids, times)])
    return ids


def stored_ids(engine: sa.Engine) -> set[uuid.UUID]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(entries.c.id)).scalars())


def partition_of(engine: sa.Engine, entry_id: uuid.UUID) -> str:
    """The partition holding an entry (PostgreSQL)."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT tableoid::regclass::text FROM entries WHERE id = :id"),
                            {"id": entry_id}).scalar_one()


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Poll until the condition holds; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.05)
