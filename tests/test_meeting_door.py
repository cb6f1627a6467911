"""Meeting mode's decision at the room door: a real station on a real SQLite file, given the station config
a server sends for a session (tests/meeting_config.py), judged by what the guard sees and what is logged."""

from __future__ import annotations

import queue
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.credentials import parse
from kiosk.credentials.base import ParseContext
from kiosk.credentials.examples import AN, BINH, CUONG, cccd_payload, vnqr_payload
from kiosk.door_app import DoorApp, VerdictShown, WalkInAnswered
from kiosk.entry import Direction, Source
from kiosk.sealing.kept import kept_fields
from kiosk.station import Station
from kiosk.station_config import StationConfig, StationConfigError
from kiosk.store import Store
from kiosk.verdict import Outcome
from tests.meeting_config import (
    AN_LISTED, BINH_LISTED, DUNG, EVENT, OTHER_EVENT, REVOKED_CTI, ZONE, Clock, at, badge, declaration,
    station_document,
)
from tests.ui.kiosk_fixtures import door_settings


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def door(store: Store, clock: Clock, **actions: str) -> Station:
    config = StationConfig.from_document(station_document(**actions))
    return Station(door_settings(watch_list=()), store, clock=clock, config=config, zone=ZONE)


def codes(result) -> list[str]:
    return [reason.code for reason in result.verdict.reasons]


@pytest.mark.parametrize("scan", [
    pytest.param(lambda s: s.check_text(cccd_payload(AN)), id="chip ID card"),
    pytest.param(lambda s: s.check_text(vnqr_payload(AN)), id="national QR with the ID number unmasked"),
    pytest.param(lambda s: s.check_text(vnqr_payload(AN, masked=True)), id="national QR masked: its phone"),
    pytest.param(lambda s: s.check_manual("Nguyễn Văn An", "+84 912 345 678"), id="typed phone"),
    pytest.param(lambda s: s.check_text(badge(AN_LISTED)), id="printed badge"),
])
def test_a_listed_participant_is_admitted_and_named_with_organisation_and_seat(store, scan):
    station = door(store, Clock(at(9)))
    result = scan(station)
    assert result.verdict.outcome is Outcome.ADMIT
    assert result.participant == AN_LISTED.card()
    assert result.participant.organisation == "Sở Y tế Hà Nội" and result.participant.group == "Bàn 4 · Ghế 12"
    listed = result.verdict.reasons[0]
    assert listed.code == "meeting.listed"
    assert listed.values == {"session": "Phiên toàn thể", "session_id": "12", "participant": AN_LISTED.id}
    assert result.entry.reasons == result.verdict.reasons


def test_a_declaration_names_its_participant_by_the_declared_id_number(store):
    result = door(store, Clock(at(9))).check_text(declaration(BINH))
    assert result.participant == BINH_LISTED.card()
    assert result.verdict.outcome is Outcome.ADMIT
    # Listed, and the declaration's own word: who it is was typed by the visitor.
    assert codes(result) == ["meeting.listed", "identity.self_declared"]


def test_someone_listed_by_phone_only_is_found_by_the_guards_typed_phone(store):
    result = door(store, Clock(at(9))).check_manual("Phạm Thị Dung", "090 123 4567")
    assert result.participant == DUNG.card() and result.verdict.outcome is Outcome.ADMIT


def test_not_on_the_list_is_amber_or_red_as_the_organiser_chose(store):
    warned = door(store, Clock(at(9))).check_text(cccd_payload(CUONG))
    assert warned.verdict.outcome is Outcome.WARN and warned.participant is None
    assert codes(warned) == ["meeting.not-listed"]
    assert warned.verdict.reasons[0].text("vi") == "Không có trong danh sách đại biểu của Phiên toàn thể"
    assert warned.verdict.reasons[0].text("en") == "Not on the participant list of Phiên toàn thể"
    refused = door(store, Clock(at(9, 5)), not_listed="refuse").check_text(vnqr_payload(CUONG))
    assert refused.verdict.outcome is Outcome.REFUSE and codes(refused) == ["meeting.not-listed"]
    assert refused.entry.verdict is Outcome.REFUSE  # logged, as every refusal is


