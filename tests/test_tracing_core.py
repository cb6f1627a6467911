"""The shared tracing core (kiosk.tracing) as a tracer relies on it: how a visit's end is decided, who counts
as a contact and in which tier, which keys a query searches, which windows are refused, and what the answer
shows (masked keys, cells no spreadsheet runs)."""

from __future__ import annotations

import json
import random
from bisect import bisect_left
from datetime import datetime, time, timedelta, timezone
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from bench.trace_data import make_sites, rules_for, synthetic_scans, to_scan
from kiosk.contract import Direction
from kiosk.tracing.identity import keys_for_query, link_of, resolve
from kiosk.tracing.overlap import Candidates, Tier, find_contacts, first_contacts, padded_end
from kiosk.tracing.report import by_case_visit, json_lines, screen_summary, spreadsheet_safe, summary, table, trace
from kiosk.tracing.request import TraceProblem, TraceWindow, checked_min_minutes, checked_window
from kiosk.tracing.visits import MAX_STAY, EndReason, LocationRules, Scan, Visit, build_visits, stay_from_minutes

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
T = datetime(2026, 3, 2, 8, 0, tzinfo=VIETNAM)  # a Monday, 08:00 at the door
RULES = LocationRules(default_stay=timedelta(hours=2), closing_time=time(22))
CASE_ID, CASE_QID = "001099012345", "162900000000001234"


def scan(entry_id: str, minutes: float, location: str = "Hall", *, person: str = "cccd:001099012345",
         direction: Direction = Direction.IN, admitted: bool = True, at: datetime | None = None) -> Scan:
    return Scan(entry_id, person, location, at or T + timedelta(minutes=minutes), direction, admitted)


def out(entry_id: str, minutes: float, location: str = "Hall", **kwargs) -> Scan:
    return scan(entry_id, minutes, location, direction=Direction.OUT, **kwargs)


def visits_of(*scans: Scan, rules: LocationRules = RULES) -> list[tuple[str, datetime, EndReason, str | None]]:
    return [(v.entry_id, v.end, v.end_reason, v.exit_id) for v in build_visits(scans, lambda location: rules)]


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


# --- build_visits: how each visit's end is decided ----------------------------------------------------------

def test_an_exit_at_the_same_location_ends_the_visit():
    assert visits_of(scan("in", 0), out("out", 45)) == [("in", at(45), EndReason.EXIT, "out")]


def test_an_exit_after_the_default_stay_is_believed():
    assert visits_of(scan("in", 0), out("out", 5 * 60)) == [("in", at(300), EndReason.EXIT, "out")]


def test_an_exit_after_the_closing_time_is_not_believed():
    late = T.replace(hour=21)
    found = visits_of(scan("in", 0, at=late), out("out", 0, at=late + timedelta(minutes=90)))
    assert found == [("in", late.replace(hour=22), EndReason.CLOSING_TIME, None)]


def test_an_exit_after_an_operator_closed_the_location_is_not_believed():
    rules = LocationRules(default_stay=timedelta(hours=4), closures=(at(60),))
    assert visits_of(scan("in", 0), out("out", 90), rules=rules) == [("in", at(60), EndReason.OPERATOR, None)]


def test_an_exit_is_not_believed_past_a_day():
    rules = LocationRules(default_stay=timedelta(hours=1))
    found = visits_of(scan("in", 0), out("out", 25 * 60), rules=rules)
    assert found == [("in", at(60), EndReason.DEFAULT_STAY, None)]


@pytest.mark.parametrize("following", [
    scan("next", 30, "Clinic"),
    scan("next", 30, "Clinic", admitted=False),  # any verdict: they were at the other door
    out("next", 30, "Clinic"),
])
def test_the_next_scan_elsewhere_ends_the_visit(following):
    assert visits_of(scan("in", 0), following)[0] == ("in", at(30), EndReason.NEXT_SCAN, None)


def test_a_next_scan_after_the_default_stay_does_not_stretch_the_visit():
    assert visits_of(scan("in", 0), scan("next", 3 * 60, "Clinic"))[0] == ("in", at(120), EndReason.DEFAULT_STAY,
                                                                          None)


def test_entering_again_at_the_same_door_ends_the_first_visit_and_opens_another():
    assert visits_of(scan("in", 0), scan("again", 40)) == [
        ("in", at(40), EndReason.NEXT_SCAN, None), ("again", at(160), EndReason.DEFAULT_STAY, None)]


