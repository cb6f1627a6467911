"""SQLite's errors, judged by their code: conditions a person can fix, each saying what to do, and bugs.

Each condition is made real: a full tmpfs, a read-only mount, another connection's lock, a file-size limit
the system enforces, garbage in the file, a folder where the file should be. A mistake in the SQL reaches
nobody as "the disk is full", and a bug at the door neither silences the door nor holds back later entries.
"""

import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timezone

import pytest

from factories import kept, make_entry, uploaded
from kiosk.full_disk import store_on_own_connection
from kiosk import station as station_module
from kiosk.entry import new_entry_id
from kiosk.settings import Settings
from kiosk.retention import RetentionSchedule
from kiosk.reasons import Reason
from kiosk.station import Station, not_saved
from kiosk.store import Store, StoreCondition, StoreError, condition_of
from kiosk.verdict import Outcome

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
# A mistake in the SQL the store runs, put in through the connection the store was handed: every insert of
# an entry also writes into "full_name_log", a table that does not exist, whose name once made such a
# mistake read as "the disk is full".
SQL_BUG = ("CREATE TEMP TRIGGER sql_bug BEFORE INSERT ON main.entries "
           "BEGIN INSERT INTO full_name_log (id) VALUES (new.id); END")
SQL_FIXED = "DROP TRIGGER sql_bug"


def visitor(n: int) -> str:
    """A made-up citizen QR code; `n` gives a different person."""
    return f"001099012345|NGUYEN VAN AN|1990-01-31|0|1629{n:014d}|<1<HS4010000000001<0912345678"


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


@pytest.fixture
def station(store):
    return station_on(store)


def station_on(store: Store) -> Station:
    return Station(Settings(station_name="Cổng A"), store, clock=lambda: datetime.now(timezone.utc))


@pytest.fixture
def store_and_connection(tmp_path):
    store, connection = store_on_own_connection(tmp_path / "entries.sqlite3")
    with store:
        yield store, connection


@pytest.fixture
def read_only_view(tmp_path):
    """A folder (rw) and the same folder through a read-only bind mount (ro). Needs the right to mount."""
    rw, ro = tmp_path / "rw", tmp_path / "ro"
    rw.mkdir()
    ro.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(rw), str(ro)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount a folder read-only (needs root): {mounted.stderr.strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], check=True)
        yield rw, ro
    finally:
        subprocess.run(["umount", "-l", str(ro)], check=True)


# --- conditions a person can fix -------------------------------------------------------------------------


def test_a_really_full_disk_says_so_in_both_languages_and_keeps_what_was_stored(small_disk, disk_filler):
    path = small_disk / "entries.sqlite3"
    first = make_entry(0)
    with Store.open(path) as store:
        store.add(first)
        filler = disk_filler(small_disk, 0)
        with pytest.raises(StoreError) as raised:
            for n in range(1, 500):
                store.add(make_entry(n))
        filler.unlink()
    assert raised.value.condition is StoreCondition.FULL
    assert str(raised.value) == f"The disk holding {path} is full: free some space. Nothing already stored was lost."
    assert raised.value.reason.vi.startswith(f"Ổ đĩa chứa {path} đã đầy")
    with Store.open(path) as reopened:
        assert uploaded(reopened, reopened.get(first.id)) == first


def test_a_database_seen_through_a_read_only_mount_says_check_the_permissions(read_only_view):
    rw, ro = read_only_view
    stored = make_entry(0)
    # The kiosk keeps the database open through the writable path, so its journal files stay in place and
    # SQLite opens the read-only view for reading only.
    with Store.open(rw / "entries.sqlite3") as writer:
        writer.add(stored)
        with Store.open(ro / "entries.sqlite3") as store:
            # What was stored stays readable.
            assert [uploaded(store, entry) for entry in store.entries()] == [stored]
            with pytest.raises(StoreError) as raised:
                store.add(make_entry(1))
    assert raised.value.condition is StoreCondition.READ_ONLY
    assert "read-only" in str(raised.value) and "permissions" in str(raised.value)


def test_a_database_another_program_holds_is_busy_and_usable_once_it_lets_go(tmp_path):
    path = tmp_path / "entries.sqlite3"
    with Store.open(path, busy_timeout=0.1) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreError) as raised:
            store.add(make_entry(0))
        other.execute("ROLLBACK")
        other.close()
        store.add(make_entry(1))
        assert len(store.entries()) == 1
    assert raised.value.condition is StoreCondition.BUSY
    assert str(raised.value).startswith("Another program holds the database")


