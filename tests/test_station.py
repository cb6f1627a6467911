"""The door's behaviour end to end below the window: text in, verdict out, entry on disk."""

import dataclasses
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from factories import kept, uploaded
from kiosk.full_disk import lift_size_limit, limit_to_current_size, store_on_own_connection
from kiosk.credentials.examples import AN, BINH, SAMPLE_PAYLOADS, cccd_payload, vnqr_payload
from kiosk.entry import Direction, Source
from kiosk.settings import Settings
from kiosk.reasons import EXIT_WITHOUT_ENTRY, Reason
from kiosk.station import Station, not_saved
from kiosk.store import Store, StoreError
from kiosk.verdict import Outcome

VISITOR = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"
MASKED = "******012345|NGUYEN VAN AN|****-**-31|0|162900000000000001|<1<HS4010000000001<0912345678"


class Clock:
    def __init__(self):
        self.now = datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def station_with(store, clock, **settings):
    return Station(Settings(station_name="Cổng A", **settings), store, clock=clock)


def test_a_visitor_is_admitted_and_logged_once(store, clock):
    station = station_with(store, clock)
    result = station.check_text(VISITOR)
    assert result.verdict.outcome is Outcome.ADMIT
    assert result.display_name and "VAN AN" not in result.display_name
    [entry] = store.entries()
    assert uploaded(store, entry) == kept(result.entry)
    assert (entry.station, entry.direction, entry.source, entry.person_key, entry.linked_key) == \
        ("Cổng A", Direction.IN, Source.CAMERA, store.seal.tag("qid:162900000000000001"),
         store.seal.tag("cccd:001099012345"))
    assert entry.scanned_at == clock.now and entry.fields == {}


def test_the_masked_code_of_the_same_person_is_a_repeat_within_the_window(store, clock):
    station = station_with(store, clock, dedup_minutes=30)
    first = station.check_text(VISITOR)
    clock.advance(minutes=10)
    again = station.check_text(MASKED, Source.SCANNER)
    assert again.verdict.outcome is Outcome.ADMIT and again.verdict.repeat  # let through: nothing new logged
    assert again.entry is None and again.first_seen_at == first.scanned_at
    assert len(store.entries()) == 1
    clock.advance(minutes=21)
    assert station.check_text(VISITOR).entry is not None
    assert len(store.entries()) == 2


def test_a_signed_certificate_shown_twice_is_a_repeat_though_its_entry_keeps_no_fields(store, clock):
    from kiosk.credentials.signed_examples import demo_trust, signed_samples
    from kiosk.policy import Identity, identity_of
    from kiosk.reasons import Reason
    from kiosk.station_config import StationConfig

    certificate = signed_samples(clock.now)[0].text
    trusted = Station(Settings(station_name="Cổng A", dedup_minutes=30), store, clock=clock,
                      config=StationConfig(trust=demo_trust()))
    assert trusted.check_text(certificate).entry is not None
    clock.advance(minutes=5)
    assert trusted.check_text(certificate).verdict.repeat
    [entry] = store.entries()
    assert identity_of(entry) is Identity.SIGNED
    unverified = dataclasses.replace(entry, reasons=(Reason("health.unknown_signer"),))
    assert identity_of(unverified) is Identity.UNVERIFIED  # a later signed scan is the check asked for


def test_exit_after_entry_is_logged_and_updates_who_is_inside(store, clock):
    station = station_with(store, clock)
    station.check_text(VISITOR)
    assert station.counts().inside == 1
    station.toggle_direction()
    clock.advance(minutes=1)
    result = station.check_text(VISITOR)
    assert result.verdict.outcome is Outcome.ADMIT and result.entry.direction is Direction.OUT
    counts = station.counts()
    assert (counts.inside, counts.today) == (0, 1)


def test_the_door_starts_in_the_configured_direction_and_f2_still_switches(store, clock):
    exit_door = station_with(store, clock, direction="out")
    assert exit_door.check_text(VISITOR).entry.direction is Direction.OUT
    assert exit_door.toggle_direction() is Direction.IN
    clock.advance(minutes=1)
    assert exit_door.check_text(VISITOR).entry.direction is Direction.IN
    # The admin saves the settings without changing the direction: the guard's choice stays.
    exit_door.reconfigure(exit_door.config, Settings(station_name="Cổng A", direction="out"))
    assert exit_door.direction is Direction.IN
    # A newly chosen direction turns the door at once.
    exit_door.reconfigure(exit_door.config, Settings(station_name="Cổng A", direction="in"))
    exit_door.reconfigure(exit_door.config, Settings(station_name="Cổng A", direction="out"))
    assert exit_door.direction is Direction.OUT