def test_without_an_exit_the_visit_lasts_the_default_stay():
    assert visits_of(scan("in", 0)) == [("in", at(120), EndReason.DEFAULT_STAY, None)]
    rules = LocationRules(default_stay=stay_from_minutes(50))
    assert visits_of(scan("in", 0), rules=rules) == [("in", at(45), EndReason.DEFAULT_STAY, None)]


def test_the_closing_time_is_22_00_local_whatever_zone_the_scan_time_is_in():
    arrived = T.replace(hour=21, minute=10).astimezone(timezone.utc)  # 14:10 UTC
    (_, end, reason, _), = visits_of(scan("in", 0, at=arrived))
    assert reason is EndReason.CLOSING_TIME
    assert end == T.replace(hour=22) and end.astimezone(timezone.utc).hour == 15


def test_a_visit_that_starts_after_closing_is_not_closed_before_its_stay():
    arrived = T.replace(hour=22, minute=30)
    assert visits_of(scan("in", 0, at=arrived)) == [("in", arrived + timedelta(hours=2), EndReason.DEFAULT_STAY,
                                                     None)]


def test_an_operator_closure_ends_open_visits_but_not_later_ones():
    rules = LocationRules(closures=(at(30),))
    assert visits_of(scan("before", 0), rules=rules) == [("before", at(30), EndReason.OPERATOR, None)]
    assert visits_of(scan("after", 40), rules=rules) == [("after", at(160), EndReason.DEFAULT_STAY, None)]


def test_refused_and_exit_scans_open_no_visit():
    assert visits_of(scan("refused", 0, admitted=False)) == []
    assert visits_of(out("exit without entry", 0)) == []
    assert visits_of(out("exit", 0), scan("refused", 10, admitted=False), out("exit again", 20)) == []


def test_scans_without_a_person_key_are_ignored():
    assert visits_of(scan("nobody", 0, person="")) == []
    # nor do they end someone's visit: they are no one's next scan
    assert visits_of(scan("in", 0), scan("nobody", 10, "Clinic", person="")) == [
        ("in", at(120), EndReason.DEFAULT_STAY, None)]


def test_scans_in_any_order_give_the_same_visits():
    sites = make_sites(4, seed=3)
    scans = [to_scan(row) for row in synthetic_scans(sites, people=150, days=3, start=T, seed=3)]
    shuffled = random.Random(3).sample(scans, len(scans))
    rules = rules_for(sites)
    in_order = build_visits(scans, rules)
    assert build_visits(shuffled, rules) == in_order
    assert len({visit.end_reason for visit in in_order}) >= 4


# --- stay_from_minutes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("minutes, stay", [(15, 15), (50, 45), (53, 60), (120, 120), (0, 15), (7, 15), (-30, 15),
                                           (24 * 60, 24 * 60), (10_000, 24 * 60)])
def test_a_default_stay_is_rounded_to_15_minutes_and_kept_between_15_minutes_and_a_day(minutes, stay):
    assert stay_from_minutes(minutes) == timedelta(minutes=stay)


def candidates_from(visits: Iterable[Visit]) -> Candidates:
    """A `Candidates` function over visits held in memory, as a store streams them."""
    by_location: dict[str, list[Visit]] = {}
    for visit in sorted(visits, key=lambda v: v.start):
        by_location.setdefault(visit.location, []).append(visit)
    starts = {location: [v.start for v in found] for location, found in by_location.items()}

    def candidates(case: Visit, traced_until: datetime) -> Iterator[Visit]:
        here, at = by_location.get(case.location, []), starts.get(case.location, [])
        earliest, first = bisect_left(at, case.start - MAX_STAY), bisect_left(at, case.start)
        yield from (other for other in here[earliest:first] if other.end > case.start)
        for other in here[first:]:
            if other.start >= traced_until:
                return
            yield other
    return candidates


# --- find_contacts -------------------------------------------------------------------------------------------

def visit(person: str, start: float, end: float, location: str = "Hall", entry: str | None = None) -> Visit:
    return Visit(entry or f"{person}@{start}", person, location, at(start), at(end), EndReason.DEFAULT_STAY,
                 display_name=f"{person.upper()} V. A.")


CASE = visit("case", 0, 120)


