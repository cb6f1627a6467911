"""A database of the previous schema (0009: person keys and fields in clear) converted in place by 0010, on
SQLite and PostgreSQL: every entry is still there, its person and link are the tags a trace computes, the
authority's key opens each sealed entry with the fields it had (what the door keeps of them), an entry past
the last week of the published keys waits boxed until the authority publishes more, and no byte of the
SQLite file (or a pg_dump) names anyone."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from kiosk.sealing.authority import generate_private_key
from kiosk.sealing.boxes import open_box
from kiosk.sealing.kept import kept_fields
from kiosk.sealing.seal import LOCAL_KID, Sealed, open_entry
from kiosk.sealing.tags import tagged_key
from kiosk.sealing.weeks import week_start, week_of
from personal_data import date_forms, found_in, name_forms, pg_dump_bytes, sqlite_bytes
from schema_0009 import migrate_to, old_entries
from server.authority_keys import store_key_set
from server.database import make_engine, migrate, writing
from server.sealing_store import reseal_pending
from server.secret_keys import secret
from server.tables import entries, person_links, stations, visit_queue, visits
from server.tracing.query import run_trace

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SCANNED = NOW - timedelta(days=20)
LATE = NOW - timedelta(days=1)  # past the first published key set's last week

MO = {"key": "cccd:001099012345", "name": "Trần Thị Mơ", "birth_date": "1999-04-15", "phone": "0912345678"}
DUC = {"key": "qid:162900000000000077", "number": "001088054321", "name": "Nguyễn Văn Đức",
       "birth_date": "1988-11-02", "phone": "0987654321"}
YEN = {"key": "phone:0903111222", "name": "Lê Hoàng Yến", "phone": "0903111222"}
FAMILY = "Phạm Quốc Bảo"  # on Mơ's ID card, never kept


def _rows(station_id: int) -> list[dict]:
    def row(person_key: str, fmt: str, fields: dict, at: datetime, verdict: str = "admit", direction="in"):
        return dict(id=uuid.uuid4(), station_id=station_id, scanned_at=at, received_at=at, location="Sảnh A",
                    direction=direction, source="camera", format=fmt, person_key=person_key,
                    display_name="T. T. M.", fields=fields, verdict=verdict, reasons=[])

    return [
        row(MO["key"], "cccd", {"name": MO["name"], "id_number": "001099012345", "birth_date": MO["birth_date"],
                                "phone": MO["phone"], "extra": {"family": [FAMILY]}}, SCANNED),
        row(MO["key"], "cccd", {"name": MO["name"], "id_number": "001099012345"}, SCANNED + timedelta(hours=1),
            direction="out"),
        row(DUC["key"], "vn-qr", {"name": DUC["name"], "id_number": DUC["number"], "id_number_masked": False,
                                  "birth_date": DUC["birth_date"], "phone": DUC["phone"], "signature": "x"},
            SCANNED + timedelta(minutes=10)),
        row(YEN["key"], "manual", {"name": YEN["name"], "phone": YEN["phone"]}, LATE),
        row("", "url", {"text": f"https://example.test/{YEN['name']}"}, SCANNED, verdict="refuse"),
        row("", "damaged", {}, SCANNED, verdict="refuse"),
    ]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The server's data directory (its secrets, the published key set) for this test alone."""
    folder = tmp_path / "server-data"
    monkeypatch.setenv("KIOSK_SERVER_DATA_DIR", str(folder))
    return folder


def _needles() -> set[bytes]:
    needles = set()
    for person in (MO, DUC, YEN):
        needles |= name_forms(person["name"]) | {person["phone"].encode()}
        needles |= date_forms(person["birth_date"]) if "birth_date" in person else set()
    return needles | name_forms(FAMILY) | {b"001099012345", DUC["number"].encode(), b"162900000000000077"}


def _stolen(engine: sa.Engine, url: str) -> bytes:
    """What a thief of the database gets: the SQLite file with its WAL, or a pg_dump."""
    return pg_dump_bytes(url) if engine.dialect.name == "postgresql" else sqlite_bytes(Path(engine.url.database))


def _entries_at_0009(engine, count: int | None = None) -> tuple[int, list[dict]]:
    """The database migrated to 0009 with one station and its entries (the first `count`) as 0009 stored
    them; returns the station's id and the rows."""
    migrate_to(engine, "0009")
    with writing(engine) as conn:
        station = conn.execute(stations.insert().values(name="Cổng A", token_hash="0" * 64, created_at=NOW)
                               .returning(stations.c.id)).scalar_one()
        rows = _rows(station)[:count]
        conn.execute(old_entries.insert(), rows)
    return station, rows


