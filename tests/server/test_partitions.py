"""Entries by month (revision 0006): on PostgreSQL one partition per month and a default one, rows moved by
the migration and by a month created late; on both back-ends an entry id is stored once whatever scan time
a kiosk sends with it, through a real server."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone
import psycopg
import pytest
import requests
import sqlalchemy as sa

from factories import make_entry
from processes import ServerProcess
from schema_0009 import migrate_to, old_entries
from server_db import entry_row, partition_of, wait_until
from server.database import make_engine, writing
from server.partitions import DEFAULT_PARTITION, Month, ensure_ahead, ensure_months, monthly_partitions
from server.stations import add_station
from server.tables import entries, stations

NOW = datetime.now(timezone.utc)


def _post(server_url: str, token: str, items: list[dict]) -> dict[str, str]:
    """Upload a batch as a kiosk does; the status of each id."""
    answer = requests.post(f"{server_url}/api/v1/entries", json={"entries": items},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert answer.status_code == 200, answer.text
    return {result["id"]: result.get("code") or result["status"] for result in answer.json()["results"]}


def _stored(engine: sa.Engine, entry_id: str) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(entries.c.station_id, entries.c.scanned_at)
                                 .where(entries.c.id == uuid.UUID(entry_id))))


def _later(entry: dict, minutes: int) -> dict:
    moved = datetime.fromisoformat(entry["scanned_at"]) + timedelta(minutes=minutes)
    return entry | {"scanned_at": moved.isoformat()}


@pytest.mark.slow
def test_an_id_is_stored_once_whatever_scan_time_is_sent_with_it(server, engine, new_station):
    own, other = new_station(), new_station()
    entry = make_entry(1, station=own.name).to_json()
    assert _post(server.url, own.token, [entry]) == {entry["id"]: "accepted"}

    # Resent (the answer was lost), resent with another scan time (a broken kiosk), and sent by another
    # station with yet another time: one row, still the first one.
    assert _post(server.url, own.token, [entry]) == {entry["id"]: "duplicate"}
    assert _post(server.url, own.token, [_later(entry, 5)]) == {entry["id"]: "duplicate"}
    foreign = _later(entry, 9) | {"station": other.name}
    assert _post(server.url, other.token, [foreign]) == {entry["id"]: "id_taken"}

    [row] = _stored(engine, entry["id"])
    assert row.scanned_at.replace(tzinfo=timezone.utc) == datetime.fromisoformat(entry["scanned_at"])


@pytest.mark.slow
@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_two_batches_of_one_station_racing_with_one_id_and_two_times_store_it_once(
        server, engine, database_url, new_station):
    station = new_station()
    entry = make_entry(2, station=station.name).to_json()
    answers: list[dict[str, str]] = []
    uploads = [threading.Thread(target=lambda body=body: answers.append(_post(server.url, station.token, [body])))
               for body in (entry, _later(entry, 3))]
    with psycopg.connect(database_url) as holder, psycopg.connect(database_url, autocommit=True) as watcher:
        # Hold the station's row, so that both uploads are in the database at once, queued behind it.
        holder.execute("SELECT 1 FROM stations WHERE name = %s FOR UPDATE", [station.name])
        for upload in uploads:
            upload.start()
        wait_until(lambda: _blocked_by(watcher, holder.info.backend_pid) == 2)
        holder.rollback()
    for upload in uploads:
        upload.join(60)

    assert sorted(answer[entry["id"]] for answer in answers) == ["accepted", "duplicate"]
    assert len(_stored(engine, entry["id"])) == 1


def _blocked_by(conn: psycopg.Connection, holder: int) -> int:
    """How many database sessions wait for the session `holder`, directly or queued behind another waiter
    (asked outside the holder's transaction, which sees pg_stat_activity as it was at its first look)."""
    return conn.execute(
        "WITH RECURSIVE blocked(pid) AS (SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid)) "
        "UNION SELECT a.pid FROM pg_stat_activity a JOIN blocked b ON b.pid = ANY(pg_blocking_pids(a.pid))) "
        "SELECT count(*) FROM blocked", [holder]).fetchone()[0]


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_months_are_created_ahead_once_and_a_late_month_takes_its_rows_from_the_default_partition(engine):
    far = Month.of(NOW).plus(30)  # no partition: its entries wait in the default partition
    station = _station(engine)
    entry_id = uuid.uuid4()
    with writing(engine) as conn:
        conn.execute(entries.insert().values(entry_row(entry_id, station, far.start + timedelta(days=3))))
        assert conn.execute(sa.text(f"SELECT count(*) FROM {DEFAULT_PARTITION}")).scalar_one() == 1

        assert ensure_months(conn, far, far) == [far.name]
        assert ensure_months(conn, far, far) == []
        # The migration created the months from the default retention's cut-off to two months ahead.
        assert ensure_ahead(conn, NOW - timedelta(days=28), NOW) == []
        assert {Month.of(NOW - timedelta(days=28)), *(Month.of(NOW).plus(n) for n in range(3))} <= set(
            monthly_partitions(conn))
    assert partition_of(engine, entry_id) == far.name
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT count(*) FROM {DEFAULT_PARTITION}")).scalar_one() == 0


def _station(engine: sa.Engine) -> int:
    with writing(engine) as conn:
        return conn.execute(stations.insert().values(
            name=f"Cổng {uuid.uuid4().hex[:8]}", location="Sảnh A", token_hash=uuid.uuid4().hex * 2,
            created_at=NOW).returning(stations.c.id)).scalar_one()


def _indexes(engine: sa.Engine) -> dict[str, list[str]]:
    return {index["name"]: index["column_names"] for index in sa.inspect(engine).get_indexes("entries")}


def _contents(engine: sa.Engine) -> list[tuple]:
    """Every entry, as the revisions before 0010 stored them."""
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(sa.select(old_entries).order_by(old_entries.c.id)))