def test_a_badge_counts_only_at_its_own_events_doors_while_a_session_is_open(store):
    clock = Clock(at(9))
    station = door(store, clock)
    other = station.check_text(badge(AN_LISTED, event=OTHER_EVENT))
    assert other.verdict.outcome is Outcome.REFUSE and codes(other)[0] == "meeting.badge-other-event"
    clock.now = at(12)  # between the sessions
    between = station.check_text(badge(AN_LISTED, cti=b"\x02" * 8))
    assert between.verdict.outcome is Outcome.REFUSE and codes(between)[0] == "meeting.badge-no-session"
    ordinary = Station(door_settings(watch_list=()), store, clock=lambda: at(9), zone=ZONE,
                       config=StationConfig.from_document({k: v for k, v in station_document().items()
                                                           if k != "meetings"}))
    plain = ordinary.check_text(badge(AN_LISTED))
    assert plain.verdict.outcome is Outcome.REFUSE and codes(plain)[0] == "meeting.badge-no-session"
    assert "trong giờ các phiên" in plain.verdict.reasons[0].text("vi")
    # At an ordinary door nothing else changes.
    assert ordinary.check_text(cccd_payload(CUONG)).verdict.outcome is Outcome.ADMIT


def test_outside_the_hours_entries_get_the_organisers_action_and_exits_are_always_recorded(store):
    clock = Clock(at(12, 40))
    station = door(store, clock, outside_hours="refuse")
    early = station.check_text(cccd_payload(AN))
    assert early.verdict.outcome is Outcome.REFUSE
    assert codes(early) == ["meeting.not-open-yet", "meeting.listed"]
    assert early.verdict.reasons[0].text("vi") == "Phiên chiều chưa mở — mở lúc 13:00"
    assert early.participant == AN_LISTED.card()  # the guard still sees who it is
    clock.now = at(16, 45)
    late = station.check_text(cccd_payload(BINH))
    assert late.verdict.outcome is Outcome.REFUSE
    assert late.verdict.reasons[0].values == {"session": "Phiên chiều", "session_id": "13", "at": "16:30"}
    station.set_direction(Direction.OUT)
    leaving = station.check_text(cccd_payload(BINH))
    assert leaving.verdict.outcome is Outcome.ADMIT and leaving.entry.direction is Direction.OUT
    # Refused on the way in: leaving, they have no entry today, which the exit says.
    assert codes(leaving) == ["meeting.ended", "meeting.listed", "policy.exit-without-entry"]
    stranger_leaving = station.check_text(cccd_payload(CUONG))
    assert stranger_leaving.verdict.outcome is Outcome.ADMIT
    assert codes(stranger_leaving) == ["meeting.ended", "meeting.not-listed", "policy.exit-without-entry"]


def test_a_repeat_scan_is_the_usual_already_checked_in_and_logs_nothing(store):
    clock = Clock(at(9))
    station = door(store, clock)
    first = station.check_text(badge(AN_LISTED))
    clock.now = at(9, 3)
    again = station.check_text(badge(AN_LISTED))
    assert first.entry is not None
    assert again.verdict.repeat and again.entry is None
    assert codes(again) == ["policy.already-in"]
    assert again.verdict.reasons[0].values == {"at": "09:00"}
    assert again.participant == AN_LISTED.card()  # who it is and where they sit, still shown
    clock.now = at(9, 5)
    by_card = station.check_text(badge(AN_LISTED, cti=b"\x03" * 8))  # a reprinted badge: still the same person
    assert by_card.verdict.repeat and by_card.entry is None
    assert len(store.entries()) == 1


def test_the_same_participant_with_another_code_is_already_checked_in_unless_it_is_the_document_check(store):
    clock = Clock(at(9))
    station = door(store, clock)
    station.check_text(cccd_payload(AN))
    clock.now = at(9, 2)
    assert station.check_text(vnqr_payload(AN, masked=True)).verdict.repeat  # found by the phone it shows
    station.check_text(badge(BINH_LISTED))
    clock.now = at(9, 4)
    # A document after a self-declared code is the check the door may ask for, not a repeat (the policy's
    # rule): logged, and listed again.
    checked = station.check_text(cccd_payload(BINH))
    assert not checked.verdict.repeat and codes(checked)[0] == "meeting.listed"
    assert len(store.entries()) == 3


@pytest.mark.parametrize("text, code", [
    (badge(AN_LISTED)[:-6] + "%%%%%%", "badge.malformed.base45"),
    (badge(AN_LISTED, key=Ed25519PrivateKey.generate()), "badge.bad_signature"),
    (badge(AN_LISTED, cti=REVOKED_CTI), "badge.revoked"),
    (badge(AN_LISTED, expires_at=at(8)), "badge.expired"),
])
def test_a_damaged_forged_revoked_or_expired_badge_is_refused_saying_which(store, text, code):
    result = door(store, Clock(at(9))).check_text(text)
    assert result.verdict.outcome is Outcome.REFUSE and codes(result) == [code]
    assert result.participant is None
    assert result.verdict.reasons[0].text("vi") != code and "{" not in result.verdict.reasons[0].text("en")


