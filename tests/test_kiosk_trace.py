"""A trace at the kiosk (kiosk.trace_here): real doors scan the project's example codes into a real SQLite
file, and the trace finds who was in the waiting hall with the case, for how long, and records that it was
asked."""

import dataclasses
import sqlite3
from datetime import timedelta, timezone

import pytest

from kiosk.credentials.examples import AN, BINH, CUONG, cccd_payload, vnqr_payload
from kiosk.tracing.masking import mask_person_key
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.store import Store
from kiosk.trace_here import trace_here
from kiosk.tracing.request import CASE_NUMBER_LONGEST
from kiosk.tracing.report import json_lines
from kiosk.tracing.request import TraceProblem
from waiting_hall import HALL, MORNING, VIETNAM, Clock

EVENING = MORNING.replace(hour=20)
# A fourth made-up visitor.
DUNG = dataclasses.replace(CUONG, family_name="Phạm", middle_name="Thị", given_name="Dung",
                           id_number="001195004321", qid="162900000000000004", phone="0977000111")


class Hall:
    """The waiting hall: an entrance and an exit door on one store, and a clock."""

    def __init__(self, store):
        self.store, self.clock = store, Clock()
        settings = dict(location=HALL, dedup_minutes=0)
        self.entrance = Station(Settings(station_name="Cổng vào", **settings), store, clock=self.clock, zone=VIETNAM)
        self.exit = Station(Settings(station_name="Lối ra", direction="out", **settings), store, clock=self.clock,
                            zone=VIETNAM)

    def enter(self, payload, hour, minute=0, day=0):
        self.clock.at(hour, minute, day)
        return self.entrance.check_text(payload)

    def leave(self, payload, hour, minute=0, day=0):
        self.clock.at(hour, minute, day)
        return self.exit.check_text(payload)

    def key(self, person_key):
        """A person key as the store keeps it (kiosk.person_seal): tagged with the station's key."""
        return self.store.seal.tag(person_key)

    def trace(self, person, **asked):
        asked.setdefault("reason", "CA-2026-0117")
        return trace_here(self.store, self.entrance.settings, person, who="admin (window)", now=EVENING, **asked)


