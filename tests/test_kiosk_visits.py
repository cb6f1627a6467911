"""Visits at the kiosk: real stations scanning the project's example codes into a real SQLite file, and the
visits the store builds from those scans in the same transaction (kiosk.visit_log)."""

import sqlite3
from datetime import timedelta

import pytest
import sqlite_utils

from factories import insert_schema_4_rows, kept, uploaded
from kiosk.full_disk import store_on_own_connection
from kiosk.credentials.examples import AN, BINH, CUONG, cccd_payload, vnqr_payload
from kiosk.entry import Direction
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.store import MIGRATIONS, SCHEMA_VERSION, Store
from kiosk.tracing.visits import EndReason
from kiosk.visit_log import TraceRecord, VisitRules
from waiting_hall import HALL, MORNING, VIETNAM, Clock



@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def door(store, clock, name="Cổng vào", **settings) -> Station:
    """A door of the waiting hall; every door of the hall shares the location."""
    return Station(Settings(station_name=name, location=HALL, dedup_minutes=0, **settings), store, clock=clock,
                   zone=VIETNAM)


def visits(store, person_key):
    return store.visits_of([store.seal.tag(person_key)], MORNING - timedelta(days=1), MORNING + timedelta(days=10))


def qid(person):
    return f"qid:{person.qid}"


def links(store, person_key):
    """The stored links around a person (tagged keys)."""
    return store.person_links([store.seal.tag(person_key)])


def link(store, person):
    """The link an unmasked national QR code proves, as the store keeps it (tagged)."""
    return (store.seal.tag(qid(person)), store.seal.tag(f"cccd:{person.id_number}"))


def test_an_exit_door_ends_the_visit_at_the_exit_scan(store, clock):
    entrance = door(store, clock)
    exit_door = door(store, clock, name="Lối ra", direction="out")
    assert exit_door.direction is Direction.OUT and entrance.direction is Direction.IN
    came = entrance.check_text(vnqr_payload(AN))
    clock.at(11, 40)
    left = exit_door.check_text(vnqr_payload(AN))
    assert left.entry.direction is Direction.OUT
    [visit] = visits(store, qid(AN))
    # Believed although it came after the default stay (2 h): an exit is the person's own word.
    assert (visit.entry_id, visit.location, visit.end_reason, visit.exit_id) == \
        (came.entry.id, HALL, EndReason.EXIT, left.entry.id)
    assert (visit.start, visit.end) == (MORNING, MORNING.replace(hour=11, minute=40))


def test_without_an_exit_the_default_stay_ends_the_visit(store, clock):
    door(store, clock, default_stay_minutes=30).check_text(vnqr_payload(BINH))
    [visit] = visits(store, qid(BINH))
    assert visit.end_reason is EndReason.DEFAULT_STAY and visit.minutes == 30


def test_the_closing_time_ends_a_visit_before_its_default_stay(store, clock):
    door(store, clock.at(16, 30), closing_time="17:00").check_text(vnqr_payload(BINH))
    [visit] = visits(store, qid(BINH))
    assert visit.end_reason is EndReason.CLOSING_TIME
    assert visit.end == MORNING.replace(hour=17)  # local time, in the door's zone


def test_coming_in_again_ends_the_first_visit_at_the_second_scan(store, clock):
    entrance = door(store, clock)
    first = entrance.check_text(vnqr_payload(CUONG))
    clock.at(9, 10)
    second = entrance.check_text(vnqr_payload(CUONG))
    ended, current = visits(store, qid(CUONG))
    assert (ended.entry_id, ended.end_reason, ended.end) == (first.entry.id, EndReason.NEXT_SCAN, clock.now)
    assert (current.entry_id, current.end_reason) == (second.entry.id, EndReason.DEFAULT_STAY)


def test_refused_scans_and_exits_without_an_entry_open_no_visit(store, clock):
    door(store, clock, name="Lối ra", direction="out").check_text(vnqr_payload(AN))
    door(store, clock).check_text("https://example.org/menu")
    assert visits(store, qid(AN)) == [] and store.visits_starting(MORNING, MORNING + timedelta(hours=1),
                                                                   MORNING) == []


