"""What the dashboard reads: each station's health (summed up, filtered, a page at a time), entries per
local day (every location together or one location), the busiest locations, and an entry search (masked).
A site administrator's view is cut to their locations here, in the queries (`sites`).

Times are read from the database as plain UTC: a PostgreSQL session in a zone ahead of UTC would otherwise
hand back an entry dated 9999-12-31 as year 10000, which Python cannot hold, and fail the whole page.
"""

from __future__ import annotations

import dataclasses
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from typing import Collection, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from kiosk.tracing.masking import mask_person_key
from server.sealing_store import stored_key
from server.stations import as_utc
from server.tables import Moment, entries, stations
from server.wire import CLOCK_SKEW_TOLERANCE

# A station is "not draining" when entries have waited this long and no batch of it was stored meanwhile.
QUEUE_STALLED_AFTER = timedelta(minutes=15)
# An active station that has not called for this long is "silent" (switched off, unplugged, offline).
SILENT_AFTER = timedelta(hours=24)
PAGE_SIZE = 50

Sites = Collection[str] | None  # the locations a user may see (server.roles.User.visible_sites); None: all


class StationState(str, Enum):
    """The overview's choice of stations."""

    ALL = "all"
    STALLED = "stalled"  # not draining
    SILENT = "silent"  # no contact for SILENT_AFTER
    REVOKED = "revoked"


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
class StationSummary:
    total: int
    active: int
    revoked: int
    never_contacted: int  # active ones
    silent: int  # active ones without contact for SILENT_AFTER, the never contacted included
    stalled: int


@dataclass(frozen=True)
class StationPage:
    stations: list[StationHealth]
    matching: int  # stations the filter chose, on every page
    page: int  # from 1
    pages: int
    first: int  # the position of the page's first station among `matching`, from 1


@dataclass(frozen=True)
class DayTotal:
    day: date
    admitted: int  # visits: entries the door let through (admit or warn), in and out
    refused: int  # refusals at the door (since they reach the server: a URL, a damaged code, a watch list)


@dataclass(frozen=True)
class LocationTotal:
    location: str
    admitted: int
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


def station_health(conn: Connection, now: datetime, sites: Sites = None) -> list[StationHealth]:
    """Every station the user may see (`sites`: their locations; None: all), by name."""
    columns = [stations.c.name, stations.c.location, stations.c.revoked_at, stations.c.reported_queue,
               stations.c.clock_offset_seconds, *(_utc(conn, column) for column in (
                   stations.c.last_contact_at, stations.c.queue_oldest_at, stations.c.last_upload_at))]
    query = sa.select(*columns).order_by(stations.c.name)
    if sites is not None:
        query = query.where(_station_location().in_(list(sites)))
    health = []
    for row in conn.execute(query):
        station = StationHealth(
            name=row.name, location=row.location, revoked=row.revoked_at is not None,
            last_contact_at=as_utc(row.last_contact_at), reported_queue=row.reported_queue,
            clock_offset_seconds=row.clock_offset_seconds, queue_oldest_at=as_utc(row.queue_oldest_at),
            last_upload_at=as_utc(row.last_upload_at), stalled=False,
        )
        health.append(dataclasses.replace(station, stalled=is_stalled(station, now)))
    return health


def _station_location() -> sa.ColumnElement:
    """Where a station stands: its location, or its name when it has none."""
    return sa.func.coalesce(sa.func.nullif(stations.c.location, ""), stations.c.name)


def summarise(health: Sequence[StationHealth], now: datetime) -> StationSummary:
    active = [s for s in health if not s.revoked]
    return StationSummary(total=len(health), active=len(active), revoked=len(health) - len(active),
                          never_contacted=sum(s.last_contact_at is None for s in active),
                          silent=sum(is_silent(s, now) for s in active), stalled=sum(s.stalled for s in active))


