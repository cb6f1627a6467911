"""Stations (kiosks) known to the server: adding one issues its token; revoking one locks it out.

Station names are stored in NFC and compared after NFC and case folding (`name_key`): "Cổng A" typed in
NFD on one keyboard and in NFC on another is the same station. A renamed station keeps its former names, so
the entries its kiosk queued before the rename are still its own (`names_this_station`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from server.database import writing
from server.tables import station_former_names, stations
from server.tokens import new_token, token_hash
from server.typed_text import hidden_character_problem


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
    former_names: tuple[str, ...] = ()

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


def name_key(name: str) -> str:
    """What two station names must share to be the same name (case folding can undo NFC: normalise again)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name.strip()).casefold())


def _clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name.strip())
    if not name or len(name) > 100:
        raise AdminRequestError("A station name must have 1 to 100 characters.")
    return _visible(name, "station name")


def _clean_location(location: str) -> str:
    location = unicodedata.normalize("NFC", location.strip())
    if len(location) > 200:
        raise AdminRequestError("A location must have at most 200 characters.")
    return _visible(location, "location")


def _visible(text: str, label: str) -> str:
    problem = hidden_character_problem(label, text)
    if problem:
        raise AdminRequestError(problem)
    return text


def _station_owning(conn: Connection, name: str) -> int | None:
    """The id of the station whose current or former name is `name`, or None."""
    wanted = name_key(name)
    current = conn.execute(sa.select(stations.c.id, stations.c.name)).all()
    former = conn.execute(sa.select(station_former_names.c.station_id, station_former_names.c.name)).all()
    return next((station_id for station_id, other in [*current, *former] if name_key(other) == wanted), None)


def _refuse_taken(conn: Connection, name: str, station_id: int | None = None) -> None:
    owner = _station_owning(conn, name)
    if owner is not None and owner != station_id:
        raise AdminRequestError(f"A station named {name!r} already exists (or had that name before).")


def _active_station_id(conn: Connection, name: str) -> int:
    wanted = name_key(name)
    rows = conn.execute(sa.select(stations.c.id, stations.c.name).where(stations.c.revoked_at.is_(None))).all()
    found = next((row.id for row in rows if name_key(row.name) == wanted), None)
    if found is None:
        raise AdminRequestError(f"No active station is named {name!r}.")
    return found


def add_station(engine: Engine, name: str, location: str = "") -> tuple[StationRecord, str]:
    """Create a station; returns it and its token, which exists nowhere else afterwards."""
    name = _clean_name(name)
    token = new_token()
    with writing(engine) as conn:
        _refuse_taken(conn, name)
        conn.execute(
            stations.insert().values(
                name=name, location=_clean_location(location), token_hash=token_hash(token),
                created_at=datetime.now(timezone.utc),
            )
        )
        row = conn.execute(sa.select(*_COLUMNS).where(stations.c.name == name)).one()
    return _record(row), token


def list_stations(conn: Connection) -> list[StationRecord]:
    return [_record(row) for row in conn.execute(sa.select(*_COLUMNS).order_by(stations.c.name))]


def revoke_station(engine: Engine, name: str) -> None:
    with writing(engine) as conn:
        station_id = _active_station_id(conn, name)
        conn.execute(stations.update().where(stations.c.id == station_id).values(revoked_at=datetime.now(timezone.utc)))


def rotate_token(engine: Engine, name: str) -> str:
    """A new token for an active station (shown once); the old one stops working, name and entries stay."""
    token = new_token()
    with writing(engine) as conn:
        station_id = _active_station_id(conn, name)
        conn.execute(stations.update().where(stations.c.id == station_id).values(token_hash=token_hash(token)))
    return token


def rename_station(engine: Engine, old: str, new: str) -> None:
    """Rename an active station, keeping the old name as a former name of the same station."""
    new = _clean_name(new)
    with writing(engine) as conn:
        station_id = _active_station_id(conn, old)
        _refuse_taken(conn, new, station_id)
        current = conn.execute(sa.select(stations.c.name).where(stations.c.id == station_id)).scalar_one()
        if name_key(current) != name_key(new):  # not just another spelling of the same name
            conn.execute(station_former_names.insert().values(station_id=station_id, name=current,
                                                              renamed_at=datetime.now(timezone.utc)))
        conn.execute(stations.update().where(stations.c.id == station_id).values(name=new))


def station_for_token(conn: Connection, token: str) -> StationRecord | None:
    """The active station holding this token, with its former names; None when unknown or revoked."""
    row = conn.execute(
        sa.select(*_COLUMNS).where(stations.c.token_hash == token_hash(token), stations.c.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    former = conn.execute(sa.select(station_former_names.c.name)
                          .where(station_former_names.c.station_id == row.id)).scalars()
    return replace(_record(row), former_names=tuple(former))


def names_this_station(record: StationRecord, name: str) -> bool:
    """Whether an entry naming station `name` belongs to this station (its name now, or a former one)."""
    wanted = name_key(name)
    return any(name_key(known) == wanted for known in (record.name, *record.former_names))


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
