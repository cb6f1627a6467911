"""The visit builder's promises, on a database no server process builds in (so each test decides when the
queue is drained): ingest queues exactly the entries it stores, a trace drains the queue first, a failed
build leaves the queue as it was, one builder at a time, and the purges keep the audit log longest."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from factories import T0, make_entry
from kiosk.contract import Direction, Outcome
from server.ingest import Contact, store_batch
from server.stations import add_station
from server.sealing_store import stored_key
from server.tables import person_links, trace_audit, visit_queue, visits
from server.tracing import builder
from server.tracing.background import VisitBuilder
from server.tracing.builder import drain_all, drain_queue
from server.tracing.query import run_trace
from server.tracing.retention import purge_audit, purge_visits
from server.wire import TimeWindow, parse_entry


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def new_person() -> str:
    return f"qid:{str(uuid.uuid4().int)[:16]}"


@pytest.fixture
def door(engine):
    station, _token = add_station(engine, f"Cổng {uuid.uuid4().hex[:8]}", f"Sảnh {uuid.uuid4().hex[:8]}")
    return station


def store(engine, station, *entries) -> None:
    window = TimeWindow(datetime.now(timezone.utc), 28)
    wire = [parse_entry(entry.to_json(), window) for entry in entries]
    store_batch(engine, station, wire, Contact(received_at=datetime.now(timezone.utc)))


def queued(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(visit_queue)).scalar()


def visits_of(engine, person: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.select(visits.c.started_at, visits.c.end_reason)
                                                   .where(visits.c.person_key == stored_key(person)))]


def test_ingest_queues_each_stored_entry_once_and_no_entry_without_a_person(engine, door):
    drain_all(engine)
    person = new_person()
    batch = [make_entry(1, person=person, station=door.name), make_entry(2, person=person, station=door.name),
             dataclasses.replace(make_entry(3, station=door.name, verdict=Outcome.REFUSE), person_key="")]

    store(engine, door, *batch)
    store(engine, door, *batch)  # sent again: nothing new is stored, nothing new queued

    assert queued(engine) == 2


def test_a_trace_drains_the_queue_first_so_it_sees_every_stored_entry(engine, door):
    case, contact = new_person(), new_person()
    store(engine, door, make_entry(at=T0, person=case, station=door.name),
          make_entry(at=T0 + minutes(10), person=contact, station=door.name))
    assert queued(engine) >= 2

    result = run_trace(engine, case, asked_by="an", role="tracer", via="api", case_number="HC-9")

    assert queued(engine) == 0
    assert [c.person_key for c in result.contacts.contacts] == [stored_key(contact)]


def test_a_build_that_fails_leaves_the_queue_as_it_was_and_logs_no_personal_data(engine, door, monkeypatch,
                                                                                  caplog):
    drain_all(engine)
    person = new_person()
    store(engine, door, make_entry(at=T0, person=person, station=door.name))

    def broken(*_args, **_kwargs):
        raise RuntimeError(f"cannot build {person}")

    monkeypatch.setattr(builder, "build_visits", broken)
    with pytest.raises(RuntimeError):
        drain_queue(engine)
    server_log = logging.getLogger("kiosk_server")
    server_log.addHandler(caplog.handler)  # the server's logger may not propagate (server.access_log)
    try:
        VisitBuilder(engine, timezone.utc).drain()  # the server's thread: logs and goes on
    finally:
        server_log.removeHandler(caplog.handler)

    assert queued(engine) == 1 and visits_of(engine, person) == []
    assert "building visits failed" in caplog.text and person not in caplog.text
    assert all(person not in str(getattr(record, "fields", "")) for record in caplog.records)
    monkeypatch.undo()
    assert drain_queue(engine) == 1 and visits_of(engine, person) != []


@pytest.mark.postgres
def test_one_builder_at_a_time_on_postgresql(engine, door):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's write lock already serialises builders")
    drain_all(engine)
    store(engine, door, make_entry(at=T0, person=new_person(), station=door.name))
    with engine.connect() as other, other.begin():
        assert builder.lock(other, wait=False)
        assert drain_queue(engine) == 0  # the background builder skips a round
    assert drain_queue(engine) == 1


def test_an_exit_scanned_into_a_rebuilt_window_replaces_the_visit_it_ends(engine, door):
    person = new_person()
    store(engine, door, make_entry(at=T0, person=person, station=door.name))
    drain_all(engine)
    store(engine, door, make_entry(at=T0 + minutes(30), person=person, station=door.name,
                                   direction=Direction.OUT))
    drain_all(engine)

    assert [reason for _, reason in visits_of(engine, person)] == ["exit"]


def test_the_purges_keep_the_audit_log_until_every_entry_it_concerns_is_gone(engine, door):
    person = new_person()
    number = str(uuid.uuid4().int)[:12]
    national_qr = make_entry(at=T0, person=person, station=door.name)
    store(engine, door, dataclasses.replace(national_qr, fields={"id_number": number, "id_number_masked": False}))
    run_trace(engine, person, since=T0 - minutes(60), until=T0 + minutes(60), asked_by="an", role="tracer",
              via="api", case_number="HC-purge")
    with engine.connect() as conn:
        assert conn.execute(sa.select(person_links).where(person_links.c.a == stored_key(person))).first() is not None

    with engine.begin() as conn:
        assert purge_visits(conn, T0 + timedelta(hours=3)) >= 1
        assert purge_audit(conn, T0 + minutes(30)) == 0  # the trace's window runs past this cutoff
        assert conn.execute(sa.select(person_links).where(person_links.c.a == stored_key(person))).first() is None
        assert purge_audit(conn, T0 + timedelta(hours=3)) >= 1
        assert conn.execute(sa.select(trace_audit).where(trace_audit.c.case_number == "HC-purge")).first() is None
    assert visits_of(engine, person) == []