def station_page(health: Sequence[StationHealth], now: datetime, text: str = "",
                 state: StationState = StationState.ALL, page: int = 1, size: int = PAGE_SIZE) -> StationPage:
    """One page of the stations whose name or location contains `text` and that are in `state`: the ones
    not draining first (they need someone), then by name. A page past the last shows the last.

    Computed from the stations already read: "not draining" weighs each kiosk's clock offset, which can
    be off by millennia, and Python checks that arithmetic where SQL would fail the page; a few thousand
    stations are a few milliseconds."""
    wanted = _folded(text)
    chosen = [s for s in health if _in_state(s, state, now)
              and (not wanted or wanted in _folded(s.name) or wanted in _folded(s.location))]
    chosen.sort(key=lambda s: (not s.stalled, s.name))
    pages = max(1, -(-len(chosen) // size))
    page = min(max(page, 1), pages)
    return StationPage(stations=chosen[(page - 1) * size:page * size], matching=len(chosen), page=page,
                       pages=pages, first=(page - 1) * size + 1)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip()).casefold()


def _in_state(station: StationHealth, state: StationState, now: datetime) -> bool:
    if state is StationState.STALLED:
        return station.stalled
    if state is StationState.SILENT:
        return is_silent(station, now)
    if state is StationState.REVOKED:
        return station.revoked
    return True


def is_silent(station: StationHealth, now: datetime) -> bool:
    """An active station that has not called for SILENT_AFTER, or never."""
    return not station.revoked and (station.last_contact_at is None or station.last_contact_at < now - SILENT_AFTER)


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


def day_totals(conn: Connection, days: int, zone: ZoneInfo, sites: Sites = None,
               location: str | None = None) -> list[DayTotal]:
    """Entries per local day at every location the user sees (`sites`; None: all), or at one `location`:
    newest first, each of the last `days` days (a day without entries too), and tomorrow when a kiosk's
    clock runs ahead. An entry dated beyond (which the server no longer accepts) is left out rather than
    failing the page."""
    window = _CountWindow.of(days, zone)
    day = window.day_number(conn.dialect.name, entries.c.scanned_at).label("day")
    query = window.counting(sa.select(day, *_COUNTS), sites).group_by(day)
    if location is not None:
        query = query.where(_entries_at([location]))
    found = {window.first + timedelta(days=r.day): r for r in conn.execute(query)}
    shown = set(found) | {window.today - timedelta(days=n) for n in range(days)}
    return [DayTotal(day, *_admitted_refused(found.get(day))) for day in sorted(shown, reverse=True)]


def busiest_locations(conn: Connection, days: int, zone: ZoneInfo, sites: Sites = None,
                      limit: int = 10) -> list[LocationTotal]:
    """The locations with the most visits (admitted entries) over the same days, most first. An entry
    without a location counts at its station's name (a station without a location stands for itself)."""
    window = _CountWindow.of(days, zone)
    unplaced = sa.case((entries.c.location == "", entries.c.station_id)).label("unplaced")
    admitted = sa.func.sum(sa.case((entries.c.verdict == "refuse", 0), else_=1))
    query = (window.counting(sa.select(entries.c.location, unplaced, *_COUNTS), sites)
             .group_by(entries.c.location, unplaced)
             .order_by(admitted.desc(), entries.c.location)
             .limit(limit))
    rows = conn.execute(query).all()
    names = _station_names(conn, {r.unplaced for r in rows if r.unplaced is not None})
    return [LocationTotal(names.get(r.unplaced, r.location), *_admitted_refused(r)) for r in rows]


_COUNTS = (sa.func.count().label("n"),
           sa.func.sum(sa.case((entries.c.verdict == "refuse", 1), else_=0)).label("refused"))


def _admitted_refused(row: sa.Row | None) -> tuple[int, int]:
    refused = int(row.refused or 0) if row else 0
    return (row.n - refused if row else 0), refused


@dataclass(frozen=True)
class _CountWindow:
    """The local days counted: `first` .. today, and the next day for clocks that run ahead."""

    today: date
    first: date
    since: datetime
    until: datetime
    zone: ZoneInfo

    @classmethod
    def of(cls, days: int, zone: ZoneInfo) -> "_CountWindow":
        today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        since = today - timedelta(days=days - 1)
        return cls(today.date(), since.date(), since, today + timedelta(days=1) + CLOCK_SKEW_TOLERANCE, zone)

    def counting(self, query: sa.Select, sites: Sites) -> sa.Select:
        """The query over the entries of these days at the user's locations."""
        query = query.where(entries.c.scanned_at >= _bound(self.since), entries.c.scanned_at < _bound(self.until))
        return query if sites is None else query.where(_entries_at(list(sites)))

    def day_number(self, dialect: str, column: sa.ColumnElement) -> sa.ColumnElement:
        """The local day of a time, as days after `first`."""
        if dialect == "postgresql":
            # The local midnights as thresholds: a binary search per row, several times cheaper than a
            # time zone conversion per row.
            midnights = [_bound(datetime.combine(self.first + timedelta(days=n), time(), tzinfo=self.zone))
                         for n in range((self.until.date() - self.first).days + 1)]
            return sa.func.width_bucket(column, sa.bindparam("midnights", midnights, type_=ARRAY(Moment))) - 1
        # SQLite has no time zones; the zones that matter here (Vietnam) keep one offset all year.
        minutes = int(datetime.now(self.zone).utcoffset().total_seconds() // 60)
        local_day = sa.func.julianday(sa.func.date(column, f"{minutes:+d} minutes"))
        return sa.cast(local_day - sa.func.julianday(self.first.isoformat()), sa.Integer)


def _station_names(conn: Connection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(conn.execute(sa.select(stations.c.id, stations.c.name).where(stations.c.id.in_(ids))).all())


def _entries_at(sites: list[str]) -> sa.ColumnElement:
    """Entries made at these locations: the location they carry, or, when they carry none, their station's
    name."""
    unplaced = sa.select(stations.c.id).where(stations.c.location == "", stations.c.name.in_(sites))
    return sa.or_(entries.c.location.in_(sites),
                  sa.and_(entries.c.location == "", entries.c.station_id.in_(unplaced)))


def _bound(moment: datetime) -> datetime:
    """A time to compare with stored ones: in UTC, as they are stored (SQLite compares the text)."""
    return moment.astimezone(timezone.utc)


def search_entries(conn: Connection, person_key: str = "", station: str = "", since: datetime | None = None,
                   until: datetime | None = None, limit: int = 200) -> list[FoundEntry]:
    """Newest first. The person key (clear, as typed) must match exactly: it is tagged as stored entries'
    are (server.sealing_store) before the query, and the dashboard never offers browsing by name."""
    query = (
        sa.select(entries.c.id, entries.c.location, _utc(conn, entries.c.scanned_at),
                  _utc(conn, entries.c.received_at), entries.c.direction, entries.c.verdict, entries.c.format,
                  entries.c.display_name, entries.c.person_key, stations.c.name.label("station_name"))
        .join(stations, stations.c.id == entries.c.station_id)
        .order_by(entries.c.scanned_at.desc())
        .limit(limit)
    )
    if person_key:
        query = query.where(entries.c.person_key == stored_key(person_key))
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