def test_pushed_visit_rules_apply_to_the_visits_built_after_them(store, clock):
    from kiosk.station_config import StationConfig
    from kiosk.tracing.visits import EndReason

    door = station_with(store, clock, location="Sảnh chờ")
    door.reconfigure(StationConfig.from_document({"settings": {"default_stay_minutes": 30}}))
    came = door.check_text(VISITOR)
    [visit] = store.visits_of([store.seal.tag("qid:162900000000000001")], clock.now - timedelta(hours=1),
                              clock.now + timedelta(hours=1))
    assert (visit.entry_id, visit.location, visit.minutes, visit.end_reason) == \
        (came.entry.id, "Sảnh chờ", 30, EndReason.DEFAULT_STAY)


def test_a_non_personal_code_is_refused_and_logged_without_personal_data(store, clock):
    result = station_with(store, clock).check_text("https://example.org/menu")
    assert result.verdict.outcome is Outcome.REFUSE
    assert "example.org" in result.verdict.reasons[0].en
    [entry] = store.entries()
    assert entry.verdict is Outcome.REFUSE and entry.person_key == "" and dict(entry.fields) == {}


def test_capacity_turns_people_away_once_full(store, clock):
    station = station_with(store, clock, capacity=1)
    assert station.check_text(VISITOR).verdict.outcome is Outcome.ADMIT
    other = VISITOR.replace("162900000000000001", "162900000000000002").replace("NGUYEN VAN AN", "TRAN THI BINH")
    full = station.check_text(other)
    assert full.verdict.outcome is Outcome.REFUSE and full.verdict.reasons[0].code == "policy.capacity"


def test_every_sample_format_reaches_the_expected_verdict(store, clock):
    station = station_with(store, clock)
    for sample in SAMPLE_PAYLOADS:
        result = station.check_text(sample.text)
        expected = Outcome.ADMIT if sample.personal else Outcome.REFUSE
        assert result.verdict.outcome is expected, sample.label
        assert (result.credential or result.refusal).format == sample.format, sample.label
        clock.advance(seconds=5)
    assert len(store.entries()) == len(SAMPLE_PAYLOADS)


def test_manual_entry_uses_the_same_policy_and_is_marked_manual(store, clock):
    station = station_with(store, clock)
    result = station.check_manual("Trần Thị Bình", "0987 654 321", "079190012345", "khách giao hàng")
    assert result.verdict.outcome is Outcome.ADMIT
    assert result.entry.source is Source.MANUAL and result.display_name == "Trần T. B."
    clock.advance(minutes=2)
    card = "079190012345||Trần Thị Bình|02021990|Nữ|Phường 1, Quận 3, TP Hồ Chí Minh|15042021"
    assert station.check_text(card).verdict.repeat
    bad = station.check_manual("Trần Thị Bình", "12")
    assert bad.verdict.outcome is Outcome.REFUSE and bad.verdict.reasons[0].code == "manual.bad-phone"


def test_an_entry_the_disk_refuses_is_kept_and_written_when_space_returns(tmp_path, clock):
    store, connection = store_on_own_connection(tmp_path / "entries.sqlite3")
    with store:
        station = station_with(store, clock)
        station.check_text(VISITOR)
        limit_to_current_size(connection)
        results = []
        for n in range(2, 200):
            clock.advance(seconds=1)
            results.append(station.check_text(VISITOR.replace("162900000000000001", f"1629{n:014d}")))
            if results[-1].store_problem:
                break
        failed = results[-1]
        assert failed.store_problem == not_saved(Reason("unsaved.full"), held=1)
        assert failed.verdict.outcome is Outcome.ADMIT  # the door still answers
        assert station.unsaved_count() == 1
        lift_size_limit(connection)
        clock.advance(seconds=1)
        station.check_text("https://example.org")
        assert station.unsaved_count() == 0
        assert uploaded(store, store.get(failed.entry.id)) == kept(failed.entry)


