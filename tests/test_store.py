import dataclasses
import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
import sqlite_utils

from factories import T0, insert_schema_4_rows, make_entry, uploaded
from kiosk.entry import Direction
from kiosk.person_seal import PersonSeal
from kiosk.secret_store import station_keys
from kiosk.store import MIGRATIONS, SCHEMA_VERSION, DayCounts, Store, StoreCondition, StoreError
from kiosk.verdict import Outcome

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def test_an_entry_reads_back_exactly_as_it_was_stored(store):
    entry = make_entry()
    store.add(entry)
    stored = store.get(entry.id)
    assert (stored.person_key, stored.fields, stored.sealed_kid) == (store.seal.tag(entry.person_key), {}, "local")
    assert uploaded(store, stored) == entry
    assert store.entries() == [stored]


def test_new_database_is_wal_with_the_current_schema(tmp_path):
    Store.open(tmp_path / "e.db").close()
    connection = sqlite3.connect(tmp_path / "e.db")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_database_from_a_newer_kiosk_is_not_touched(tmp_path):
    path = tmp_path / "e.db"
    sqlite3.connect(path).execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer version") as raised:
        Store.open(path)
    assert raised.value.condition is StoreCondition.NEWER_SCHEMA
    assert str(raised.value).endswith(f"update the kiosk software (schema {SCHEMA_VERSION + 1}).")


def test_the_same_entry_id_is_never_stored_twice(store):
    entry = make_entry()
    store.add(entry)
    with pytest.raises(sqlite3.IntegrityError):
        store.add(entry)
    assert len(store.entries()) == 1


