"""The hostile-input corpus (tests/hostile_corpus.py SERVER_CASES) against a real server on SQLite and
PostgreSQL: each case gets its specific answer, nothing wrong is stored, and the door keeps syncing."""

from __future__ import annotations

import uuid

import pytest
import requests
import sqlalchemy as sa

from factories import make_entry
from hostile_corpus import SERVER_CASES, ServerCase, batch_body
from server.sealing_store import stored_key
from server.tables import entries, stations

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL


def _post(server, token: str, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    sent = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})}
    return requests.post(f"{server.url}/api/v1/entries", data=body, headers=sent, timeout=60)


def _rows(engine, station_name: str) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(
            sa.select(entries).join(stations, stations.c.id == entries.c.station_id)
            .where(stations.c.name == station_name).order_by(entries.c.scanned_at)
        ))


def _station_row(engine, station_name: str) -> sa.Row:
    with engine.connect() as conn:
        return conn.execute(sa.select(stations).where(stations.c.name == station_name)).one()


def _good(station_name: str, n: int) -> dict:
    return make_entry(n, station=station_name, person=f"qid:1629{uuid.uuid4().int % 10**14:014d}").to_json()


@pytest.mark.parametrize("case", SERVER_CASES, ids=[case.name for case in SERVER_CASES])
def test_a_hostile_upload_gets_its_answer_stores_nothing_wrong_and_the_door_keeps_syncing(
        server, engine, new_station, case: ServerCase):
    station = new_station()
    hostile = _good(station.name, 1) | case.entry
    companion = _good(station.name, 2)
    if case.raw is not None:
        body, sent = case.raw, []
    else:
        repeated = [hostile | case.repeat] if case.repeat is not None else []
        sent = [hostile, *repeated, companion]
        body = batch_body(sent)
    headers = case.headers | ({"Content-Encoding": case.content_encoding} if case.content_encoding else {})
    log_start = server.log_path.stat().st_size

    answer = _post(server, station.token, body, headers)

    if case.expect.isdigit():
        assert answer.status_code == int(case.expect), answer.text
        error = answer.json()["error"]
        assert error["code"] == case.code and case.reason_has in error["message"]
        assert _rows(engine, station.name) == []
    else:
        assert answer.status_code == 200, answer.text
        results = answer.json()["results"]
        assert len(results) == 2, "one answer per id: the case's entry, then the good one next to it"
        result, companion_result = results
        assert result["id"] == (hostile["id"] if case.id_answered else None)
        assert result["status"] == case.expect, result
        assert companion_result == {"id": companion["id"], "status": "accepted"}
        if case.expect == "rejected":
            assert case.reason_has in result["reason"] and result["code"] == case.code
        held = {str(row.id): row for row in _rows(engine, station.name)}
        expected_ids = {companion["id"]} | ({hostile["id"]} if case.expect == "accepted" else set())
        assert set(held) == expected_ids
        if case.expect == "accepted":
            row = held[hostile["id"]]
            person = stored_key(hostile["person_key"]) if hostile["person_key"] else ""
            assert (row.display_name, row.person_key, row.verdict) == (
                hostile["display_name"], person, hostile["verdict"])  # the first content
    if case.headers:
        contact = _station_row(engine, station.name)
        assert contact.reported_queue is None and contact.queue_oldest_at is None

    after = _post(server, station.token, batch_body([_good(station.name, 3)]))
    assert after.status_code == 200 and after.json()["accepted"] == 1
    with open(server.log_path, encoding="utf-8", errors="replace") as log:
        log.seek(log_start)
        assert "Traceback" not in log.read()
