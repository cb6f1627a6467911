"""Stations and entries written straight into the server's tables: hundreds in a fraction of a second, for
the dashboard's tests (uploading them through the API would test ingest, and take minutes)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from server.reports import QUEUE_STALLED_AFTER
from server.tables import entries, stations

NOW = datetime.now(timezone.utc)


def station_row(name: str, location: str, *, revoked: bool = False, stalled: bool = False,
                contact: timedelta | None = timedelta(minutes=3)) -> dict:
    """A station as the server would hold it: in touch `contact` ago (None: never), its queue drained,
    unless `stalled` (entries wait since long before the last batch stored)."""
    return {
        "name": name, "location": location, "token_hash": uuid.uuid4().hex * 2, "created_at": NOW - timedelta(days=30),
        "revoked_at": NOW - timedelta(days=1) if revoked else None,
        "last_contact_at": NOW - contact if contact is not None else None,
        "reported_queue": 25 if stalled else 0, "clock_offset_seconds": 0.0 if contact is not None else None,
        "queue_oldest_at": NOW - QUEUE_STALLED_AFTER * 4 if stalled else None,
        "last_upload_at": NOW - QUEUE_STALLED_AFTER * 2 if contact is not None else None,
    }


def add_stations(engine: sa.Engine, rows: list[dict]) -> dict[str, int]:
    """Insert the stations; their ids by name."""
    with engine.begin() as conn:
        conn.execute(stations.insert(), rows)
        names = [row["name"] for row in rows]
        return dict(conn.execute(sa.select(stations.c.name, stations.c.id).where(stations.c.name.in_(names))).all())


def add_entries(engine: sa.Engine, station_id: int, location: str, at: datetime, admitted: int,
                refused: int = 0) -> None:
    """Entries of one station at one moment (they count on its local day)."""
    verdicts = ["admit"] * admitted + ["refuse"] * refused
    with engine.begin() as conn:
        conn.execute(entries.insert(), [{
            "id": uuid.uuid4(), "station_id": station_id, "scanned_at": at, "received_at": at,
            "location": location, "direction": "in", "source": "camera", "format": "vn-qr",
            "person_key": f"qid:1629{n:014d}" if verdict != "refuse" else "", "display_name": "NGUYEN V** A*",
            "verdict": verdict, "reasons": [],
        } for n, verdict in enumerate(verdicts)])
