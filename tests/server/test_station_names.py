"""Station names and tokens: rotation keeps the station, names are compared after Unicode normalisation,
and a rename does not cost the kiosk the entries it queued under the old name."""

from __future__ import annotations

import unicodedata
import uuid

import pytest
import requests

from factories import make_entry
from kiosk.sync import SyncClient
from server.stations import AdminRequestError, add_station

from commands import kiosk_server

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def config(server_url: str, token: str) -> requests.Response:
    return requests.get(f"{server_url}/api/v1/station/config", headers={"Authorization": f"Bearer {token}"},
                        timeout=10)


def upload(server_url: str, token: str, *entries) -> requests.Response:
    return requests.post(f"{server_url}/api/v1/entries", json={"entries": [e.to_json() for e in entries]},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_rotating_a_token_keeps_the_station_and_its_entries(server, database_url, new_station, server_ids):
    station = new_station()
    kept = make_entry(1, station=station.name)
    assert upload(server.url, station.token, kept).json()["accepted"] == 1

    rotated = kiosk_server(database_url, "station", "rotate-token", station.name)
    token = rotated.stdout.strip().splitlines()[-1]

    assert rotated.returncode == 0 and token.startswith("kst_") and token != station.token
    assert config(server.url, station.token).status_code == 401
    assert config(server.url, token).json()["station"]["name"] == station.name
    assert upload(server.url, token, make_entry(2, station=station.name)).json()["accepted"] == 1
    assert str(kept.id) in server_ids(station.name) and len(server_ids(station.name)) == 2
    unknown = kiosk_server(database_url, "station", "rotate-token", "Không có cổng này")
    assert unknown.returncode == 1 and "No active station" in unknown.stderr


def test_names_are_the_same_name_in_any_unicode_form_or_case(engine, database_url):
    name = f"Cổng Đông {uuid.uuid4().hex[:6]}"
    add_station(engine, name)

    for twin in (nfd(name), name.upper(), nfd(name.lower())):
        with pytest.raises(AdminRequestError, match="already exists"):
            add_station(engine, twin)
    refused = kiosk_server(database_url, "station", "add", nfd(name))
    assert refused.returncode == 1 and "already exists" in refused.stderr


def test_an_entry_naming_its_station_in_another_unicode_form_is_its_own(server, new_station):
    station = new_station()
    assert nfd(station.name) != station.name  # "Cổng ..." decomposes

    answer = upload(server.url, station.token, make_entry(1, station=nfd(station.name)))

    assert answer.status_code == 200 and answer.json()["accepted"] == 1


def test_entries_queued_before_a_rename_are_still_the_stations_own(server, engine, database_url, new_station,
                                                                   make_kiosk, server_ids):
    kiosk = make_kiosk(server.url, entries=3)  # queued under the station's present name
    old = kiosk.station.name
    new = f"Cổng mới {uuid.uuid4().hex[:6]}"

    renamed = kiosk_server(database_url, "station", "rename", old, new)
    report = SyncClient(kiosk.store, kiosk.settings).run_once()

    assert renamed.returncode == 0, renamed.stderr
    assert report.ok and report.accepted == 3 and report.rejected == 0
    assert set(server_ids(new)) == kiosk.all_ids()
    assert config(server.url, kiosk.station.token).json()["station"]["name"] == new
    with pytest.raises(AdminRequestError, match="already exists"):
        add_station(engine, old)  # the former name stays this station's
    foreign = upload(server.url, new_station().token, make_entry(9, station=old))
    assert foreign.status_code == 403  # and only this station's
