"""Stations (kiosks) known to the server: adding one issues its token; revoking one locks it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.entry import utc_now
from server.database import writing
from server.tables import stations
from server.tokens import new_token, token_hash


class AdminRequestError(Exception):
    """An administrator's request that cannot be done as asked; the message says why (not a bug)."""


@dataclass(frozen=True)
class StationRecord:
    id: int
    name: str
    location: str
    created_at: datetime
    revoked_at: datetime | None
    last_contact_at: datetime | None
    reported_queue: int | None
    clock_offset_seconds: float | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None



def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def _record(row: sa.Row) -> StationRecord:
    return StationRecord(
        id=row.id,
        name=row.name,
        location=row.location,
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at),
        last_contact_at=as_utc(row.last_contact_at),
        reported_queue=row.reported_queue,
        clock_offset_seconds=row.clock_offset_seconds,
    )


_COLUMNS = [c for c in stations.c if c.name != "token_hash"]


def add_station(engine: Engine, name: str, location: str = "") -> tuple[StationRecord, str]:
    """Create a station; returns it and its token, which exists nowhere else afterwards."""
    name = name.strip()
    if not name or len(name) > 100:
        raise AdminRequestError("A station name must have 1 to 100 characters.")
    token = new_token()
    with writing(engine) as conn:
        if conn.execute(sa.select(stations.c.id).where(stations.c.name == name)).first():
            raise AdminRequestError(f"A station named {name!r} already exists.")
        conn.execute(
            stations.insert().values(
                name=name, location=location.strip(), token_hash=token_hash(token), created_at=utc_now()
            )
        )
        row = conn.execute(sa.select(*_COLUMNS).where(stations.c.name == name)).one()
    return _record(row), token


def list_stations(conn: Connection) -> list[StationRecord]:
    return [_record(row) for row in conn.execute(sa.select(*_COLUMNS).order_by(stations.c.name))]


def revoke_station(engine: Engine, name: str) -> None:
    with writing(engine) as conn:
        result = conn.execute(
            stations.update()
            .where(stations.c.name == name, stations.c.revoked_at.is_(None))
            .values(revoked_at=utc_now())
        )
        if result.rowcount == 0:
            raise AdminRequestError(f"No active station is named {name!r}.")


def station_for_token(conn: Connection, token: str) -> StationRecord | None:
    """The active station holding this token, or None (unknown or revoked)."""
    row = conn.execute(
        sa.select(*_COLUMNS).where(stations.c.token_hash == token_hash(token), stations.c.revoked_at.is_(None))
    ).first()
    return _record(row) if row else None


def record_contact(
    conn: Connection, station_id: int, at: datetime, reported_queue: int | None, clock_offset: float | None,
    queue_oldest: datetime | None = None, uploaded: bool = False,
) -> None:
    """What a kiosk said about itself at a contact; `uploaded` when the contact stored (committed) a batch,
    even one of repeats only, so the dashboard can tell a station whose queue is not draining."""
    values = {"last_contact_at": at, "reported_queue": reported_queue, "clock_offset_seconds": clock_offset,
              "queue_oldest_at": queue_oldest}
    if uploaded:
        values["last_upload_at"] = at
    conn.execute(stations.update().where(stations.c.id == station_id).values(**values))
