"""Made-up entries for store and sync tests, and a store on a connection the test holds too."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

from dataclasses import replace

from kiosk.entry import Direction, Entry, Source, new_entry_id
from kiosk.person_seal import StoredEntry
from kiosk.sealing.kept import kept_fields
from kiosk.reasons import inline
from kiosk.store import Store
from kiosk.verdict import Outcome

# 08:15 in Hà Nội two days ago: recent enough for the server, which refuses entries older than its
# retention window, and in the past even for the 100,000 entries a second apart of bench/sync.py.
T0 = (datetime.now(timezone.utc) - timedelta(days=2)).replace(hour=1, minute=15, second=0, microsecond=0)


def make_entry(n: int = 0, *, at: datetime | None = None, direction: Direction = Direction.IN,
               verdict: Outcome = Outcome.ADMIT, person: str | None = None, station: str = "Cổng A") -> Entry:
    return Entry(
        id=new_entry_id(),
        scanned_at=at or T0 + timedelta(seconds=n),
        station=station,
        direction=direction,
        source=Source.CAMERA,
        format="vn-qr",
        person_key=person or f"qid:1629{n:014d}",
        display_name="NGUYEN V** A*",
        fields={"name": "NGUYEN VAN AN", "phone": "0912345678", "birth_date": "1990-01-31"},
        verdict=verdict,
        reasons=(inline("test.note", "Ghi chú thử", "Test note"),),
    )


def uploaded(store: Store, stored: Entry) -> Entry:
    """An entry read from the store as the upload sends it: clear keys, and the kept fields in clear when no
    authority key sealed them (the store's keys box opened with the store's station keys)."""
    return store.seal.uploaded(StoredEntry(stored, store.keys_boxes([stored.id])[stored.id]))


def kept(entry: Entry) -> Entry:
    """A door entry as it comes back from `uploaded` on a station without authority keys: the fields the
    door drops (kiosk.sealing.kept) are gone."""
    return replace(entry, fields=kept_fields(entry.format, entry.fields))


# The entries table as kiosks of schemas 1 to 4 wrote it (schema 2 added the `held` table, 4 the visits).
SCHEMA_4_ENTRY_COLUMNS = ("id", "scanned_at", "station", "direction", "source", "format", "person_key",
                          "display_name", "fields", "verdict", "reasons", "sync_state")


def schema_4_row(entry: Entry) -> tuple:
    """A door entry as kiosks of schemas 1 to 4 stored it: the clear person key, the code's fields as JSON.
    That format is history: it does not follow today's code."""
    row = entry.to_json()
    row["fields"] = json.dumps(row["fields"], ensure_ascii=False, sort_keys=True)
    row["reasons"] = json.dumps(row["reasons"], ensure_ascii=False)
    row["sync_state"] = "pending"
    return tuple(row[column] for column in SCHEMA_4_ENTRY_COLUMNS)


def insert_schema_4_rows(connection: sqlite3.Connection, entries: list[Entry]) -> None:
    columns = ", ".join(SCHEMA_4_ENTRY_COLUMNS)
    connection.executemany(f"INSERT INTO entries ({columns}) VALUES ({', '.join('?' * len(SCHEMA_4_ENTRY_COLUMNS))})",
                           [schema_4_row(entry) for entry in entries])