@pytest.mark.parametrize("overlap_seconds, tier", [(599, Tier.ANY), (600, Tier.TEN), (899, Tier.TEN),
                                                   (900, Tier.FIFTEEN)])
def test_the_tier_says_how_long_they_were_together(overlap_seconds, tier):
    other = visit("other", 120 - overlap_seconds / 60, 200)
    (contact,) = find_contacts([CASE], [other], case_keys={"case"}).contacts
    assert (contact.start, contact.end, contact.tier) == (other.start, CASE.end, tier)


def test_a_minimum_overlap_leaves_out_shorter_ones():
    others = [visit("a", 120 - 9.99, 200), visit("b", 110, 200), visit("c", 105, 200)]
    assert [c.person_key for c in find_contacts([CASE], others, case_keys={"case"}, min_minutes=10).contacts] == [
        "c", "b"]
    assert [c.person_key for c in find_contacts([CASE], others, case_keys={"case"}, min_minutes=15).contacts] == [
        "c"]


def test_padding_traces_the_case_until_min_stay_30_minutes_after_leaving():
    short = visit("case", 0, 20, "Clinic")
    came_after = [visit("a", 30, 60, "Clinic"), visit("b", 130, 200)]
    assert padded_end(short, True) == at(40) and padded_end(CASE, True) == at(150)
    assert padded_end(CASE, False) == CASE.end
    assert find_contacts([short, CASE], came_after, case_keys={"case"}).contacts == ()
    found = find_contacts([short, CASE], came_after, case_keys={"case"}, padding=True).contacts
    assert [(c.person_key, c.start, c.end) for c in found] == [("a", at(30), at(40)), ("b", at(130), at(150))]


def test_the_case_under_another_of_its_keys_and_people_elsewhere_are_no_contacts():
    others = [visit("qid:case", 0, 60), visit("elsewhere", 0, 60, "Clinic"), visit("touching", 120, 180),
              visit("neighbour", 30, 60)]
    found = find_contacts([CASE], others, case_keys={"case", "qid:case"}).contacts
    assert [c.person_key for c in found] == ["neighbour"]


# Whole quarter hours on two days at two halls, by five people: many ties, shared starts and visits of the
# case that overlap each other (the case has two keys), as a linked identity or padding gives.
_random_visits = st.lists(st.tuples(st.sampled_from(["case", "qid:case", "p1", "p2", "p3"]),
                                    st.sampled_from(["Hall", "Lab"]), st.integers(0, 4 * 48),
                                    st.integers(1, 4 * 24)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_random_visits, st.sampled_from([0, 10, 15]), st.booleans(), st.integers(0, 12))
def test_reading_contacts_in_time_order_up_to_the_cap_gives_what_comparing_every_pair_gives(
        rows, min_minutes, padding, cap):
    visits = [Visit(f"v{number}", person, location, at(15 * start), at(15 * (start + length)),
                    EndReason.DEFAULT_STAY, display_name=person.upper())
              for number, (person, location, start, length) in enumerate(rows)]
    keys = {"case", "qid:case"}
    case = sorted((v for v in visits if v.person_key in keys), key=lambda v: (v.start, v.entry_id))
    every = find_contacts(case, visits, case_keys=keys, min_minutes=min_minutes, padding=padding, cap=cap)
    first = first_contacts(case, candidates_from(visits), case_keys=keys, min_minutes=min_minutes,
                           padding=padding, cap=cap)
    assert first.contacts == every.contacts and first.capped == every.capped
    assert first.total == (every.total if not every.capped else cap + 1)


def test_a_capped_list_stops_reading_the_candidates_once_it_is_full():
    case = Visit("case-visit", "case", "Hall", at(0), at(60), EndReason.EXIT)
    read = []

    def candidates(visit, traced_until):
        for minute in range(60):
            read.append(minute)
            yield Visit(f"o{minute}", f"p{minute}", "Hall", at(minute), at(minute + 30), EndReason.EXIT)
    found = first_contacts([case], candidates, case_keys={"case"}, cap=3)
    assert ([c.person_key for c in found.contacts], found.total, found.capped) == (["p0", "p1", "p2"], 4, True)
    assert len(read) < 10


def test_a_capped_contact_list_says_it_is_capped_and_how_many_there_were():
    others = [visit(f"p{n}", n, 200) for n in range(5)]
    capped = find_contacts([CASE], others, case_keys={"case"}, cap=3)
    assert (capped.total, capped.capped, [c.person_key for c in capped.contacts]) == (5, True, ["p0", "p1", "p2"])
    whole = find_contacts([CASE], others, case_keys={"case"}, cap=5)
    assert (whole.total, whole.capped, len(whole.contacts)) == (5, False, 5)


# --- identity ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, key", [
    ("001099012345", "cccd:001099012345"),
    (" 001099012345 ", "cccd:001099012345"),
    ("123456789", "id:123456789"),
    (CASE_QID, f"qid:{CASE_QID}"),
    (f"qid:{CASE_QID}", f"qid:{CASE_QID}"),
    ("cccd:001099012345", "cccd:001099012345"),
    ("phone:0912345678", "phone:0912345678"),
    ("CCCD:001099012345", "cccd:001099012345"),  # a kind typed in capitals
    ("1234567890", "bhyt:1234567890"),
    ("HS4010123456789", "bhyt:0123456789"),  # a card code keys its holder as the card does
    ("hs4010123456789", "bhyt:0123456789"),
    ("dcc:0a1b2c3d4e5f6a7b", "dcc:0a1b2c3d4e5f6a7b"),
])
def test_a_query_names_the_key_the_doors_stored(text, key):
    assert keys_for_query(text) == (key,)