def test_a_write_the_system_refuses_is_a_disk_problem_not_an_unexplained_error(tmp_path):
    """Past the file-size limit write() fails (EFBIG) and SQLite says SQLITE_IOERR_WRITE: a real I/O error."""
    path = tmp_path / "entries.sqlite3"
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import resource, signal, sys
        sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]
        from factories import make_entry
        from kiosk.full_disk import store_on_own_connection
        from kiosk.store import Store, StoreError
        store = Store.open({str(path)!r})
        store.add(make_entry(0))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, resource.RLIM_INFINITY))
        try:
            for n in range(1, 5000):
                store.add(make_entry(n))
        except StoreError as error:
            print(error.condition.name)
            print(error)
    """)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    condition, message = child.stdout.splitlines()
    assert condition == "DISK_FAILING", child.stderr
    assert message.startswith(f"The disk holding {path} failed to read or write")
    with Store.open(path) as reopened:
        assert len(reopened.entries()) >= 1


def test_garbage_in_the_header_is_a_damaged_database(tmp_path):
    path = tmp_path / "entries.sqlite3"
    path.write_bytes(b"this is not a database at all " * 100)
    with pytest.raises(StoreError) as raised:
        Store.open(path)
    assert raised.value.condition is StoreCondition.DAMAGED
    assert "damaged or is not a kiosk database" in str(raised.value) and "rename it" in str(raised.value)


def test_garbage_in_the_pages_of_a_kiosk_database_is_a_damaged_database(tmp_path):
    path = tmp_path / "entries.sqlite3"
    with Store.open(path) as store:
        store.add_many(make_entry(n) for n in range(300))
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size:] = b"\xa5" * (len(data) - page_size)  # the schema on page 1 stays, the rows do not
    path.write_bytes(bytes(data))
    with Store.open(path) as store:
        with pytest.raises(StoreError) as raised:
            store.entries()
    assert raised.value.condition is StoreCondition.DAMAGED


def test_a_folder_where_the_database_should_be_cannot_be_opened(tmp_path):
    path = tmp_path / "entries.sqlite3"
    path.mkdir()
    with pytest.raises(StoreError) as raised:
        Store.open(path)
    assert raised.value.condition is StoreCondition.CANNOT_OPEN
    assert str(raised.value) == f"Cannot open the database {path}: check that its folder exists and is writable."


def test_a_folder_that_cannot_be_made_cannot_be_opened_and_the_system_says_why(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StoreError) as raised:
        Store.open(blocker / "entries.sqlite3")
    assert raised.value.condition is StoreCondition.CANNOT_OPEN
    assert str(raised.value).endswith("is writable (File exists).")


# --- bugs -------------------------------------------------------------------------------------------------


def test_a_mistake_in_the_sql_is_a_bug_not_a_full_disk(store_and_connection):
    store, connection = store_and_connection
    connection.execute(SQL_BUG)
    with pytest.raises(sqlite3.OperationalError, match="no such table: full_name_log"):
        store.add(make_entry())


def test_a_connection_in_its_own_way_is_a_bug_not_another_program():
    """SQLITE_LOCKED, unlike SQLITE_BUSY, is a conflict inside one connection (the kiosk uses no shared cache)."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("CREATE TABLE t (x)")
    connection.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    reading = connection.execute("SELECT x FROM t")
    reading.fetchone()
    with pytest.raises(sqlite3.OperationalError) as raised:
        connection.execute("DROP TABLE t")
    assert raised.value.sqlite_errorname == "SQLITE_LOCKED"
    assert condition_of(raised.value) is None


def test_a_bug_in_writing_shows_at_the_door_as_an_internal_error_is_logged_in_full_and_the_entry_kept(
        store_and_connection, caplog):
    store, connection = store_and_connection
    station = station_on(store)
    connection.execute(SQL_BUG)
    result = station.check_text(visitor(1))
    assert result.verdict.outcome is Outcome.ADMIT  # the door answers
    assert result.store_problem == not_saved(Reason("unsaved.fault"), held=1)
    assert result.store_problem.text("en") == ("A fault in the kiosk software: entries kept in memory, not lost: 1. "
                                               "Tell the administrator.")
    assert station.unsaved_count() == 1
    [logged] = [record for record in caplog.records if record.exc_info]
    assert "no such table: full_name_log" in str(logged.exc_info[1])
    assert "NGUYEN" not in caplog.text  # no personal data in the log

    # The software is fixed: the next scan writes the kept entry too.
    connection.execute(SQL_FIXED)
    later = station.check_text(visitor(2))
    assert later.store_problem is None and station.unsaved_count() == 0
    assert {entry.id for entry in store.entries()} == {result.entry.id, later.entry.id}


def test_an_entry_a_bug_stops_does_not_hold_back_the_entries_after_it(store, station, monkeypatch):
    taken = make_entry()
    store.add(taken)
    ids = iter([taken.id])  # the first scan draws an id already used: a real UNIQUE constraint failure
    monkeypatch.setattr(station_module, "new_entry_id", lambda: next(ids, None) or new_entry_id())

    stopped = station.check_text(visitor(1))
    assert stopped.verdict.outcome is Outcome.ADMIT and stopped.store_problem == not_saved(Reason("unsaved.fault"), 1)

    later = [station.check_text(visitor(n)) for n in (2, 3)]
    assert [result.store_problem for result in later] == [None, None]  # the door no longer says "not saved"
    assert [uploaded(store, store.get(result.entry.id)) for result in later] == \
        [kept(result.entry) for result in later]
    assert station.unsaved_count() == 1  # the stopped entry is kept in memory, not dropped


def test_a_bug_in_the_retention_purge_is_logged_in_full_and_does_not_stop_the_door(tmp_path, caplog):
    path = tmp_path / "entries.sqlite3"
    with Store.open(path) as store:
        station = Station(Settings(station_name="Cổng A"), store, clock=lambda: datetime.now(timezone.utc))
        schedule = RetentionSchedule(store)
        with sqlite3.connect(path) as other:
            other.execute("DROP TABLE held")  # the purge's statement now names a table that is not there
        assert schedule.run_if_due(retention_days=28) == 0  # the door that calls it goes on
        assert station.check_text(visitor(1)).store_problem is None
    [logged] = [record for record in caplog.records if record.exc_info]
    assert "no such table: held" in str(logged.exc_info[1])
