"""Each location's rules for ending a visit nobody scanned out of (a default stay, a closing time) and the
operator's "close all open visits". Changing either rebuilds the visits they end (server.tracing.builder)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.tracing.visits import DEFAULT_STAY, MAX_STAY, stay_from_minutes
from server.database import writing
from server.stations import AdminRequestError, StationRecord, as_utc
from server.tables import locations, visit_closures, visits
from server import retention
from server.tracing import builder
from server.tracing.rules import LocationSetting, row_setting, server_zone
from server.typed_text import hidden_character_problem

DEFAULT_STAY_MINUTES = int(DEFAULT_STAY.total_seconds() // 60)


@dataclass(frozen=True)
class RulesChange:
    """What `set_location` did: the setting now in force, the stay as asked, and the visits rebuilt."""

    setting: LocationSetting
    asked_stay_minutes: int | None
    rebuilt: int


def list_locations(conn: Connection) -> list[LocationSetting]:
    return [row_setting(row) for row in conn.execute(sa.select(locations).order_by(locations.c.name))]


def parse_closing_time(text: str) -> time | None:
    """"HH:MM" (24-hour clock) or "none"."""
    text = text.strip()
    if text.casefold() == "none":
        return None
    try:
        hours, minutes = text.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except ValueError:
        raise AdminRequestError(f"A closing time is HH:MM on a 24-hour clock (e.g. 18:30) or none, not {text!r}.") \
            from None


_UNCHANGED: Any = object()


def set_location(engine: Engine, name: str, *, default_stay_minutes: int | None = None,
                 closing_time: time | None = _UNCHANGED, zone: ZoneInfo | None = None,
                 now: datetime | None = None) -> RulesChange:
    """Set a location's rules (what is not given stays as it was) and rebuild its visits of the retention
    window with them: on a busy location this reads every entry of its visitors, which takes a while."""
    name = checked_location(name)
    with writing(engine) as conn:
        builder.lock(conn, wait=True)
        current = conn.execute(sa.select(locations).where(locations.c.name == name)).first()
        setting = LocationSetting(
            name,
            _rounded(default_stay_minutes) if default_stay_minutes is not None
            else current.default_stay_minutes if current else DEFAULT_STAY_MINUTES,
            (row_setting(current).closing_time if current else None) if closing_time is _UNCHANGED else closing_time)
        values = {"default_stay_minutes": setting.default_stay_minutes,
                  "closing_time": setting.closing_time.strftime("%H:%M") if setting.closing_time else None}
        if current:
            conn.execute(locations.update().where(locations.c.name == name).values(**values))
        else:
            conn.execute(locations.insert().values(name=name, **values))
        rebuilt = _rebuild_visits_since(conn, name, _oldest_kept(conn, now), zone)
    return RulesChange(setting, default_stay_minutes, rebuilt)


def close_visits(engine: Engine, location: str, *, zone: ZoneInfo | None = None,
                 now: datetime | None = None) -> int:
    """An operator closes every visit open now at `location`: they end now, "operator". Returns how many."""
    location = checked_location(location)
    now = now or datetime.now(timezone.utc)
    with writing(engine) as conn:
        builder.lock(conn, wait=True)
        conn.execute(visit_closures.insert().values(location=location, at=now))
        open_now = sa.select(visits.c.person_key, visits.c.started_at).where(
            visits.c.location == location, visits.c.started_at >= now - MAX_STAY, visits.c.started_at < now,
            visits.c.ended_at > now)
        return _rebuild_people(conn, list(conn.execute(open_now)), zone)


def station_location_rules(conn: Connection, station: StationRecord) -> dict[str, Any]:
    """The settings a kiosk applies to its own visits: its location's default stay and closing time, pushed
    as the kiosk settings `default_stay_minutes` and `closing_time` ("HH:MM", empty: none)."""
    row = conn.execute(sa.select(locations).where(locations.c.name == (station.location or station.name))).first()
    if row is None:
        return {}
    return {"default_stay_minutes": row.default_stay_minutes, "closing_time": row.closing_time or ""}


def checked_location(name: str) -> str:
    name = unicodedata.normalize("NFC", name.strip())
    if not name or len(name) > 200:
        raise AdminRequestError("A location name must have 1 to 200 characters.")
    problem = hidden_character_problem("location", name)
    if problem:
        raise AdminRequestError(problem)
    return name


def _rebuild_visits_since(conn: Connection, location: str, since: datetime, zone: ZoneInfo | None) -> int:
    started = sa.select(visits.c.person_key, visits.c.started_at).where(
        visits.c.location == location, visits.c.started_at >= since - MAX_STAY)
    return _rebuild_people(conn, list(conn.execute(started)), zone)


def _rebuild_people(conn: Connection, moments: list[sa.Row], zone: ZoneInfo | None) -> int:
    """Rebuild each person's visits around the moments given, as the builder does for new entries."""
    if moments:
        builder.rebuild(conn, builder.windows_around((row.person_key, as_utc(row.started_at)) for row in moments),
                        zone or server_zone())
    return len(moments)


def _oldest_kept(conn: Connection, now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)) - timedelta(days=retention.retention_days(conn))


def _rounded(minutes: int) -> int:
    return int(stay_from_minutes(minutes).total_seconds() // 60)