@pytest.mark.parametrize("text", [
    "", "   ", "Nguyễn Văn An", "1' OR '1'='1", "cccd:1 OR 1=1", "qid:1; DROP TABLE visits;--", "12345",
    "001099012345\u200b", "\u202e001099012345", "0010990\u00ad12345", "x" * 10_000, "1" * 10_000,
])
def test_a_query_that_names_no_person_gets_a_short_clear_answer_that_does_not_repeat_the_number(text):
    with pytest.raises(TraceProblem) as raised:
        keys_for_query(text)
    sentence = raised.value.message.en
    assert raised.value.message.code == "trace.person-not-recognised"
    assert len(sentence) < 300 and "001099012345" not in sentence and "0990" not in sentence


def test_an_invisible_character_in_a_query_is_named():
    with pytest.raises(TraceProblem) as raised:
        keys_for_query("001099012345\u200b")
    assert "<U+200B>" in raised.value.message.en and "\u200b" not in raised.value.message.en


def test_a_ten_digit_number_starting_with_0_is_not_guessed_to_be_a_phone_or_an_insurance_number():
    # Phones and the social-insurance numbers of provinces 01-09 look alike: two different people.
    with pytest.raises(TraceProblem) as raised:
        keys_for_query("0912345678")
    assert raised.value.message.code == "trace.phone-or-insurance"
    assert "phone:" in raised.value.message.en and "bhyt:" in raised.value.message.en


def test_an_unknown_key_kind_lists_the_kinds():
    with pytest.raises(TraceProblem) as raised:
        keys_for_query("passport:C1234567")
    assert raised.value.message.code == "trace.unknown-key-kind" and "cccd" in raised.value.message.en


@pytest.mark.parametrize("number, key", [("001099012345", "cccd:001099012345"), ("123456789", "id:123456789")])
def test_an_unmasked_national_qr_links_its_qid_to_its_id_number(number, key):
    fields = {"id_number": number, "id_number_masked": False}
    assert link_of("vn-qr", f"qid:{CASE_QID}", fields) == (f"qid:{CASE_QID}", key)


@pytest.mark.parametrize("format, fields", [
    ("vn-qr", {"id_number": "******012345", "id_number_masked": True}),  # the apps' default view
    ("vn-qr", {"id_number": "C1234567", "id_number_masked": False}),  # a passport number
    ("cccd", {"id_number": "001099012345"}),
    ("hd1", {"id_number": "001099012345"}),
])
def test_only_an_unmasked_national_qr_gives_a_link(format, fields):
    assert link_of(format, f"qid:{CASE_QID}", fields) is None


def test_linked_keys_are_searched_together_from_either_side():
    links = [(f"qid:{CASE_QID}", f"cccd:{CASE_ID}")]
    by_qid, by_id = resolve(CASE_QID, links), resolve(CASE_ID, links)
    assert by_qid.keys == (f"qid:{CASE_QID}", f"cccd:{CASE_ID}")
    assert by_id.keys == (f"cccd:{CASE_ID}", f"qid:{CASE_QID}")
    assert any(note.code == "trace.note.linked" for note in by_qid.notes)
    assert CASE_ID not in by_qid.searched + by_id.searched


