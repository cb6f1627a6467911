"""The kiosk API on a real server process: each entry stored once, every error explained in JSON."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa

from factories import make_entry
from server.station_config import set_setting
from server.watch_list import watch
from server.stations import revoke_station
from server.tables import entries

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL


def post(server, token: str, payload, *, gzipped: bool = False, raw: bytes | None = None) -> requests.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return requests.post(f"{server.url}/api/v1/entries", data=body, headers=headers, timeout=30)


def stored(engine, station_name: str) -> list[sa.Row]:
    from server.tables import stations
    with engine.connect() as conn:
        return list(conn.execute(
            sa.select(entries).join(stations, stations.c.id == entries.c.station_id)
            .where(stations.c.name == station_name)
        ))


def test_a_batch_sent_twice_is_stored_once(server, engine, new_station):
    station = new_station()
    batch = [make_entry(n, station=station.name).to_json() for n in range(5)]

    first = post(server, station.token, {"entries": batch})
    again = post(server, station.token, {"entries": batch}, gzipped=True)

    assert first.status_code == again.status_code == 200
    assert [r["status"] for r in first.json()["results"]] == ["accepted"] * 5
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 5
    assert [r["id"] for r in again.json()["results"]] == [e["id"] for e in batch]
    rows = stored(engine, station.name)
    assert sorted(str(r.id) for r in rows) == sorted(e["id"] for e in batch)


def test_the_scan_time_is_kept_as_the_kiosk_sent_it_and_the_arrival_time_recorded_apart(server, engine,
                                                                                         new_station):
    station = new_station()
    ahead = (datetime.now(timezone.utc) + timedelta(hours=20)).replace(microsecond=0)  # within the tolerance
    skewed = make_entry(station=station.name, at=ahead)

    answer = post(server, station.token, {"entries": [skewed.to_json()]})

    assert answer.json()["accepted"] == 1
    (row,) = stored(engine, station.name)
    assert row.scanned_at.replace(tzinfo=timezone.utc) == skewed.scanned_at
    assert abs(row.received_at.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)) < timedelta(minutes=5)


def test_an_id_sent_twice_in_one_batch_is_answered_once_and_its_first_content_kept(server, engine, new_station):
    station = new_station()
    first = make_entry(station=station.name).to_json()
    second = first | {"display_name": "TRAN T** B*"}

    answer = post(server, station.token, {"entries": [first, second]}).json()

    assert answer["results"] == [{"id": first["id"], "status": "accepted"}]
    assert (answer["accepted"], answer["duplicate"], answer["rejected"]) == (1, 0, 0)
    assert [row.display_name for row in stored(engine, station.name)] == ["NGUYEN V** A*"]


def test_invalid_entries_are_rejected_one_by_one_with_the_reason(server, engine, new_station):
    station = new_station()
    good = make_entry(1, station=station.name).to_json()
    no_zone = make_entry(2, station=station.name).to_json() | {"scanned_at": "2026-03-02T08:15:00"}
    sideways = make_entry(3, station=station.name).to_json() | {"direction": "sideways"}
    bad_id = make_entry(4, station=station.name).to_json() | {"id": "12345"}

    answer = post(server, station.token, {"entries": [good, no_zone, sideways, bad_id, "text"]})

    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "rejected", "rejected"]
    assert "scanned_at" in results[1]["reason"] and "time zone" in results[1]["reason"]
    assert "direction" in results[2]["reason"]
    assert results[3] == {"id": "12345", "status": "rejected", "reason": "id: '12345' is not a UUID",
                          "code": "malformed_field"}
    assert results[4]["id"] is None
    assert [str(r.id) for r in stored(engine, station.name)] == [good["id"]]


@pytest.mark.parametrize("authorization", [None, "Bearer kst_not-a-real-token", "Basic dXNlcjpwYXNz"])
def test_a_bad_token_gets_401_with_a_json_error(server, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    answer = requests.post(f"{server.url}/api/v1/entries", json={"entries": []}, headers=headers, timeout=10)

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_station_is_locked_out(server, engine, new_station):
    station = new_station()
    assert post(server, station.token, {"entries": []}).status_code == 200

    revoke_station(engine, station.name)

    assert post(server, station.token, {"entries": []}).status_code == 401


def test_another_stations_entry_is_refused_with_403_and_nothing_is_stored(server, engine, new_station):
    mine, theirs = new_station(), new_station()
    batch = [make_entry(1, station=mine.name).to_json(), make_entry(2, station=theirs.name).to_json()]

    answer = post(server, mine.token, {"entries": batch})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "foreign_station"
    assert answer.json()["error"]["entries"] == [batch[1]["id"]]
    assert stored(engine, mine.name) == [] and stored(engine, theirs.name) == []


def test_oversized_batches_get_413(server, new_station):
    station = new_station()
    too_many = {"entries": [make_entry(n, station=station.name).to_json() for n in range(1001)]}
    too_big = b'{"entries": [], "padding": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    bomb = b'{"entries": [], "padding": "' + b"x" * (5 * 1024 * 1024) + b'"}'

    for answer in (post(server, station.token, too_many), post(server, station.token, None, raw=too_big),
                   post(server, station.token, None, raw=bomb, gzipped=True)):
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] in ("batch_too_large", "body_too_large")


@pytest.mark.parametrize("raw", [b"{not json", b'{"entries": {}}', b"[]", b"\xff\xfe"])
def test_malformed_bodies_get_422(server, new_station, raw):
    answer = post(server, new_station().token, None, raw=raw)

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "malformed"


def test_broken_gzip_gets_422(server, new_station):
    headers = {"Authorization": f"Bearer {new_station().token}", "Content-Encoding": "gzip"}
    answer = requests.post(f"{server.url}/api/v1/entries", data=b"\x1f\x8bnot gzip", headers=headers, timeout=10)

    assert answer.status_code == 422
    assert "gzip" in answer.json()["error"]["message"]


def test_station_config_has_an_etag_that_changes_with_the_content(server, engine, new_station):
    station = new_station()
    auth = {"Authorization": f"Bearer {station.token}"}
    url = f"{server.url}/api/v1/station/config"

    first = requests.get(url, headers=auth, timeout=10)
    unchanged = requests.get(url, headers=auth | {"If-None-Match": first.headers["ETag"]}, timeout=10)
    set_setting(engine, "dedup_minutes", 45, station.name)
    watch(engine, "qid:162900000000000099", "refuse")
    changed = requests.get(url, headers=auth | {"If-None-Match": first.headers["ETag"]}, timeout=10)

    assert first.status_code == 200 and first.json()["station"]["name"] == station.name
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert changed.json()["settings"]["dedup_minutes"] == 45
    watched = changed.json()["watch"]
    assert "qid:162900000000000099" not in changed.text
    assert {(item["action"], item["note"]) for item in watched["entries"]} == {("refuse", "")}
    assert {item["week"] for item in watched["entries"]} == set(watched["weeks"])


def test_health_and_openapi_are_served(server):
    assert requests.get(f"{server.url}/healthz", timeout=10).json() == {"status": "ok", "database": "ok"}
    paths = requests.get(f"{server.url}/openapi.json", timeout=10).json()["paths"]
    assert {"/api/v1/entries", "/api/v1/station/config", "/healthz"} <= set(paths)


def test_logs_are_json_lines_without_personal_data(server, new_station):
    station = new_station()
    entry = make_entry(station=station.name)
    post(server, station.token, {"entries": [entry.to_json()]})

    lines = [json.loads(line) for line in server.log_path.read_text().splitlines() if line.startswith("{")]
    assert any(line.get("path") == "/api/v1/entries" and line.get("station") == station.name for line in lines)
    text = server.log_path.read_text()
    for personal in ("NGUYEN", "0912345678", entry.person_key, "1990-01-31", str(uuid.UUID(entry.id))):
        assert personal not in text


@pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")
def test_an_unreachable_database_answers_503_in_json_and_the_command_line_says_so(tmp_path):
    from fastapi.testclient import TestClient

    from processes import REPO, free_port
    from server.app import create_app
    from server.database import make_engine

    gone = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    with TestClient(create_app(make_engine(gone)), raise_server_exceptions=False) as client:
        upload = client.post("/api/v1/entries", json={"entries": []}, headers={"Authorization": "Bearer kst_x"})
        health = client.get("/healthz")
    serve = subprocess.run([sys.executable, "-m", "server", "--db", gone, "serve"], cwd=REPO,
                           capture_output=True, text=True, timeout=60)

    assert upload.status_code == 503 and upload.json()["error"]["code"] == "database_unavailable"
    assert upload.headers["Retry-After"] == "5"
    assert health.status_code == 503
    assert serve.returncode == 1 and serve.stderr.startswith("kiosk-server: cannot use the database")
    assert "Traceback" not in serve.stderr


def test_other_packages_add_parts_to_the_station_config(engine, new_station):
    from server.app import create_app
    from server.stations import station_for_token

    station = new_station()
    app = create_app(engine, config_contributors=[lambda conn, s: {"declaration_keys": [{"kid": s.name}]}])
    with engine.connect() as conn:
        document = json.loads(app.state.config_builder.build(conn, station_for_token(conn, station.token)).body)

    assert document["declaration_keys"] == [{"kid": station.name}]
    assert {"station", "settings", "watch"} <= set(document)