def test_closing_all_open_visits_ends_them_now_and_a_later_rebuild_keeps_it(store, clock):
    entrance = door(store, clock)
    entrance.check_text(vnqr_payload(AN))
    clock.at(8, 30)
    entrance.check_text(vnqr_payload(BINH))
    assert store.close_open_visits(clock.at(9).now) == 2
    assert store.close_open_visits(clock.now) == 0  # nothing is open any more
    # AN comes back later: his visits are rebuilt from his scans, and the closure still ends the first.
    clock.at(9, 30)
    entrance.check_text(vnqr_payload(AN))
    first, second = visits(store, qid(AN))
    assert (first.end, first.end_reason) == (MORNING.replace(hour=9), EndReason.OPERATOR)
    assert second.end_reason is EndReason.DEFAULT_STAY
    [binh] = visits(store, qid(BINH))
    assert (binh.end, binh.end_reason) == (MORNING.replace(hour=9), EndReason.OPERATOR)


def test_a_scan_and_its_visit_are_written_together_or_not_at_all(tmp_path, clock):
    """A failing visit insert (a trigger makes it fail, as a full disk or a bug would) rolls back the scan
    too: the entry is never on disk without its visit. The station keeps it in memory and writes both with
    the next scan once the visit can be written."""
    store, connection = store_on_own_connection(tmp_path / "entries.sqlite3")
    with store:
        connection.execute("CREATE TEMP TRIGGER no_visits BEFORE INSERT ON visits "
                           "BEGIN SELECT RAISE(ABORT, 'visit refused'); END")
        entrance = door(store, clock)
        failed = entrance.check_text(vnqr_payload(AN))
        assert failed.store_problem and entrance.unsaved_count() == 1
        assert store.get(failed.entry.id) is None and visits(store, qid(AN)) == []
        connection.execute("DROP TRIGGER no_visits")
        clock.at(8, 5)
        entrance.check_text(vnqr_payload(BINH))
        assert entrance.unsaved_count() == 0
        assert uploaded(store, store.get(failed.entry.id)) == kept(failed.entry)
        assert [visit.entry_id for visit in visits(store, qid(AN))] == [failed.entry.id]


def test_an_unmasked_national_qr_code_links_its_qid_to_the_id_number_and_a_masked_one_does_not(store, clock):
    entrance = door(store, clock)
    entrance.check_text(vnqr_payload(AN))
    entrance.check_text(vnqr_payload(BINH, masked=True))
    entrance.check_text(cccd_payload(CUONG))
    assert links(store, qid(AN)) == [link(store, AN)]
    assert links(store, f"cccd:{AN.id_number}") == [link(store, AN)]
    assert links(store, qid(BINH)) == [] and links(store, f"cccd:{CUONG.id_number}") == []


def test_a_schema_3_database_gets_the_visits_and_links_of_its_entries(tmp_path, clock):
    path = tmp_path / "entries.sqlite3"
    with Store.open(path) as store:  # today's store, to make real entries from real scans
        entrance, exit_door = door(store, clock), door(store, clock, name="Lối ra", direction="out")
        came = entrance.check_text(vnqr_payload(AN))
        clock.at(8, 40)
        left = exit_door.check_text(vnqr_payload(AN))
        other = entrance.check_text(vnqr_payload(BINH, masked=True))
    scans = [came.entry, left.entry, other.entry]
    old = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(old)
    database = sqlite_utils.Database(connection)
    for migration in MIGRATIONS[:3]:
        migration(database, store.seal)
    insert_schema_4_rows(connection, scans)
    connection.execute("PRAGMA user_version=3")
    connection.commit()
    connection.close()

    # As the command line and the window open it: with the rules of the station's settings.
    with Store.open(old, visit_rules=VisitRules.from_settings(Settings(location=HALL, default_stay_minutes=45),
                                                              VIETNAM)) as upgraded:
        assert sqlite3.connect(old).execute("PRAGMA user_version").fetchone()[0] == 5 == SCHEMA_VERSION
        assert sorted((uploaded(upgraded, e) for e in upgraded.entries()), key=lambda e: e.id) == \
            sorted(map(kept, scans), key=lambda e: e.id)
        [visit] = visits(upgraded, qid(AN))
        assert (visit.entry_id, visit.exit_id, visit.end_reason, visit.location) == \
            (came.entry.id, left.entry.id, EndReason.EXIT, HALL)
        [binh] = visits(upgraded, qid(BINH))
        assert (binh.entry_id, binh.end_reason, binh.minutes) == (other.entry.id, EndReason.DEFAULT_STAY, 45)
        assert links(upgraded, qid(AN)) == [link(upgraded, AN)]