def test_a_badge_no_trusted_key_signed_is_refused_as_an_unknown_signer():
    refusal = parse(badge(AN_LISTED), ParseContext(now=at(9)))
    assert refusal.reason.code == "badge.unknown_signer"
    assert refusal.reason.text("en") == "The meeting badge was signed by no one this station trusts — it cannot be used"


def test_a_badge_entry_keeps_ids_and_dates_and_shows_the_name_masked(store):
    result = door(store, Clock(at(9))).check_text(badge(AN_LISTED))
    assert set(kept_fields("badge", result.entry.fields)) == set(result.entry.fields) - {"signature"}
    assert result.display_name == "Nguyễn V. A."
    assert result.entry.person_key == f"badge:{AN_LISTED.id}"
    assert set(result.entry.fields) == {"name", "signature", "event", "participant", "badge_id", "issued_at",
                                        "expires_at"}
    assert result.entry.fields["event"] == EVENT and result.entry.fields["badge_id"] == "01" * 8


def test_a_bad_meetings_part_is_refused_like_any_other_part():
    document = station_document()
    document["meetings"]["sessions"][0]["end"] = document["meetings"]["sessions"][0]["opens"]
    with pytest.raises(StationConfigError, match="session 12"):
        StationConfig.from_document(document)
    assert not StationConfig.from_document({}).meetings


class Door:
    """A DoorApp whose door thread is the test."""

    def __init__(self, store: Store, clock: Clock, settings_file) -> None:
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.app = DoorApp(door_settings(watch_list=()), store, post=self.inbox.put, settings_file=settings_file,
                           clock=clock, zone=ZONE)
        self.app.station.reconfigure(StationConfig.from_document(station_document()))
        self.events: list = []
        self.app.subscribe(self.events.append)

    def last(self, kind: type):
        return [event for event in self.events if isinstance(event, kind)][-1]


def test_the_guard_adds_a_walk_in_behind_the_pin_who_is_then_recognised_on_exit(store, tmp_path):
    clock = Clock(at(9))
    d = Door(store, clock, tmp_path / "settings.toml")
    d.app.check_text(vnqr_payload(CUONG), Source.CAMERA)
    assert d.last(VerdictShown).result.verdict.outcome is Outcome.WARN
    assert d.last(VerdictShown).look.name == "warn"
    clock.now = at(9, 1)
    d.app.add_walk_in()  # the admin dialog's button, behind the PIN
    assert d.last(WalkInAnswered).added
    added = d.last(VerdictShown).result
    assert added.verdict.outcome is Outcome.ADMIT and codes(added) == ["meeting.walk-in-added"]
    assert added.entry.source is Source.MANUAL and added.entry.direction is Direction.IN
    d.app.add_walk_in()  # only once
    assert not d.last(WalkInAnswered).added
    d.app.toggle_direction()
    clock.now = at(10)
    d.app.check_text(vnqr_payload(CUONG), Source.CAMERA)
    leaving = d.last(VerdictShown).result
    assert leaving.verdict.outcome is Outcome.ADMIT and codes(leaving) == ["meeting.walk-in-added"]
    stored = [(entry.direction, entry.verdict, [r.code for r in entry.reasons])
              for entry in sorted(store.entries(), key=lambda entry: entry.scanned_at)]
    assert stored == [(Direction.IN, Outcome.WARN, ["meeting.not-listed"]),
                      (Direction.IN, Outcome.ADMIT, ["meeting.walk-in-added"]),
                      (Direction.OUT, Outcome.ADMIT, ["meeting.walk-in-added"])]


def test_the_chance_to_add_a_walk_in_ends_after_two_minutes_or_at_the_next_scan(store, tmp_path):
    clock = Clock(at(9))
    d = Door(store, clock, tmp_path / "settings.toml")
    d.app.check_text(vnqr_payload(CUONG), Source.CAMERA)
    clock.now = at(9) + timedelta(minutes=2, seconds=1)
    d.app.add_walk_in()
    assert not d.last(WalkInAnswered).added
    assert d.last(WalkInAnswered).message.startswith("Không có ai để thêm")
    d.app.check_text(cccd_payload(CUONG), Source.CAMERA)  # not on the list again, by his ID card
    d.app.check_text(cccd_payload(BINH), Source.CAMERA)  # the next scan
    d.app.add_walk_in()
    assert not d.last(WalkInAnswered).added
    assert [entry.verdict for entry in store.entries()].count(Outcome.ADMIT) == 1  # BINH; nobody was added
