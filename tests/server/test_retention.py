"""The server's retention purge on SQLite and PostgreSQL: what goes and what stays, the retention pushed to
the kiosks, months dropped whole on PostgreSQL, further tables purged in the same run, one purge at a time,
`kiosk-server purge`, and the purge a running server does by itself."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta, timezone
from typing import Iterator

import psycopg
import pytest
import requests
import sqlalchemy as sa

from commands import kiosk_server
from factories import make_entry
from processes import ServerProcess
from server.access_log import JsonLines
from server.database import make_engine, migrate, writing
from server.partitions import DEFAULT_PARTITION, Month, ensure_months, monthly_partitions
from server.retention import PURGE_LOCK, PurgeSchedule, PurgeStep, RetentionProblem, purge
from server.station_config import set_setting
from server.stations import add_station
from server.tables import station_settings
from server_db import PERSON_KEY, partition_of, store_rows, stored_ids, wait_until

NOW = datetime.now(timezone.utc)
LONG_AGO = datetime(2019, 5, 1, 8, tzinfo=timezone.utc)  # a kiosk whose clock was years off


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[sa.Engine]:
    """A database of the test's own: a purge removes every station's old entries."""
    engine = make_engine(fresh_database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def station_id(engine: sa.Engine) -> int:
    return add_station(engine, "Cổng A")[0].id


# Partitions and advisory locks are PostgreSQL's; SQLite keeps one table and queues writers.
postgres_only = pytest.mark.parametrize("fresh_database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                        indirect=True)


def test_entries_older_than_28_days_go_and_one_scanned_exactly_at_the_cutoff_stays(engine, station_id):
    cutoff = NOW - timedelta(days=28)
    gone, at_cutoff, after, recent = store_rows(engine, station_id, cutoff - timedelta(microseconds=1), cutoff,
                                                cutoff + timedelta(seconds=1), NOW - timedelta(hours=1))

    report = purge(engine, NOW)

    assert (report.retention_days, report.cutoff, report.removed["entries"]) == (28, cutoff, 1)
    assert stored_ids(engine) == {at_cutoff, after, recent}
    assert purge(engine, NOW).removed["entries"] == 0


def test_the_retention_pushed_to_every_station_is_the_servers_too(engine, station_id):
    set_setting(engine, "retention_days", 7)
    set_setting(engine, "retention_days", 90, station_name="Cổng A")  # one station's own: not the server's
    eight_days, six_days = store_rows(engine, station_id, NOW - timedelta(days=8), NOW - timedelta(days=6))

    report = purge(engine, NOW)

    assert (report.retention_days, report.removed["entries"]) == (7, 1)
    assert stored_ids(engine) == {six_days}


def test_an_unreadable_retention_setting_purges_nothing_and_says_so(engine, fresh_database_url, station_id):
    with writing(engine) as conn:  # set_setting refuses it: only a hand-edited database holds such a value
        conn.execute(station_settings.insert().values(station_id=None, key="retention_days", value="a month"))
    old = store_rows(engine, station_id, LONG_AGO)

    with pytest.raises(RetentionProblem, match="retention_days"):
        purge(engine, NOW)
    run = kiosk_server(fresh_database_url, "purge")

    assert run.returncode == 1 and "Nothing was purged" in run.stderr and "Traceback" not in run.stderr
    assert stored_ids(engine) == set(old)


@postgres_only
def test_a_month_wholly_before_the_cutoff_is_dropped_and_the_cutoffs_month_keeps_its_newer_rows(engine, station_id):
    now = Month.of(NOW).start + timedelta(days=20, hours=8)
    cutoff = now - timedelta(days=28)
    boundary, before = Month.of(cutoff), Month.of(cutoff).plus(-1)
    with writing(engine) as conn:
        ensure_months(conn, before, before)  # as the migration would have for rows that old
    in_dropped, early, late, odd = store_rows(engine, station_id, before.start + timedelta(days=14),
                                              cutoff - timedelta(days=3), cutoff + timedelta(hours=1), LONG_AGO)
    assert partition_of(engine, odd) == DEFAULT_PARTITION

    rehearsal = purge(engine, now, dry_run=True)
    assert stored_ids(engine) == {in_dropped, early, late, odd}
    report = purge(engine, now)

    assert (rehearsal.removed, rehearsal.dropped) == (report.removed, report.dropped)
    assert (report.removed["entries"], report.dropped) == (3, (before.name,))
    assert stored_ids(engine) == {late}
    assert partition_of(engine, late) == boundary.name
    with engine.connect() as conn:
        children = set(conn.execute(sa.text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'entries'::regclass")).scalars())
        assert before.name not in children and conn.execute(sa.text(  # dropped, not merely emptied
            "SELECT to_regclass(:name)"), {"name": before.name}).scalar() is None
    assert {boundary.name, DEFAULT_PARTITION, *(Month.of(now).plus(n).name for n in range(3))} <= children


@postgres_only
@pytest.mark.slow
def test_an_entry_uploaded_for_a_month_without_partition_waits_in_the_default_one_and_goes_when_old(
        engine, fresh_database_url, tmp_path):
    station, token = add_station(engine, "Cổng A")
    set_setting(engine, "retention_days", 366)  # so the server accepts a scan of 100 days ago
    scanned = NOW - timedelta(days=100)
    with engine.connect() as conn:
        assert Month.of(scanned) not in monthly_partitions(conn)
    entry = make_entry(station=station.name, at=scanned).to_json()
    server = ServerProcess(fresh_database_url, tmp_path / "server.log", {"KIOSK_SERVER_PURGE_EVERY": "0"}).start()
    try:
        answer = requests.post(f"{server.url}/api/v1/entries", json={"entries": [entry]},
                               headers={"Authorization": f"Bearer {token}"}, timeout=60)
    finally:
        server.stop()
    assert answer.json()["accepted"] == 1, answer.text
    assert partition_of(engine, uuid.UUID(entry["id"])) == DEFAULT_PARTITION
    assert purge(engine, NOW).removed["entries"] == 0  # 366 days: it stays

    set_setting(engine, "retention_days", 28)
    assert purge(engine, NOW).removed["entries"] == 1
    assert stored_ids(engine) == set()


def test_further_purge_steps_run_in_the_same_purge_and_one_that_fails_keeps_nothing_else(engine, station_id):
    visits = sa.Table("visits_probe", sa.MetaData(), sa.Column("ended_at", sa.DateTime(timezone=True)))
    visits.create(engine)
    with writing(engine) as conn:
        conn.execute(visits.insert(), [{"ended_at": NOW - timedelta(days=40)}, {"ended_at": NOW}])
    old, _recent = store_rows(engine, station_id, NOW - timedelta(days=40), NOW)
    seen: list[datetime] = []

    def purge_visits(conn: sa.Connection, cutoff: datetime) -> int:
        seen.append(cutoff)
        return conn.execute(visits.delete().where(visits.c.ended_at < cutoff)).rowcount

    def broken(conn: sa.Connection, cutoff: datetime) -> int:
        conn.execute(visits.delete())  # undone with the failed step
        raise RuntimeError("a bug in a purge step")

    steps = (PurgeStep("broken", broken), PurgeStep("visits_probe", purge_visits))
    rehearsal = purge(engine, NOW, dry_run=True, steps=steps)
    report = purge(engine, NOW, steps=steps)

    assert rehearsal.removed == report.removed == {"entries": 1, "visits_probe": 1}
    assert rehearsal.failed == report.failed == ("broken",)
    assert seen == [NOW - timedelta(days=28)] * 2
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(visits)).scalar() == 1
    assert old not in stored_ids(engine)


@postgres_only
def test_a_purge_finding_another_under_way_does_nothing(engine, fresh_database_url, station_id):
    old = store_rows(engine, station_id, LONG_AGO)
    with psycopg.connect(fresh_database_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [PURGE_LOCK])  # another server process purging
        report = purge(engine, NOW)
        run = kiosk_server(fresh_database_url, "purge")

    assert report.busy and report.removed == {}
    assert run.returncode == 1 and "Another server process is purging" in run.stderr
    assert stored_ids(engine) == set(old)


@pytest.mark.slow
def test_kiosk_server_purge_says_what_it_removed_and_a_dry_run_removes_nothing(engine, fresh_database_url,
                                                                               station_id):
    old_month = Month.of(NOW - timedelta(days=28)).plus(-1)
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        with writing(engine) as conn:
            ensure_months(conn, old_month, old_month)
    stored = store_rows(engine, station_id, old_month.start + timedelta(days=2), LONG_AGO, NOW)

    rehearsal = kiosk_server(fresh_database_url, "purge", "--dry-run")
    assert rehearsal.returncode == 0, rehearsal.stderr
    assert "entries: 2 would be removed" in rehearsal.stdout
    assert stored_ids(engine) == set(stored)

    run = kiosk_server(fresh_database_url, "purge")
    assert run.returncode == 0, run.stderr
    assert "Retention 28 days" in run.stdout and "entries: 2 removed" in run.stdout
    if postgres:
        assert f"partitions dropped: {old_month.name}" in run.stdout
    assert stored_ids(engine) == {stored[2]}


@pytest.mark.slow
def test_a_running_server_purges_by_itself_and_logs_counts_only(engine, fresh_database_url, station_id, tmp_path):
    server = ServerProcess(fresh_database_url, tmp_path / "server.log", {"KIOSK_SERVER_PURGE_EVERY": "0.2"}).start()
    try:
        # Stored while it runs: only a purge after start-up can remove them.
        old, recent = store_rows(engine, station_id, NOW - timedelta(days=29), NOW)
        wait_until(lambda: old not in stored_ids(engine))
        assert recent in stored_ids(engine)
    finally:
        server.stop()
    purges = [json.loads(line) for line in server.log_path.read_text().splitlines()
              if '"retention purge"' in line]
    assert any(line["removed"]["entries"] == 1 for line in purges)
    assert PERSON_KEY not in server.log_path.read_text()


def test_a_scheduled_purge_that_fails_is_logged_and_tried_again_without_stopping(tmp_path):
    broken = make_engine(f"sqlite:///{tmp_path / 'no-tables.sqlite3'}")  # never migrated: every purge fails
    failures: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = lambda record: failures.append(record) if "purge failed" in record.getMessage() else None
    logger = logging.getLogger("kiosk_server")
    logger.addHandler(handler)
    schedule = PurgeSchedule(broken, interval=0.01)
    try:
        schedule.start()
        wait_until(lambda: len(failures) >= 2)
    finally:
        schedule.stop()
        logger.removeHandler(handler)
        broken.dispose()
    line = json.loads(JsonLines().format(failures[0]))
    assert line["level"] == "error" and "withheld" in line["error"]  # the database's message can quote a row