@pytest.mark.slow
def test_an_entry_survives_kill_9_once_add_returned(tmp_path):
    """A child process adds entries and reports each one after `add` returns; we kill it mid-stream."""
    path = tmp_path / "e.db"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]
        from factories import make_entry
        from kiosk.store import Store
        store = Store.open({str(path)!r})
        n = 0
        while True:
            entry = make_entry(n)
            store.add(entry)
            print(entry.id, flush=True)
            n += 1
    """)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    reported = [child.stdout.readline().strip() for _ in range(200)]
    child.kill()
    child.wait()
    with Store.open(path) as reopened:
        stored = {entry.id for entry in reopened.entries()}
    assert set(reported) <= stored


def test_last_entry_looks_only_at_the_window_and_direction(store):
    store.add(make_entry(at=T0, person="qid:1"))
    store.add(make_entry(at=T0 + timedelta(minutes=5), person="qid:1", direction=Direction.OUT))
    store.add(make_entry(at=T0 + timedelta(minutes=6), person="qid:1", verdict=Outcome.REFUSE))
    person = store.seal.tag("qid:1")
    found = store.last_entry_for(person, since=T0 - timedelta(minutes=1), direction=Direction.IN)
    assert found is not None and found.scanned_at == T0
    assert store.last_entry_for(person, since=T0 + timedelta(seconds=1), direction=Direction.IN) is None
    assert store.last_entry_for("qid:1", since=T0 - timedelta(minutes=1)) is None  # never a clear key


def test_counts_people_inside_and_checked_in_today(store):
    store.add(make_entry(at=T0, person="qid:1"))
    store.add(make_entry(at=T0 + timedelta(minutes=1), person="qid:2"))
    store.add(make_entry(at=T0 + timedelta(minutes=2), person="qid:1", direction=Direction.OUT))
    store.add(make_entry(at=T0 + timedelta(minutes=3), person="qid:3", verdict=Outcome.REFUSE))
    store.add(make_entry(at=T0 - timedelta(days=1), person="qid:4"))
    counts = store.counts(day_start=T0 - timedelta(hours=1))
    assert (counts.inside, counts.today) == (1, 2)


def test_the_sync_queue_keeps_order_and_moves_refusals_aside(store):
    entries = [make_entry(n) for n in range(5)]
    for entry in reversed(entries):
        store.add(entry)
    assert [e.id for e in store.pending(3)] == [e.id for e in entries[:3]]
    store.mark_synced([entries[0].id, entries[1].id])
    store.mark_rejected(entries[2].id, "403: another station's entry")
    assert store.pending_count() == 2
    assert [e.id for e in store.pending(10)] == [e.id for e in entries[3:]]
    [rejected] = store.rejected()
    assert uploaded(store, rejected.entry) == entries[2] and rejected.reason == "403: another station's entry"
    assert len(store.entries()) == 5  # nothing left the local log


def test_purge_deletes_only_what_is_older_than_retention(store):
    old, recent = make_entry(at=T0 - timedelta(days=29)), make_entry(at=T0 - timedelta(days=27))
    store.add(old)
    store.add(recent)
    store.mark_rejected(old.id, "bad")
    assert store.purge(older_than=T0 - timedelta(days=28)) == 1
    assert [entry.id for entry in store.entries()] == [recent.id]
    assert store.rejected() == []


def test_meta_and_export_audit(store):
    store.set_meta("etag", '"abc"')
    store.set_meta("etag", '"def"')
    assert store.get_meta("etag") == '"def"' and store.get_meta("missing") is None
    store.record_export("/tmp/out.csv", 12, "admin")
    [record] = store.exports()
    assert (record.path, record.count, record.who) == ("/tmp/out.csv", 12, "admin")


def test_a_new_database_and_its_journal_files_are_readable_by_their_owner_only(tmp_path):
    path = tmp_path / "e.db"
    previous = os.umask(0o022)  # the usual default, under which files come out readable by everyone
    try:
        with Store.open(path) as store:
            store.add(make_entry())
            modes = {file.name: stat.S_IMODE(file.stat().st_mode)
                     for file in (path, tmp_path / "e.db-wal", tmp_path / "e.db-shm")}
    finally:
        os.umask(previous)
    assert modes == {"e.db": 0o600, "e.db-wal": 0o600, "e.db-shm": 0o600}


def test_a_database_an_older_kiosk_left_readable_by_others_is_tightened(tmp_path):
    path = tmp_path / "e.db"
    Store.open(path).close()
    path.chmod(0o644)
    Store.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_version_1_database_is_upgraded_with_its_queue_intact(tmp_path):
    path = tmp_path / "e.db"
    entry = make_entry()
    connection = sqlite3.connect(path)
    version_1 = sqlite_utils.Database(connection)
    MIGRATIONS[0](version_1, PersonSeal(station_keys()))
    insert_schema_4_rows(connection, [entry])
    connection.execute("PRAGMA user_version=1")
    connection.commit()
    connection.close()

    with Store.open(path) as store:
        assert [uploaded(store, pending) for pending in store.pending(10)] == [entry]
        store.mark_held(entry.id, "HTTP 500", at=T0, retry_at=T0 + timedelta(hours=1))
        assert store.held_count() == 1 and store.pending_count() == 0
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 5 == SCHEMA_VERSION


def test_reasons_stored_with_both_sentences_become_codes_and_still_read_the_same(tmp_path):
    path = tmp_path / "e.db"
    connection = sqlite3.connect(path)
    for step in MIGRATIONS[:2]:
        step(sqlite_utils.Database(connection), PersonSeal(station_keys()))
    entry = make_entry()
    old_reasons = [
        {"code": "policy.capacity", "vi": "Đã đủ người: 12/12 đang ở bên trong", "en": "Full: 12 of 12 people inside"},
        {"code": "hd1.expired", "vi": "Tờ khai y tế đã hết hạn — đề nghị khai báo lại",
         "en": "Health declaration has expired — ask for a new one"},
        {"code": "test.note", "vi": "Ghi chú thử", "en": "Test note"},
    ]
    insert_schema_4_rows(connection, [entry])
    connection.execute("UPDATE entries SET reasons = ?", [json.dumps(old_reasons, ensure_ascii=False)])
    connection.execute("PRAGMA user_version=2")
    connection.commit()
    connection.close()

    with Store.open(path) as store:
        [read] = store.pending(10)
    stored = json.loads(sqlite3.connect(path).execute("SELECT reasons FROM entries").fetchone()[0])
    assert stored == [{"code": "policy.capacity", "params": {"capacity": "12", "inside": "12"}},
                      {"code": "hd1.expired", "params": {}},
                      {"code": "test.note", "params": {"vi": "Ghi chú thử", "en": "Test note"}}]
    assert [r.text("vi") for r in read.reasons] == [r["vi"] for r in old_reasons]
    assert [r.text("en") for r in read.reasons] == [r["en"] for r in old_reasons]


def test_a_held_entry_leaves_the_queue_keeps_why_and_when_and_comes_back_when_due(store):
    entries = [make_entry(n) for n in range(3)]
    store.add_many(entries)
    held = entries[0]

    first = store.mark_held(held.id, "HTTP 500", at=T0, retry_at=T0 + timedelta(hours=1))
    again = store.mark_held(held.id, "HTTP 502", at=T0 + timedelta(hours=1), retry_at=T0 + timedelta(hours=3))

    assert (first, again) == (1, 2)
    assert [e.id for e in store.pending(10)] == [e.id for e in entries[1:]] and store.pending_count() == 2
    assert store.oldest_pending() == entries[1].scanned_at  # the held one no longer counts as waiting
    [item] = store.held()
    assert (uploaded(store, item.entry), item.reason, item.held_at, item.attempts) == (held, "HTTP 502", T0, 2)
    assert item.retry_at == T0 + timedelta(hours=3)
    assert store.held(due_at=T0 + timedelta(hours=2)) == []
    assert [i.entry.id for i in store.held(due_at=T0 + timedelta(hours=3))] == [held.id]
    store.mark_synced([held.id])
    assert store.held() == [] and store.held_count() == 0 and store.pending_count() == 2


def test_a_held_entry_the_server_then_refuses_moves_to_the_rejected_list(store):
    entry = make_entry()
    store.add(entry)
    store.mark_held(entry.id, "HTTP 500", at=T0, retry_at=T0)
    store.mark_rejected(entry.id, "name: control character")
    assert store.held() == [] and [r.entry.id for r in store.rejected()] == [entry.id]


def test_nothing_waiting_has_no_oldest_entry_and_purge_drops_old_holds(store):
    assert store.oldest_pending() is None
    old = make_entry(at=T0 - timedelta(days=29))
    store.add(old)
    store.mark_held(old.id, "HTTP 500", at=T0, retry_at=T0)
    assert store.purge(older_than=T0 - timedelta(days=28)) == 1
    assert store.held() == [] and store.oldest_pending() is None


def test_counts_follow_the_links_between_a_persons_keys_and_add_the_entries_held_in_memory(store):
    card = make_entry(at=T0, person="cccd:001099012345")
    qr = dataclasses.replace(make_entry(at=T0 + timedelta(minutes=5), person="qid:162900000000000001"),
                             linked_key="cccd:001099012345")
    store.add(card)
    store.add(qr)
    day = T0 - timedelta(hours=1)
    assert store.counts(day_start=day) == DayCounts(inside=1, today=1)
    other = make_entry(at=T0 + timedelta(minutes=6), person="qid:2")
    assert store.counts(day_start=day, unsaved=[other]) == DayCounts(inside=2, today=2)
    leaving = make_entry(at=T0 + timedelta(minutes=7), person="cccd:001099012345", direction=Direction.OUT)
    assert store.counts(day_start=day, unsaved=[other, leaving]) == DayCounts(inside=1, today=2)
    tag = store.seal.tag
    assert store.came_in([tag("qid:162900000000000001")], day)
    assert not store.came_in([tag("qid:162900000000000001")], day, unsaved=[leaving])
    assert not store.came_in([tag("qid:2")], day)