@pytest.mark.slow
def test_the_migration_keeps_every_entry_and_its_indexes_and_uploads_still_dedupe(fresh_database_url, tmp_path):
    engine = make_engine(fresh_database_url)
    try:
        migrate_to(engine, "0005")
        station, token = add_station(engine, "Cổng A")
        times = {"an hour ago": NOW - timedelta(hours=1), "two months ago": NOW - timedelta(days=60),
                 "long ago": datetime(2019, 5, 1, 8, tzinfo=timezone.utc)}
        ids = {label: uuid.uuid4() for label in times}
        with writing(engine) as conn:
            conn.execute(old_entries.insert(), [entry_row(ids[label], station.id, at) | {"fields": {}}
                                                for label, at in times.items()])
        before = _contents(engine)

        migrate_to(engine, "0008")

        assert _contents(engine) == before
        assert _indexes(engine) == {"ix_entries_scanned_at": ["scanned_at"],
                                    "ix_entries_station_scanned": ["station_id", "scanned_at"],
                                    "ix_entries_person_scanned": ["person_key", "scanned_at"]}
        if engine.dialect.name == "postgresql":
            assert sa.inspect(engine).get_pk_constraint("entries")["constrained_columns"] == ["id", "scanned_at"]
            for label in ("an hour ago", "two months ago"):
                assert partition_of(engine, ids[label]) == Month.of(times[label]).name
            assert partition_of(engine, ids["long ago"]) == DEFAULT_PARTITION  # older than any retention

        recent = make_entry(station="Cổng A", at=times["an hour ago"]).to_json() | {"id": str(ids["an hour ago"])}
        new = make_entry(station="Cổng A").to_json()
        server = ServerProcess(fresh_database_url, tmp_path / "server.log", {"KIOSK_SERVER_PURGE_EVERY": "0"}).start()
        try:
            assert _post(server.url, token, [recent, _later(recent, 2), new]) == {
                recent["id"]: "duplicate", new["id"]: "accepted"}
            assert _post(server.url, token, [new]) == {new["id"]: "duplicate"}
        finally:
            server.stop()
        with engine.connect() as conn:  # the server migrated to the newest revision, which has no way back
            assert conn.execute(sa.select(sa.func.count()).select_from(entries)).scalar_one() == len(before) + 1
        with pytest.raises(NotImplementedError, match="cannot be undone"):
            migrate_to(engine, "0009", down=True)
    finally:
        engine.dispose()


def test_going_back_before_0008_keeps_every_entry_and_the_person_index(fresh_database_url):
    engine = make_engine(fresh_database_url)
    try:
        migrate_to(engine, "0005")
        station, _token = add_station(engine, "Cổng A")
        with writing(engine) as conn:
            conn.execute(old_entries.insert(), [entry_row(uuid.uuid4(), station.id, NOW - timedelta(days=n))
                                                | {"fields": {}} for n in (0, 60)])
        before = _contents(engine)
        migrate_to(engine, "0008")

        migrate_to(engine, "0005", down=True)

        assert "ix_entries_person_key" in _indexes(engine) and _contents(engine) == before
    finally:
        engine.dispose()