def test_the_purge_removes_visits_links_and_closures_as_old_as_its_entries(store, clock):
    entrance = door(store, clock)
    old = entrance.check_text(vnqr_payload(AN))
    store.close_open_visits(clock.at(9).now)
    clock.now += timedelta(days=3)
    recent = entrance.check_text(vnqr_payload(BINH))
    store.record_trace(TraceRecord(clock.now, "admin", "CA-1", "••••0001", MORNING - timedelta(days=1),
                                   MORNING + timedelta(hours=2), 1))
    store.record_trace(TraceRecord(clock.now, "admin", "CA-2", "••••0002", MORNING + timedelta(days=2),
                                   clock.now, 0))
    assert store.purge(older_than=MORNING + timedelta(days=1)) == 1
    assert store.get(old.entry.id) is None and visits(store, qid(AN)) == []
    assert links(store, qid(AN)) == []
    assert [visit.entry_id for visit in visits(store, qid(BINH))] == [recent.entry.id]
    # The audit of a trace goes with the last entry it concerns, never before.
    assert [record.reason for record in store.traces()] == ["CA-2"]
    connection = sqlite3.connect(store.path)
    assert connection.execute("SELECT COUNT(*) FROM visit_closures").fetchone()[0] == 0


def test_a_link_seen_again_lives_as_long_as_its_latest_sighting(store, clock):
    entrance = door(store, clock)
    entrance.check_text(vnqr_payload(AN))
    clock.now += timedelta(days=3)
    entrance.check_text(vnqr_payload(AN))
    store.purge(older_than=MORNING + timedelta(days=1))
    assert links(store, qid(AN)) == [link(store, AN)]


def test_bulk_added_entries_get_their_visits_too(store, clock):
    entrance = door(store, clock)
    scans = [entrance.check_text(vnqr_payload(person)) for person in (AN, BINH)]
    copy = Store.open(store.path.parent / "copy.sqlite3")
    with copy:
        copy.use_visit_rules(store.visit_rules)
        copy.add_many(result.entry for result in scans)
        assert {v.entry_id for p in (AN, BINH) for v in visits(copy, qid(p))} == {r.entry.id for r in scans}
        assert copy.rebuild_visits() == 2


def test_the_visits_built_scan_by_scan_are_those_built_from_every_scan_at_once(store, clock):
    """Each scan rebuilds only from its person's previous scan; a rebuild from all entries gives the same."""
    entrance, exit_door = door(store, clock), door(store, clock, name="Lối ra", direction="out")
    timeline = [(entrance, AN, 8, 0), (entrance, BINH, 8, 5), (exit_door, AN, 8, 50), (entrance, AN, 9, 0),
                (entrance, CUONG, 9, 1), (entrance, AN, 9, 30), (exit_door, CUONG, 13, 0), (exit_door, BINH, 9, 15),
                (entrance, BINH, 22, 0), (exit_door, AN, 23, 0)]
    for station, person, hour, minute in timeline:  # BINH's exit at 09:15 arrives late, after 13:00
        clock.at(hour, minute)
        station.check_text(vnqr_payload(person))
    store.close_open_visits(clock.at(22, 30).now)
    built = {person: visits(store, qid(person)) for person in (AN, BINH, CUONG)}
    store.rebuild_visits()
    assert {person: visits(store, qid(person)) for person in (AN, BINH, CUONG)} == built
    assert [v.end_reason.value for v in built[AN]] == ["exit", "next_scan", "default_stay"]
    assert [v.end_reason.value for v in built[BINH]] == ["exit", "operator"]