@pytest.fixture
def hall(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as store:
        yield Hall(store)


@pytest.fixture
def morning(hall):
    """The case (AN) from 08:00 to 09:00; three visitors come in 5, 12 and 20 minutes before he leaves."""
    hall.enter(vnqr_payload(AN), 8)
    hall.enter(vnqr_payload(DUNG), 8, 40)
    hall.enter(vnqr_payload(CUONG), 8, 48)
    hall.enter(vnqr_payload(BINH), 8, 55)
    hall.leave(vnqr_payload(AN), 9)
    return hall


def utc(moment):
    """As the answer writes a time: ISO 8601, in UTC."""
    return moment.astimezone(timezone.utc).isoformat()


def overlaps(result):
    return {contact.person_key: (contact.minutes, contact.tier.value) for contact in result.contacts.contacts}


def test_three_visitors_overlapping_5_12_and_20_minutes_are_any_10_and_15(morning):
    result = morning.trace(AN.qid)
    [visit] = result.case_visits
    assert (visit.location, visit.start, visit.end, visit.end_reason.value) == (HALL, MORNING, MORNING.replace(hour=9),
                                                                                "exit")
    assert overlaps(result) == {morning.key(f"qid:{BINH.qid}"): (5, "any"),
                                morning.key(f"qid:{CUONG.qid}"): (12, "10"), morning.key(f"qid:{DUNG.qid}"): (20, "15")}
    assert result.contacts.total == 3 and not result.contacts.capped


def test_everyone_still_there_when_the_case_came_is_found_however_long_they_had_stayed(hall):
    """Visits of every length class: since the evening before (20 h), since 04:00 (5.5 h), since 07:50
    (20 min), one that ended a minute before the case came, one that began while he was there."""
    giang = dataclasses.replace(DUNG, given_name="Giang", id_number="001195004322", qid="162900000000000005")
    hall.enter(vnqr_payload(DUNG), 12, day=-1)
    hall.enter(vnqr_payload(giang), 4)
    hall.enter(vnqr_payload(CUONG), 4, 30)
    hall.leave(vnqr_payload(CUONG), 7, 59)
    hall.enter(vnqr_payload(BINH), 7, 50)
    hall.enter(vnqr_payload(AN), 8)
    hall.leave(vnqr_payload(BINH), 8, 10)
    hall.enter(vnqr_payload(CUONG), 8, 20)
    hall.leave(vnqr_payload(DUNG), 8, 30)
    hall.leave(vnqr_payload(AN), 9)
    hall.leave(vnqr_payload(giang), 9, 30)
    found = [(c.person_key, c.start.astimezone(VIETNAM).strftime("%H:%M"), c.minutes)
             for c in hall.trace(AN.qid).contacts.contacts]
    assert found == [(hall.key(f"qid:{giang.qid}"), "08:00", 60), (hall.key(f"qid:{DUNG.qid}"), "08:00", 30),
                     (hall.key(f"qid:{BINH.qid}"), "08:00", 10), (hall.key(f"qid:{CUONG.qid}"), "08:20", 40)]


def test_a_minimum_overlap_leaves_out_the_short_ones(morning):
    assert set(overlaps(morning.trace(AN.qid, min_minutes=10))) == {morning.key(f"qid:{CUONG.qid}"),
                                                                    morning.key(f"qid:{DUNG.qid}")}


def test_padding_traces_the_case_half_an_hour_after_he_left_and_says_so(morning):
    result = morning.trace(AN.qid, padding=True)
    assert overlaps(result)[morning.key(f"qid:{BINH.qid}")] == (35, "15")
    case = next(json_lines(result))["case"]
    assert case["padding"] is True and case["visits"][0]["traced_until"] == utc(MORNING.replace(hour=9, minute=30))


def test_a_visit_that_began_the_day_before_and_is_still_on_is_found(hall):
    # A night guard scans in at 20:00 and out at 10:00: believed, the exit came within a day.
    hall.enter(vnqr_payload(CUONG), 20, day=-1)
    hall.enter(vnqr_payload(AN), 8)
    hall.leave(vnqr_payload(CUONG), 10)
    assert overlaps(hall.trace(AN.qid)) == {hall.key(f"qid:{CUONG.qid}"): (120, "15")}


def test_an_unmasked_national_qr_code_lets_a_trace_by_id_number_find_the_qid_scans(hall):
    hall.enter(vnqr_payload(AN), 8)  # unmasked: names the QID and the ID number
    hall.enter(vnqr_payload(BINH), 8, 30)
    hall.enter(cccd_payload(AN), 8, day=-1)  # the chip card the day before: keyed by ID number
    hall.enter(vnqr_payload(CUONG), 8, 20, day=-1)
    result = hall.trace(AN.id_number)
    assert result.identity.keys == (hall.key(f"cccd:{AN.id_number}"), hall.key(f"qid:{AN.qid}"))
    assert [visit.person_key for visit in result.case_visits] == list(result.identity.keys)
    assert set(overlaps(result)) == {hall.key(f"qid:{BINH.qid}"), hall.key(f"qid:{CUONG.qid}")}
    assert [note.code for note in result.identity.notes] == ["trace.note.linked"]


def test_a_masked_national_qr_code_is_not_linked_and_the_answer_says_so(hall):
    hall.enter(vnqr_payload(BINH, masked=True), 8)
    hall.enter(cccd_payload(BINH), 8, day=-1)
    by_number = hall.trace(BINH.id_number)
    assert [visit.person_key for visit in by_number.case_visits] == [hall.key(f"cccd:{BINH.id_number}")]
    assert [note.code for note in by_number.identity.notes] == ["trace.note.id-without-qid"]
    by_qid = hall.trace(BINH.qid)
    assert [visit.person_key for visit in by_qid.case_visits] == [hall.key(f"qid:{BINH.qid}")]
    assert [note.code for note in by_qid.identity.notes] == ["trace.note.qid-only"]
    assert "QID" in next(json_lines(by_number, "en"))["case"]["notes"][0]


def test_a_person_never_seen_here_is_an_answer_with_no_visits(morning):
    result = morning.trace("079199000001")
    assert result.case_visits == () and result.contacts.total == 0
    assert result.identity.searched == mask_person_key("079199000001")


@pytest.mark.parametrize("asked, code", [
    ({"since": EVENING, "until": MORNING}, "trace.window-reversed"),
    ({"since": EVENING + timedelta(days=1), "until": EVENING + timedelta(days=2)}, "trace.window-in-future"),
    ({"since": MORNING - timedelta(days=60), "until": MORNING - timedelta(days=30)}, "trace.window-before-retention"),
    ({"min_minutes": -1}, "trace.min-minutes-out-of-range"),
    ({"reason": "  "}, "trace.case-number-missing"),
    ({"reason": "CA-1\u202e7"}, "trace.case-number-hidden"),
    ({"reason": "C" * (CASE_NUMBER_LONGEST + 1)}, "trace.case-number-too-long"),
])
def test_a_request_that_cannot_be_answered_says_why_and_is_not_recorded(morning, asked, code):
    with pytest.raises(TraceProblem) as problem:
        morning.trace(AN.qid, **asked)
    assert problem.value.message.code == code
    assert "{" not in problem.value.message.vi and "{" not in problem.value.message.en
    assert morning.store.traces() == []


def test_a_window_reaching_before_the_retention_period_is_cut_to_it(morning):
    result = morning.trace(AN.qid, since=MORNING - timedelta(days=90))
    assert result.window.cut_to_retention and result.window.since == EVENING - timedelta(days=28)
    assert len(result.case_visits) == 1


def test_the_json_lines_have_the_shape_every_trace_prints(morning):
    case, *contacts = json_lines(morning.trace(AN.id_number, min_minutes=10))
    assert set(case) == {"case"} and set(case["case"]) == {
        "searched", "keys", "notes", "from", "to", "window_cut_to_retention", "min_minutes", "padding", "visits",
        "contacts", "capped"}
    assert case["case"]["visits"] == [{"location": HALL, "start": utc(MORNING),
                                       "end": utc(MORNING.replace(hour=9)), "end_reason": "exit",
                                       "minutes": 60}]
    assert (case["case"]["contacts"], case["case"]["min_minutes"]) == (2, 10)
    assert [set(line) for line in contacts] == [{"contact"}] * 2
    assert set(contacts[0]["contact"]) == {"person", "name", "location", "from", "to", "minutes", "tier",
                                           "case_visit_start"}
    assert [(line["contact"]["person"], line["contact"]["minutes"], line["contact"]["tier"]) for line in contacts] == \
        [(mask_person_key(morning.key(f"qid:{DUNG.qid}")), 20, "15"),
         (mask_person_key(morning.key(f"qid:{CUONG.qid}")), 12, "10")]
    assert DUNG.qid not in str(contacts) and "Dung" not in str(contacts)  # masked as the door stored them


def test_each_trace_is_recorded_with_who_why_and_whom_masked(morning):
    morning.trace(AN.id_number, reason=" CA-2026-0117 ")
    morning.trace("079199000001", reason="CA-2026-0118")
    first, second = morning.store.traces()
    assert (first.who, first.reason, first.searched, first.contacts) == \
        ("admin (window)", "CA-2026-0117", mask_person_key(AN.id_number), 3)
    assert (first.at, first.until, first.since) == (EVENING, EVENING, EVENING - timedelta(days=28))
    assert (second.reason, second.contacts) == ("CA-2026-0118", 0)
    stored = sqlite3.connect(morning.store.path).execute("SELECT * FROM traces").fetchall()
    assert AN.id_number not in str(stored) and "079199000001" not in str(stored)
