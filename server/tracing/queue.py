"""Entries whose person's visits are still to be built. They are queued at ingest in the entries' own
transaction, so the builder (server.tracing.builder) cannot miss one, and a trace drains what is left first."""

from __future__ import annotations

import threading
from typing import Iterable, Mapping

import sqlalchemy as sa

from server.tables import visit_queue

# Set once a batch that queued entries is committed: wakes this process's builder at once.
stored = threading.Event()

_UNNEST_INSERT = ("INSERT INTO visit_queue (person_key, scanned_at) "
                  "SELECT * FROM unnest(%b::text[], %b::timestamptz[])")


def enqueue(conn: sa.Connection, rows: Iterable[Mapping]) -> int:
    """Queue the entries' (person key, scan time), in one statement; entries without a person are left out."""
    keyed = [(row["person_key"], row["scanned_at"]) for row in rows if row["person_key"]]
    if not keyed:
        return 0
    if conn.dialect.name == "postgresql":
        keys, moments = zip(*keyed)
        conn.exec_driver_sql(_UNNEST_INSERT, (list(keys), list(moments)))
    else:
        conn.execute(visit_queue.insert(), [{"person_key": key, "scanned_at": at} for key, at in keyed])
    return len(keyed)