def test_a_qid_seen_with_two_id_numbers_is_linked_to_neither_and_the_answer_says_so():
    links = [(f"qid:{CASE_QID}", f"cccd:{CASE_ID}"), (f"qid:{CASE_QID}", "cccd:079188000111")]
    for query in (CASE_QID, CASE_ID, "079188000111"):
        identity = resolve(query, links)
        assert len(identity.keys) == 1, query
        assert "trace.note.link-contested" in {note.code for note in identity.notes}, query


def test_an_id_number_seen_with_two_qids_is_linked_to_neither():
    links = [(f"qid:{CASE_QID}", f"cccd:{CASE_ID}"), ("qid:162900000000009999", f"cccd:{CASE_ID}")]
    assert resolve(CASE_QID, links).keys == (f"qid:{CASE_QID}",)
    assert resolve(CASE_ID, links).keys == (f"cccd:{CASE_ID}",)


def test_a_masked_national_qr_links_nothing():
    fields = {"id_number": "******012345", "id_number_masked": True}
    links = [link for link in [link_of("vn-qr", f"qid:{CASE_QID}", fields)] if link]
    assert resolve(CASE_QID, links).keys == (f"qid:{CASE_QID}",)
    assert "trace.note.qid-only" in {note.code for note in resolve(CASE_QID, links).notes}


# --- request -------------------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=VIETNAM)


def problem(since: datetime | None, until: datetime | None) -> str:
    with pytest.raises(TraceProblem) as raised:
        checked_window(since, until, NOW, 28)
    return raised.value.message.code


def test_the_default_window_is_the_retention_period():
    assert checked_window(None, None, NOW, 28) == TraceWindow(NOW - timedelta(days=28), NOW)


def test_a_window_that_ends_before_it_starts_is_refused():
    assert problem(NOW - timedelta(days=1), NOW - timedelta(days=2)) == "trace.window-reversed"
    assert problem(NOW - timedelta(days=1), NOW - timedelta(days=1)) == "trace.window-reversed"


def test_a_window_in_the_future_is_refused():
    assert problem(NOW + timedelta(hours=1), NOW + timedelta(days=1)) == "trace.window-in-future"
    # Only a start given, in the future: the tracer is told it is in the future, not that it ends before it starts.
    assert problem(NOW + timedelta(hours=1), None) == "trace.window-in-future"


def test_a_window_before_anything_kept_is_refused():
    assert problem(NOW - timedelta(days=60), NOW - timedelta(days=29)) == "trace.window-before-retention"
    assert problem(None, NOW - timedelta(days=29)) == "trace.window-before-retention"


def test_a_window_reaching_before_the_retention_period_is_cut_to_it():
    window = checked_window(NOW - timedelta(days=40), NOW - timedelta(days=1), NOW, 28)
    assert window == TraceWindow(NOW - timedelta(days=28), NOW - timedelta(days=1), cut_to_retention=True)


@pytest.mark.parametrize("value", [-1, -0.5, 24 * 60 + 1, float("nan"), float("inf")])
def test_a_minimum_overlap_out_of_range_is_refused(value):
    with pytest.raises(TraceProblem) as raised:
        checked_min_minutes(value)
    assert raised.value.message.code == "trace.min-minutes-out-of-range"


@pytest.mark.parametrize("value", [0, 10, 15, 24 * 60])
def test_a_minimum_overlap_in_range_is_kept(value):
    assert checked_min_minutes(value) == value


# --- report --------------------------------------------------------------------------------------------------

def answer(*, cap: int = 2000, padding: bool = False, location: str = "Hall", name: str = "Trần T. B."):
    case_key, other = f"qid:{CASE_QID}", "cccd:079188000111"
    links = [(case_key, f"cccd:{CASE_ID}")]
    own = [Visit("c1", case_key, location, at(0), at(60), EndReason.EXIT, "c1-out"),
           Visit("c2", f"cccd:{CASE_ID}", location, at(24 * 60), at(24 * 60 + 30), EndReason.DEFAULT_STAY)]
    others = [Visit("o1", other, location, at(30), at(90), EndReason.DEFAULT_STAY, display_name=name),
              Visit("o2", "bhyt:0123456789", location, at(24 * 60 + 5), at(24 * 60 + 20), EndReason.NEXT_SCAN)]
    window = checked_window(T - timedelta(days=1), T + timedelta(days=2), T + timedelta(days=3), 28)
    return trace(resolve(CASE_QID, links), window, own, others, min_minutes=0, padding=padding, cap=cap)