def test_0009_database_is_tagged_and_sealed_in_place_and_names_no_one(fresh_database_url, data_dir):
    authority = generate_private_key(week_of(NOW - timedelta(days=60)))
    first_set = authority.key_set(week_start(week_of(SCANNED)) - timedelta(weeks=1), 3)
    assert first_set.key_for(LATE) is None
    store_key_set(first_set)
    engine = make_engine(fresh_database_url)
    try:
        station, before = _entries_at_0009(engine)
        with writing(engine) as conn:
            conn.execute(visits.insert().values(
                entry_id=before[0]["id"], person_key=MO["key"], location="Sảnh A", station_id=station,
                started_at=SCANNED, ended_at=SCANNED + timedelta(hours=1), end_reason="exit",
                exit_id=before[1]["id"], display_name="T. T. M."))
            conn.execute(person_links.insert().values(a=DUC["key"], b=f"cccd:{DUC['number']}", seen_at=SCANNED))
            conn.execute(visit_queue.insert().values(person_key=DUC["key"], scanned_at=SCANNED))
        assert found_in(_stolen(engine, fresh_database_url), _needles())  # what there is to find before

        migrate(engine)

        tag = secret("person-tag")
        with engine.connect() as conn:
            after = {row.id: row for row in conn.execute(sa.select(entries))}
            assert conn.execute(sa.select(visits.c.person_key)).scalars().all() == [tagged_key(tag, MO["key"])]
            assert conn.execute(sa.select(person_links.c.a, person_links.c.b)).all() == [
                (tagged_key(tag, DUC["key"]), tagged_key(tag, f"cccd:{DUC['number']}"))]
            assert conn.execute(sa.select(visit_queue.c.person_key)).scalars().all() == [tagged_key(tag, DUC["key"])]
        assert set(after) == {row["id"] for row in before}
        for old in before:
            new = after[old["id"]]
            assert new.person_key == (tagged_key(tag, old["person_key"]) if old["person_key"] else "")
            if not old["person_key"] and not old["fields"]:
                assert new.sealed is None and new.sealed_kid is None
                continue
            if old["scanned_at"] == LATE:
                assert new.sealed_kid == LOCAL_KID
                continue
            content = open_entry(Sealed(new.sealed_kid, new.sealed), authority, str(old["id"]))
            assert content["person_key"] == old["person_key"]
            assert content["fields"] == kept_fields(old["format"], old["fields"])
        duc = next(after[row["id"]] for row in before if row["person_key"] == DUC["key"])
        assert duc.linked_key == tagged_key(tag, f"cccd:{DUC['number']}")
        assert {new.linked_key for new in after.values() if new is not duc} == {None}

        haystack = _stolen(engine, fresh_database_url)
        assert found_in(haystack, _needles()) == set()
        assert b"id_number" not in haystack and b"birth_date" not in haystack

        # The key set of the authority's next keygen covers the later week: the waiting entry is sealed.
        store_key_set(authority.key_set(LATE, 5))
        assert reseal_pending(engine) == 1
        assert reseal_pending(engine) == 0
        yen = next(row for row in before if row["person_key"] == YEN["key"])
        with engine.connect() as conn:
            stored = conn.execute(sa.select(entries.c.sealed, entries.c.sealed_kid)
                                  .where(entries.c.id == yen["id"])).one()
        assert stored.sealed_kid != LOCAL_KID
        assert open_entry(Sealed(stored.sealed_kid, stored.sealed), authority, str(yen["id"]))["fields"] == {
            "name": YEN["name"], "phone": YEN["phone"]}

        # A trace by Đức's ID number reaches his QID's entries through the link the migration tagged.
        result = run_trace(engine, DUC["number"], asked_by="an", role="tracer", via="cli", case_number="HC-1")
        assert result.identity.keys == (tagged_key(tag, f"cccd:{DUC['number']}"), tagged_key(tag, DUC["key"]))
        assert [visit.person_key for visit in result.case_visits] == [tagged_key(tag, DUC["key"])]
        assert [contact.person_key for contact in result.contacts.contacts] == [tagged_key(tag, MO["key"])]
    finally:
        engine.dispose()


def test_without_a_published_key_the_fields_wait_boxed_under_the_servers_own_key(fresh_database_url, data_dir):
    engine = make_engine(fresh_database_url)
    try:
        _station, before = _entries_at_0009(engine, count=1)
        migrate(engine)
        assert reseal_pending(engine) == 0  # nothing published: nothing to seal to

        with engine.connect() as conn:
            stored = conn.execute(sa.select(entries.c.sealed, entries.c.sealed_kid)).one()
        assert stored.sealed_kid == LOCAL_KID
        content = json.loads(open_box(secret("pending-box"), stored.sealed, str(before[0]["id"])))
        assert content["fields"] == kept_fields("cccd", before[0]["fields"])
    finally:
        engine.dispose()
