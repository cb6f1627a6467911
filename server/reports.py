"""What the dashboard reads: counts per local day and location, and an entry search (masked)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.masking import mask_person_key
from server.stations import as_utc
from server.tables import entries, stations


@dataclass(frozen=True)
class DayCount:
    day: date
    location: str
    entries: int
    refused: int


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


def _local_day(dialect: str, column: sa.ColumnElement, zone: ZoneInfo) -> sa.ColumnElement:
    if dialect == "postgresql":
        return sa.func.date(sa.func.timezone(zone.key, column))
    # SQLite has no time zones; the zones that matter here (Vietnam) keep one offset all year.
    minutes = int(datetime.now(zone).utcoffset().total_seconds() // 60)
    return sa.func.date(column, f"{minutes:+d} minutes")


def daily_counts(conn: Connection, days: int, zone: ZoneInfo) -> list[DayCount]:
    since = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
    day = _local_day(conn.dialect.name, entries.c.scanned_at, zone).label("day")
    refused = sa.func.sum(sa.case((entries.c.verdict == "refuse", 1), else_=0))
    rows = conn.execute(
        sa.select(day, entries.c.location, sa.func.count().label("n"), refused.label("refused"))
        .where(entries.c.scanned_at >= since)
        .group_by(day, entries.c.location)
        .order_by(day.desc(), entries.c.location)
    )
    return [DayCount(_as_date(r.day), r.location, r.n, int(r.refused or 0)) for r in rows]


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def search_entries(conn: Connection, person_key: str = "", station: str = "", since: datetime | None = None,
                   until: datetime | None = None, limit: int = 200) -> list[FoundEntry]:
    """Newest first. The person key must match exactly: the dashboard never offers browsing by name."""
    query = (
        sa.select(entries.c.id, entries.c.location, entries.c.scanned_at, entries.c.received_at,
                  entries.c.direction, entries.c.verdict, entries.c.format, entries.c.display_name,
                  entries.c.person_key, stations.c.name.label("station_name"))
        .join(stations, stations.c.id == entries.c.station_id)
        .order_by(entries.c.scanned_at.desc())
        .limit(limit)
    )
    if person_key:
        query = query.where(entries.c.person_key == person_key)
    if station:
        query = query.where(stations.c.name == station)
    if since:
        query = query.where(entries.c.scanned_at >= since)
    if until:
        query = query.where(entries.c.scanned_at < until)
    return [
        FoundEntry(
            id=r.id, station=r.station_name, location=r.location, scanned_at=as_utc(r.scanned_at),
            received_at=as_utc(r.received_at), direction=r.direction, verdict=r.verdict, format=r.format,
            display_name=r.display_name, person_key=mask_person_key(r.person_key),
        )
        for r in conn.execute(query)
    ]
