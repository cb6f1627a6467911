"""A kiosk database written by schema 4 (clear person keys, fields as JSON, clear visits and links, a stored
station config with the old clear watch list) is converted in place when the new kiosk opens it: nothing is
lost, and no visitor's name, number or birth date is left in the database, its WAL or its SHM file."""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils

from disk_search import found_in
from factories import insert_schema_4_rows, kept, uploaded
from kiosk.credentials.examples import AN, BINH, CUONG, bhyt_payload, cccd_payload, vnqr_payload
from kiosk.entry import utc_now
from kiosk.person_seal import PersonSeal
from kiosk.sealing.authority import generate_private_key
from kiosk.sealing.kept import kept_fields
from kiosk.sealing.seal import LOCAL_KID, Sealed, open_entry
from kiosk.secret_store import station_keys
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.authority_pin import settle
from kiosk.station_config import META_SERVER_CONFIG, load_station_config
from kiosk.store import MIGRATIONS, SCHEMA_VERSION, Store
from kiosk.trace_here import trace_here
from kiosk.tracing.identity import link_of

MORNING = datetime.now(timezone.utc).replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(days=1)


def door_entries(tmp_path: Path) -> list:
    """Real door entries (clear, as a Station decides them) of made-up visitors."""
    clock = [MORNING]
    with Store.open(tmp_path / "scratch.sqlite3") as scratch:
        door = Station(Settings(station_name="Cổng A", dedup_minutes=0), scratch, clock=lambda: clock[0])
        entries = []
        for text in (vnqr_payload(AN), cccd_payload(BINH, extra_fields=2), bhyt_payload(CUONG),
                     vnqr_payload(BINH, masked=True), "https://example.org/menu"):
            entries.append(door.check_text(text).entry)
            clock[0] += timedelta(minutes=10)
        entries.append(door.check_manual("Trần Thị Mơ", "0912 000 111", "001099012345").entry)
    return entries


def schema_4_database(path: Path, entries: list, config: dict) -> None:
    """The database as a schema-4 kiosk left it: its entries, their visits and links, the stored config."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    database = sqlite_utils.Database(connection)
    for migration in MIGRATIONS[:4]:
        migration(database, PersonSeal(station_keys()))
    insert_schema_4_rows(connection, entries)
    for entry in entries:
        if entry.person_key:
            connection.execute(
                'INSERT INTO visits (entry_id, person_key, location, start, "end", end_reason, display_name, '
                "length_class) VALUES (?, ?, 'Cổng A', ?, ?, 'default_stay', ?, 1)",
                [entry.id, entry.person_key, entry.scanned_at.isoformat().replace("+00:00", "Z"),
                 (entry.scanned_at + timedelta(hours=1)).isoformat().replace("+00:00", "Z"), entry.display_name])
        if link := link_of(entry.format, entry.person_key, entry.fields):
            connection.execute("INSERT INTO person_links (a, b, seen_at) VALUES (?, ?, ?)",
                               [*link, entry.scanned_at.isoformat()])
    connection.execute("INSERT INTO meta (key, value) VALUES (?, ?)", [META_SERVER_CONFIG, json.dumps(config)])
    connection.execute("PRAGMA user_version=4")
    connection.close()


@pytest.mark.parametrize("with_authority_key", [True, False])
def test_a_schema_4_database_is_sealed_and_tagged_in_place_with_nothing_lost(tmp_path, with_authority_key):
    authority = generate_private_key()
    key_set = authority.key_set(utc_now(), 2)  # from this week; the older entries seal to its first week
    entries = door_entries(tmp_path)
    config = {"settings": {}, "watch_list": [{"person_key": f"cccd:{AN.id_number}", "action": "warn",
                                              "note": f"confirmed case {AN.phone}"}]}
    if with_authority_key:
        config["authority"] = key_set.to_json()
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "entries.sqlite3"
    schema_4_database(path, entries, config)
    assert any(hit.endswith(AN.id_number) for hit in found_in(folder))  # the old file names its visitors

    with Store.open(path) as store:
        wal = folder / "entries.sqlite3-wal"
        assert not wal.exists() or wal.stat().st_size == 0  # checkpointed into the vacuumed file, truncated
        assert found_in(folder) == []
        assert store.pending_count() == len(entries)
        stored = {entry.id: entry for entry in store.entries()}
        assert set(stored) == {entry.id for entry in entries}
        for door in entries:
            entry = stored[door.id]
            assert entry.person_key == store.seal.tag(door.person_key) and entry.fields == {}
            wire = uploaded(store, entry)
            assert (wire.person_key, wire.linked_key) == (door.person_key, door.linked_key)
            if not door.person_key:
                assert entry.sealed == ""
            else:
                # No key was pinned before this version: the fields wait in the kiosk's own box.
                assert entry.sealed_kid == LOCAL_KID and wire == kept(door)
        an = store.seal.tag(f"qid:{AN.qid}")
        assert store.person_links([an]) == [(an, store.seal.tag(f"cccd:{AN.id_number}"))]
        [visit] = store.visits_of([an], MORNING - timedelta(hours=1), MORNING + timedelta(hours=1))
        assert visit.entry_id == entries[0].id
        trace = trace_here(store, Settings(), AN.id_number, who="admin", reason="CA-1",
                           now=MORNING + timedelta(hours=3))
        assert [visit.entry_id for visit in trace.case_visits] == [entries[0].id]
        kept_config = load_station_config(store)
        assert kept_config.authority_keys is None  # a key set is used once the first sync round pinned it
        if with_authority_key:  # that round: the boxes are sealed as they are sent
            store.use_authority_keys(settle(store, key_set).key_set)
            for door in (door for door in entries if door.person_key):
                wire = uploaded(store, stored[door.id])
                content = open_entry(Sealed(wire.sealed_kid, base64.b64decode(wire.sealed)), authority, door.id)
                assert wire.fields == {}
                assert content["fields"] == json.loads(json.dumps(kept_fields(door.format, door.fields)))
        assert "watch_list" not in json.loads(store.get_meta(META_SERVER_CONFIG))
        assert found_in(folder) == []  # the database, its WAL and its SHM, while the store is open
    assert found_in(folder) == []
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(entries)")]
    assert "fields" not in columns and {"linked_key", "keys_box", "sealed", "sealed_kid"} <= set(columns)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5


def test_every_connection_overwrites_what_it_deletes(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as store:
        assert store._connection.execute("PRAGMA secure_delete").fetchone()[0] == 1