def test_each_case_visit_heads_the_contacts_that_overlapped_it():
    rows = by_case_visit(answer())
    assert [(visit.entry_id, contact and contact.person_key) for visit, contact in rows] == [
        ("c1", None), ("c1", "cccd:079188000111"), ("c2", None), ("c2", "bhyt:0123456789")]


def test_a_screen_summary_adds_the_counts_and_the_hall_and_says_when_the_contacts_were_capped():
    def shown(moment):
        return f"{moment:%H:%M}"

    full, capped = answer(), answer(cap=1)
    assert screen_summary(full, "en", shown)[:-1] == summary(full, "en", shown)
    counts = screen_summary(full, "en", shown)[-1]
    assert "Contacts: 2" in counts and counts.endswith(": Hall")
    assert len(screen_summary(capped, "en", shown)) == len(summary(capped, "en", shown)) + 2


def test_json_lines_give_the_case_first_then_each_contact_with_masked_keys():
    lines = list(json_lines(answer()))
    assert [list(line) for line in lines] == [["case"], ["contact"], ["contact"]]
    case = lines[0]["case"]
    assert {"searched", "keys", "notes", "from", "to", "min_minutes", "padding", "visits", "contacts",
            "capped"} <= set(case)
    assert case["keys"] == ["qid:••••••••••••••1234", "cccd:••••••••2345"]
    assert (case["contacts"], case["capped"], case["padding"]) == (2, False, False)
    assert [v["end_reason"] for v in case["visits"]] == ["exit", "default_stay"]
    assert datetime.fromisoformat(case["visits"][0]["start"]) == at(0)
    first = lines[1]["contact"]
    assert first == {"person": "cccd:••••••••0111", "name": "Trần T. B.", "location": "Hall",
                     "from": at(30).isoformat(timespec="seconds"), "to": at(60).isoformat(timespec="seconds"),
                     "minutes": 30, "tier": "15", "case_visit_start": at(0).isoformat(timespec="seconds")}
    assert first["from"].endswith("+07:00")
    written = json.dumps(lines, ensure_ascii=False)
    for number in (CASE_QID, CASE_ID, "079188000111", "0123456789"):
        assert number not in written


def test_json_lines_say_when_the_list_is_capped_and_when_padding_is_on():
    case = next(json_lines(answer(cap=1, padding=True)))["case"]
    assert (case["contacts"], case["capped"], case["padding"]) == (2, True, True)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_could_run_gets_a_leading_apostrophe(start):
    formula = f'{start}HYPERLINK("http://example.invalid")'
    assert spreadsheet_safe(formula) == f"'{formula}"


@pytest.mark.parametrize("text", ["Hall", "Nguyễn V. A.", "a=b", "2026-03-02T08:00:00+07:00", ""])
def test_an_ordinary_cell_is_left_as_it_is(text):
    assert spreadsheet_safe(text) == text


def test_table_rows_escape_every_cell_that_could_run():
    header, rows = table(answer(location="=cmd|' /C calc'!A0", name="@SUM(1+1)*cmd"))
    assert header[:4] == ["kind", "person", "name", "location"]
    assert [row[0] for row in rows] == ["case", "case", "contact", "contact"]
    assert all(row[3] == "'=cmd|' /C calc'!A0" for row in rows)
    assert rows[2][2] == "'@SUM(1+1)*cmd"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_a_guard_with_hundreds_of_visits_is_matched_visit_by_visit_as_a_pair_by_pair_check_would():
    # 400 short visits of a guard at one gate, and 2,000 visitors: every overlap found, none invented.
    guard = [visit("cccd:001090000001", n * 120, n * 120 + 50, "Gate") for n in range(400)]
    others = [visit(f"qid:{n:018d}", n * 17, n * 17 + 40, "Gate") for n in range(2000)]
    expected = sorted((o.entry_id, g.entry_id) for o in others for g in guard
                      if max(o.start, g.start) < min(o.end, g.end))
    found = find_contacts(guard, others, case_keys={"cccd:001090000001"}, cap=10_000)
    assert sorted((c.entry_id, c.case_entry_id) for c in found.contacts) == expected
    assert found.total == len(expected) > 1000 and not found.capped