def test_a_really_full_disk_keeps_the_entry_in_memory_until_space_returns(small_disk, disk_filler, clock):
    """ENOSPC from a real file system, not a simulated limit: the door answers, nothing is lost."""
    with Store.open(small_disk / "entries.sqlite3") as store:
        station = station_with(store, clock)
        first = station.check_text(VISITOR)
        filler = disk_filler(small_disk, 0)
        results = []
        for n in range(2, 400):
            clock.advance(seconds=1)
            results.append(station.check_text(VISITOR.replace("162900000000000001", f"1629{n:014d}")))
            if results[-1].store_problem:
                break
        assert results[-1].store_problem == not_saved(Reason("unsaved.full"), held=1)
        assert results[-1].verdict.outcome is Outcome.ADMIT and station.unsaved_count() == 1
        filler.unlink()
        clock.advance(seconds=1)
        station.check_text("https://example.org")
        assert station.unsaved_count() == 0
        stored = {entry.id for entry in store.entries()}
        assert {first.entry.id} | {result.entry.id for result in results} <= stored


def test_a_read_only_disk_says_so_and_what_was_stored_stays_readable(small_disk, clock):
    import subprocess

    path = small_disk / "entries.sqlite3"
    with Store.open(path) as store:
        stored = station_with(store, clock).check_text(VISITOR).entry
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StoreError) as error:
        with Store.open(path) as store:
            store.add(dataclasses.replace(stored, id="9f1c0c53-7d0e-4a55-9c4e-6d8f5a0b1c2d"))
    assert str(path) in str(error.value) and ("read-only" in str(error.value) or "writable" in str(error.value))
    connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    assert connection.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 1


def test_a_chip_card_then_the_national_qr_of_the_same_person_counts_one_person(store, clock):
    station = station_with(store, clock)
    station.check_text(cccd_payload(AN))
    clock.advance(minutes=5)
    assert station.check_text(vnqr_payload(AN)).entry is not None  # another key: logged, and linked to the card
    counts = station.counts()
    assert (counts.inside, counts.today) == (1, 1)
    station.toggle_direction()
    clock.advance(minutes=5)
    left = station.check_text(cccd_payload(AN))  # out with the card they came in with first
    assert EXIT_WITHOUT_ENTRY not in left.verdict.reasons
    assert (station.counts().inside, station.counts().today) == (0, 1)


def test_an_exit_without_an_entry_today_is_logged_and_says_so(store, clock):
    station = station_with(store, clock, direction="out")
    result = station.check_text(vnqr_payload(BINH))
    assert result.verdict.outcome is Outcome.ADMIT and result.verdict.reasons[0] == EXIT_WITHOUT_ENTRY
    [entry] = store.entries()
    assert entry.direction is Direction.OUT and EXIT_WITHOUT_ENTRY in entry.reasons
    clock.advance(days=1)
    station.toggle_direction()
    station.check_text(vnqr_payload(BINH))
    station.toggle_direction()
    clock.advance(hours=1)
    assert EXIT_WITHOUT_ENTRY not in station.check_text(vnqr_payload(BINH)).verdict.reasons


def test_a_repeat_of_a_warned_entry_is_a_warning_again_with_its_reason(store, clock):
    station = station_with(store, clock, watch_list=(f"qid:{BINH.qid}",), watch_action="warn")
    first = station.check_text(vnqr_payload(BINH))
    assert first.verdict.outcome is Outcome.WARN
    clock.advance(minutes=2)
    again = station.check_text(vnqr_payload(BINH))
    assert again.verdict.repeat and again.verdict.outcome is Outcome.WARN and again.entry is None
    assert [reason.code for reason in again.verdict.reasons] == ["policy.already-in", "policy.watch-list"]


def test_while_the_disk_is_full_the_counts_and_repeats_follow_the_entries_held_in_memory(tmp_path, clock):
    store, connection = store_on_own_connection(tmp_path / "entries.sqlite3")
    with store:
        station = station_with(store, clock)
        limit_to_current_size(connection)
        visitors = (VISITOR.replace("162900000000000001", f"1629{n:014d}") for n in range(1, 300))
        for scanned, visitor in enumerate(visitors, start=1):
            clock.advance(seconds=1)
            held = station.check_text(visitor)
            if held.store_problem:
                break
        assert held.store_problem == not_saved(Reason("unsaved.full"), held=1)
        counts = station.counts()
        assert (counts.inside, counts.today) == (scanned, scanned)  # the one held in memory counts too
        clock.advance(minutes=1)
        again = station.check_text(visitor)
        assert again.verdict.repeat and again.entry is None  # not admitted a second time
        station.toggle_direction()
        clock.advance(minutes=1)
        out = station.check_text(visitor)
        assert EXIT_WITHOUT_ENTRY not in out.verdict.reasons  # their entry in memory is an entry
        assert station.counts().inside == scanned - 1
