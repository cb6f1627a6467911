"""What the dashboard reads: each station's health, counts per local day and location, and an entry
search (masked).

Times are read from the database as plain UTC: a PostgreSQL session in a zone ahead of UTC would otherwise
hand back an entry dated 9999-12-31 as year 10000, which Python cannot hold, and fail the whole page.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.masking import mask_person_key
from server.stations import as_utc
from server.tables import entries, stations
from server.wire import CLOCK_SKEW_TOLERANCE

# A station is "not draining" when entries have waited this long and no batch of it was stored meanwhile.
QUEUE_STALLED_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class StationHealth:
    name: str
    location: str
    revoked: bool
    last_contact_at: datetime | None
    reported_queue: int | None
    clock_offset_seconds: float | None
    queue_oldest_at: datetime | None  # by the kiosk's clock, as it said
    last_upload_at: datetime | None
    stalled: bool  # entries are waiting and not draining (see `is_stalled`)


@dataclass(frozen=True)
class DayCount:
    day: date
    location: str
    admitted: int  # visits: entries the door let through (admit or warn), in and out
    refused: int  # refusals at the door (since they reach the server: a URL, a damaged code, a watch list)


@dataclass(frozen=True)
class FoundEntry:
    id: uuid.UUID
    station: str
    location: str
    scanned_at: datetime
    received_at: datetime
    direction: str
    verdict: str
    format: str
    display_name: str
    person_key: str  # masked


def station_health(conn: Connection, now: datetime) -> list[StationHealth]:
    columns = [stations.c.name, stations.c.location, stations.c.revoked_at, stations.c.reported_queue,
               stations.c.clock_offset_seconds, *(_utc(conn, column) for column in (
                   stations.c.last_contact_at, stations.c.queue_oldest_at, stations.c.last_upload_at))]
    health = []
    for row in conn.execute(sa.select(*columns).order_by(stations.c.name)):
        station = StationHealth(
            name=row.name, location=row.location, revoked=row.revoked_at is not None,
            last_contact_at=as_utc(row.last_contact_at), reported_queue=row.reported_queue,
            clock_offset_seconds=row.clock_offset_seconds, queue_oldest_at=as_utc(row.queue_oldest_at),
            last_upload_at=as_utc(row.last_upload_at), stalled=False,
        )
        health.append(dataclasses.replace(station, stalled=is_stalled(station, now)))
    return health


def is_stalled(station: StationHealth, now: datetime) -> bool:
    """Entries wait at the station (by its last report), the oldest for longer than QUEUE_STALLED_AFTER,
    and no batch of it was stored in that time: its queue is not draining, whatever the reason (a batch
    the server cannot take, a network that lets the station reach us but not upload, a station gone)."""
    if station.revoked or not ((station.reported_queue or 0) > 0 or station.queue_oldest_at):
        return False
    since = now - QUEUE_STALLED_AFTER
    if station.last_upload_at is not None and station.last_upload_at > since:
        return False
    if station.queue_oldest_at is None:  # a kiosk that does not say how old its queue is
        return True
    try:
        oldest = station.queue_oldest_at - timedelta(seconds=station.clock_offset_seconds or 0)  # on our clock
    except OverflowError:  # a clock off by millennia says nothing about how long the entry waits
        oldest = station.queue_oldest_at
    return oldest < since


def _utc(conn: Connection, column: sa.Column) -> sa.ColumnElement:
    """The column as a UTC time whatever the session's time zone (PostgreSQL), labelled as the column."""
    if conn.dialect.name == "postgresql":
        return sa.func.timezone("UTC", column).label(column.name)
    return column


def _local_day(dialect: str, column: sa.ColumnElement, zone: ZoneInfo) -> sa.ColumnElement:
    if dialect == "postgresql":
        return sa.func.date(sa.func.timezone(zone.key, column))
    # SQLite has no time zones; the zones that matter here (Vietnam) keep one offset all year.
    minutes = int(datetime.now(zone).utcoffset().total_seconds() // 60)
    return sa.func.date(column, f"{minutes:+d} minutes")


def daily_counts(conn: Connection, days: int, zone: ZoneInfo) -> list[DayCount]:
    """The last `days` local days, and tomorrow for kiosks whose clocks run ahead; an entry dated beyond
    (which the server no longer accepts) is left out rather than failing the page."""
    today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=days - 1)
    until = today + timedelta(days=1) + CLOCK_SKEW_TOLERANCE
    day = _local_day(conn.dialect.name, entries.c.scanned_at, zone).label("day")
    refused = sa.func.sum(sa.case((entries.c.verdict == "refuse", 1), else_=0))
    rows = conn.execute(
        sa.select(day, entries.c.location, sa.func.count().label("n"), refused.label("refused"))
        .where(entries.c.scanned_at >= _bound(since), entries.c.scanned_at < _bound(until))
        .group_by(day, entries.c.location)
        .order_by(day.desc(), entries.c.location)
    )
    return [DayCount(_as_date(r.day), r.location, r.n - int(r.refused or 0), int(r.refused or 0)) for r in rows]


def _bound(moment: datetime) -> datetime:
    """A time to compare with stored ones: in UTC, as they are stored (SQLite compares the text)."""
    return moment.astimezone(timezone.utc)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def search_entries(conn: Connection, person_key: str = "", station: str = "", since: datetime | None = None,
                   until: datetime | None = None, limit: int = 200) -> list[FoundEntry]:
    """Newest first. The person key must match exactly: the dashboard never offers browsing by name."""
    query = (
        sa.select(entries.c.id, entries.c.location, _utc(conn, entries.c.scanned_at),
                  _utc(conn, entries.c.received_at), entries.c.direction, entries.c.verdict, entries.c.format,
                  entries.c.display_name, entries.c.person_key, stations.c.name.label("station_name"))
        .join(stations, stations.c.id == entries.c.station_id)
        .order_by(entries.c.scanned_at.desc())
        .limit(limit)
    )
    if person_key:
        query = query.where(entries.c.person_key == person_key)
    if station:
        query = query.where(stations.c.name == station)
    if since:
        query = query.where(entries.c.scanned_at >= _bound(since))
    if until:
        query = query.where(entries.c.scanned_at < _bound(until))
    return [
        FoundEntry(
            id=r.id, station=r.station_name, location=r.location, scanned_at=as_utc(r.scanned_at),
            received_at=as_utc(r.received_at), direction=r.direction, verdict=r.verdict, format=r.format,
            display_name=r.display_name, person_key=mask_person_key(r.person_key),
        )
        for r in conn.execute(query)
    ]
