"""Defence in depth: when the database refuses entries the wire checks let through, the batch is not
answered 500 (which the kiosk would resend forever): the refused entries are rejected, the rest stored, and
the database's message (PostgreSQL quotes the row, names included) goes nowhere."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa

from factories import make_entry
from server.tables import entries, stations

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

POISON = "POISON"  # entries whose display name starts so are refused by the database (a trigger below)
NAME = "POISON NGUYEN VAN DOC"
KEY = "qid:162977777777777777"

_POSTGRES_TRIGGER = [
    f"""CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.display_name LIKE '{POISON}%' THEN
            RAISE EXCEPTION 'invalid byte sequence in row (%, %)', NEW.display_name, NEW.person_key
                USING ERRCODE = '22021';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER refuse_poison BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
]
_SQLITE_TRIGGER = [
    f"""CREATE TRIGGER refuse_poison BEFORE INSERT ON entries WHEN NEW.display_name LIKE '{POISON}%'
    BEGIN SELECT RAISE(ABORT, 'refused row'); END""",
]


@pytest.fixture
def poisoned_database(engine) -> Iterator[None]:
    """The database refuses some content on its own, as PostgreSQL does a NUL in a text or jsonb."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for statement in _POSTGRES_TRIGGER if postgres else _SQLITE_TRIGGER:
            conn.exec_driver_sql(statement.replace("%", "%%") if postgres else statement)
    yield
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse_poison" + (" ON entries" if postgres else ""))
        if postgres:
            conn.exec_driver_sql("DROP FUNCTION refuse_poison()")


def _post(server, token: str, batch: list[dict]) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/entries", data=json.dumps({"entries": batch}),
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _stored_ids(engine, station_name: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(entries.c.id).join(stations, stations.c.id == entries.c.station_id)
                            .where(stations.c.name == station_name))
        return {str(row.id) for row in rows}


def _poisoned(n: int, station_name: str) -> dict:
    return make_entry(n, station=station_name, person=KEY).to_json() | {"display_name": NAME}


def test_entries_the_database_refuses_are_rejected_and_the_rest_of_the_batch_is_stored(
        server, engine, new_station, poisoned_database):
    station = new_station()
    batch = [make_entry(n, station=station.name).to_json() for n in range(7)]
    batch[1], batch[5] = _poisoned(1, station.name), _poisoned(5, station.name)
    log_start = server.log_path.stat().st_size

    answer = _post(server, station.token, batch)

    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted", "accepted", "accepted",
                                              "rejected", "accepted"]
    for refused in (results[1], results[5]):
        assert refused["code"] == "database_refused"
        assert refused["reason"].startswith("the database refused this entry (")
    assert _stored_ids(engine, station.name) == {e["id"] for e in batch} - {batch[1]["id"], batch[5]["id"]}
    log = server.log_path.read_bytes()[log_start:].decode()
    assert "database refused a batch" in log
    for personal in (NAME, KEY, "NGUYEN", batch[1]["id"]):
        assert personal not in answer.text.replace(batch[1]["id"], "") and personal not in log


def test_a_batch_the_database_refuses_entirely_is_a_server_fault_and_each_entry_alone_is_rejected(
        server, engine, new_station, poisoned_database):
    """Every entry of a batch failing, each on its own, is not the entries' fault as far as the server can
    tell: 500, nothing stored, the kiosk splits the batch; an entry sent alone is then rejected."""
    station = new_station()
    batch = [_poisoned(1, station.name), _poisoned(2, station.name)]
    log_start = server.log_path.stat().st_size

    together = _post(server, station.token, batch)
    alone = [_post(server, station.token, [entry]).json()["results"][0]["status"] for entry in batch]

    assert together.status_code == 500 and together.json()["error"]["code"] == "internal_error"
    assert alone == ["rejected", "rejected"]
    assert _stored_ids(engine, station.name) == set()
    log = server.log_path.read_bytes()[log_start:].decode()
    assert NAME not in log and KEY not in log
