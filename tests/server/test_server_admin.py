"""Administering the server: the command line, and the dashboard behind its login."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import requests
import sqlalchemy as sa

from factories import make_entry
from kiosk.tracing.masking import mask_person_key
from server.admins import add_admin
from server.sealing_store import stored_key
from server.tables import stations
from server.tokens import token_hash

from commands import kiosk_server
from dashboard_login import csrf_token, log_in

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

PASSWORD = "mật-khẩu-dài-1"


def test_station_add_prints_the_token_once_and_stores_only_its_hash(server, engine, database_url):
    added = kiosk_server(database_url, "station", "add", "Cổng Bắc", "--location", "Nhà máy số 2")
    token = added.stdout.strip().splitlines()[-1]
    listed = kiosk_server(database_url, "station", "list")
    again = kiosk_server(database_url, "station", "add", "Cổng Bắc")

    assert added.returncode == 0 and token.startswith("kst_") and len(token) > 40
    with engine.connect() as conn:
        row = conn.execute(sa.select(stations).where(stations.c.name == "Cổng Bắc")).one()
    assert row.token_hash == token_hash(token) and token not in str(tuple(row))
    assert "Cổng Bắc\tNhà máy số 2\tactive" in listed.stdout and token not in listed.stdout
    assert again.returncode == 1 and "already exists" in again.stderr and "Traceback" not in again.stderr
    config = requests.get(f"{server.url}/api/v1/station/config", headers={"Authorization": f"Bearer {token}"},
                          timeout=10)
    assert config.json()["station"] == {"name": "Cổng Bắc", "location": "Nhà máy số 2"}

    revoked = kiosk_server(database_url, "station", "revoke", "Cổng Bắc")
    assert revoked.returncode == 0
    assert requests.get(f"{server.url}/api/v1/station/config", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code == 401


def test_admin_errors_are_plain_sentences(database_url):
    short = kiosk_server(database_url, "admin", "add", "an", "--password-stdin", stdin="short\n")
    unknown = kiosk_server(database_url, "setting", "server_url", '"http://x"')
    wrong_type = kiosk_server(database_url, "setting", "dedup_minutes", '"thirty"')

    for result in (short, unknown, wrong_type):
        assert result.returncode == 1 and result.stderr.startswith("kiosk-server: ")
        assert "Traceback" not in result.stderr
    assert "at least 10 characters" in short.stderr


@pytest.fixture
def admin_session(server, engine) -> requests.Session:
    add_admin(engine, "quan-tri", PASSWORD)
    session = requests.Session()
    answer = log_in(session, server.url, "quan-tri", PASSWORD)
    assert answer.status_code == 200 and answer.url.endswith("/dashboard/")
    return session


def test_the_dashboard_needs_a_login(server, engine):
    add_admin(engine, "quan-tri", PASSWORD)
    anonymous = requests.get(f"{server.url}/dashboard/", timeout=10, allow_redirects=False)
    wrong = log_in(requests.Session(), server.url, "quan-tri", "sai")

    assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/dashboard/login"
    assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu." in wrong.text


def test_the_dashboard_shows_stations_counts_and_masked_entries(server, admin_session, new_station):
    station = new_station(location="Bệnh viện Đa khoa, sảnh B")
    entry = make_entry(station=station.name, person="qid:162900000000000001", at=datetime.now(timezone.utc))
    requests.post(f"{server.url}/api/v1/entries", json={"entries": [entry.to_json()]},
                  headers={"Authorization": f"Bearer {station.token}", "X-Queue-Length": "37"}, timeout=10)

    overview_vi = admin_session.get(f"{server.url}/dashboard/", timeout=10).text
    overview_en = admin_session.get(f"{server.url}/dashboard/?lang=en", timeout=10).text
    at_location = admin_session.get(f"{server.url}/dashboard/", params={"location": "Bệnh viện Đa khoa, sảnh B"},
                                    timeout=10).text
    form = admin_session.get(f"{server.url}/dashboard/entries", timeout=10).text
    search = admin_session.post(f"{server.url}/dashboard/entries?lang=en", timeout=10,
                                data={"person_key": entry.person_key, "csrf_token": csrf_token(form)}).text
    found = search.split("</form>")[-1]  # the results, below the form that repeats what was typed

    assert "Các điểm quét" in overview_vi and "Stations" in overview_en
    assert station.name in overview_en and "<td>37</td>" in overview_en  # how far behind it is
    assert "Bệnh viện Đa khoa, sảnh B</a></td><td>1</td>" in overview_en  # among the busiest locations
    assert re.search(r"<td>[0-9-]{10}</td><td>1</td><td>0</td>", at_location.split("sảnh B")[-1])  # its day
    assert "NGUYEN V** A*" in found and mask_person_key(stored_key(entry.person_key)) in found
    for personal in ("162900000000000001", "0912345678", "NGUYEN VAN AN", "1990-01-31"):
        assert personal not in found and personal not in overview_en


def test_logging_out_ends_the_session(server, admin_session):
    overview = admin_session.get(f"{server.url}/dashboard/", timeout=10)
    admin_session.post(f"{server.url}/dashboard/logout", data={"csrf_token": csrf_token(overview.text)}, timeout=10)

    after = admin_session.get(f"{server.url}/dashboard/", timeout=10, allow_redirects=False)
    assert after.status_code == 303
