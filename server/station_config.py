"""What a kiosk downloads: its settings, the watch list by weekly tags (server.watch_list), the health
authority's key set, the meetings a station checks in for (server.meetings.station_part), and (from other
packages) key material.

The document is assembled from contributors, each a function of (connection, station) returning some of
the document's top-level parts, so another package adds its parts without touching this module:

    create_app(engine, config_contributors=[lambda conn, station: fragment(station=station.name)])

Its ETag is a hash of the canonical JSON, so any change anywhere in it changes the tag.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.contract import PUSHED_SETTINGS, checked_value
from server.database import writing
from server.stations import AdminRequestError, StationRecord
from server.authority_keys import published_key_set
from server.meetings.station_part import meetings_for
from server.tables import station_settings, stations
from server.tracing.locations import station_location_rules
from server.watch_list import watch_for

ConfigContributor = Callable[[Connection, StationRecord], Mapping[str, Any]]

@dataclass(frozen=True)
class ConfigDocument:
    body: bytes
    etag: str


def station_identity(_conn: Connection, station: StationRecord) -> dict[str, Any]:
    return {"station": {"name": station.name, "location": station.location}}


def settings_for(conn: Connection, station: StationRecord) -> dict[str, Any]:
    """Settings: defaults for every station, overridden by its location's rules for visits
    (`kiosk-server location set`), overridden by the station's own rows."""
    rows = conn.execute(
        sa.select(station_settings.c.station_id, station_settings.c.key, station_settings.c.value)
        .where(sa.or_(station_settings.c.station_id.is_(None), station_settings.c.station_id == station.id))
        .order_by(station_settings.c.station_id.is_not(None), station_settings.c.key)
    ).all()
    settings = {row.key: row.value for row in rows if row.station_id is None}
    settings.update(station_location_rules(conn, station))
    settings.update({row.key: row.value for row in rows if row.station_id is not None})
    return {"settings": settings}


def authority_for(_conn: Connection, _station: StationRecord) -> dict[str, Any]:
    """The health authority's signed key set as published (kiosk-server authority publish), absent before."""
    key_set = published_key_set()
    return {} if key_set is None else {"authority": key_set.to_json()}


DEFAULT_CONTRIBUTORS: tuple[ConfigContributor, ...] = (station_identity, settings_for, watch_for, authority_for,
                                                        meetings_for)


class StationConfigBuilder:
    def __init__(self, contributors: Sequence[ConfigContributor]) -> None:
        self.contributors = tuple(contributors)

    def build(self, conn: Connection, station: StationRecord) -> ConfigDocument:
        document: dict[str, Any] = {"version": 1}
        for contributor in self.contributors:
            for name, part in contributor(conn, station).items():
                if name in document:
                    raise ValueError(f"two contributors to the station config both give {name!r}")
                document[name] = part
        body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return ConfigDocument(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def set_setting(engine: Engine, key: str, value: Any, station_name: str | None = None) -> None:
    """Push a setting to one station or (station_name None) to all; None as value removes it."""
    if key not in PUSHED_SETTINGS:
        raise AdminRequestError(f"{key!r} cannot be set from the server; choose from {', '.join(PUSHED_SETTINGS)}.")
    if value is not None:
        try:
            checked_value(key, value)  # the kiosk's own check, so a pushed value is one the kiosk accepts
        except ValueError as problem:
            raise AdminRequestError(f"{key} = {value!r}: {problem}.") from None
    with writing(engine) as conn:
        station_id = _station_id(conn, station_name) if station_name else None
        conn.execute(
            station_settings.delete().where(
                station_settings.c.key == key,
                station_settings.c.station_id.is_(None) if station_id is None else
                station_settings.c.station_id == station_id,
            )
        )
        if value is not None:
            conn.execute(station_settings.insert().values(station_id=station_id, key=key, value=value))


def _station_id(conn: Connection, name: str) -> int:
    station_id = conn.execute(sa.select(stations.c.id).where(stations.c.name == name)).scalar()
    if station_id is None:
        raise AdminRequestError(f"No station is named {name!r}.")
    return station_id

