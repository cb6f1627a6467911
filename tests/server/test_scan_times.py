"""Scan times the server accepts: within a day of its clock ahead, and not older than the retention window
the server pushes to the station (retention_days, 28 by default) plus that day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from factories import make_entry
from server.station_config import set_setting

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL


def _statuses(server, station, *ages: timedelta) -> list[tuple[str, str | None]]:
    now = datetime.now(timezone.utc)
    batch = [make_entry(n, station=station.name, at=now - age).to_json() for n, age in enumerate(ages)]
    answer = requests.post(f"{server.url}/api/v1/entries", json={"entries": batch},
                           headers={"Authorization": f"Bearer {station.token}"}, timeout=30)
    return [(result["status"], result.get("code")) for result in answer.json()["results"]]


def test_the_window_follows_the_retention_pushed_to_the_station(server, engine, new_station):
    short, long = new_station(), new_station()
    set_setting(engine, "retention_days", 7, short.name)
    set_setting(engine, "retention_days", 60, long.name)
    ages = (timedelta(days=7, hours=20), timedelta(days=8, hours=4), timedelta(days=45), timedelta(days=62))

    assert _statuses(server, short, *ages) == [("accepted", None), ("rejected", "time_too_old"),
                                               ("rejected", "time_too_old"), ("rejected", "time_too_old")]
    assert _statuses(server, long, *ages) == [("accepted", None), ("accepted", None), ("accepted", None),
                                              ("rejected", "time_too_old")]


def test_a_kiosk_clock_up_to_a_day_ahead_is_tolerated(server, new_station):
    station = new_station()

    assert _statuses(server, station, -timedelta(hours=23), -timedelta(hours=25), timedelta(days=28, hours=23)) \
        == [("accepted", None), ("rejected", "time_in_future"), ("accepted", None)]
