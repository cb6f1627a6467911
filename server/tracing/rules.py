"""Each location's rules for ending a visit, as stored: a default stay, a closing time, the operator's
closures. A location without a row has the defaults of kiosk.tracing.visits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Collection
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kiosk.tracing.visits import DEFAULT_STAY, LocationRules
from server.stations import as_utc
from server.tables import locations, visit_closures


@dataclass(frozen=True)
class LocationSetting:
    name: str
    default_stay_minutes: int
    closing_time: time | None


def server_zone() -> ZoneInfo:
    """The zone of local times on this server: closing times, times typed without a zone."""
    from server.app import DEFAULT_TIMEZONE, TIMEZONE_ENV  # here, not above: server.app starts the builder

    return ZoneInfo(os.environ.get(TIMEZONE_ENV, DEFAULT_TIMEZONE))


def rules_for(conn: Connection, names: Collection[str], zone: ZoneInfo,
              since: datetime) -> dict[str, LocationRules]:
    """The rules of each location named, with the operator's closures from `since` on. A location without a
    row has the defaults."""
    names = sorted(set(names))
    if not names:
        return {}
    closures: dict[str, list[datetime]] = {name: [] for name in names}
    for row in conn.execute(sa.select(visit_closures.c.location, visit_closures.c.at)
                            .where(visit_closures.c.location.in_(names), visit_closures.c.at >= since)):
        closures[row.location].append(as_utc(row.at))
    stored = conn.execute(sa.select(locations).where(locations.c.name.in_(names)))
    settings = {row.name: row_setting(row) for row in stored}
    rules = {}
    for name in names:
        setting = settings.get(name)
        rules[name] = LocationRules(
            default_stay=timedelta(minutes=setting.default_stay_minutes) if setting else DEFAULT_STAY,
            closing_time=setting.closing_time if setting else None, zone=zone,
            closures=tuple(sorted(closures[name])))
    return rules


def row_setting(row: sa.Row) -> LocationSetting:
    closing = time.fromisoformat(row.closing_time) if row.closing_time else None
    return LocationSetting(row.name, row.default_stay_minutes, closing)
