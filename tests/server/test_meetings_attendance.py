"""The attendance rule (server.meetings.attendance): what each entry at a room door means for the report."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from server.meetings.attendance import (ABSENT, LATE, LEFT_EARLY, PRESENT, WALK_IN, ListedPerson, Scan,
                                        SessionRules, listed_participant, session_attendance)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DOOR, OTHER_DOOR, ELSEWHERE = 1, 2, 9
AN = ListedPerson("a1b2c3d4e5f60718", "Nguyễn Văn An", "Sở Y tế Hà Nội", "Bàn 1",
                  frozenset({"cccd:#" + "a" * 32, "phone:#" + "b" * 32, "badge:#" + "c" * 32}))
BINH = ListedPerson("0f1e2d3c4b5a6978", "Trần Thị Bình", "Bệnh viện Bạch Mai", "Bàn 2",
                    frozenset({"cccd:#" + "d" * 32}))
LISTED = [AN, BINH]


def at(hhmm: str, day: int = 2) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE)


def morning(**changes) -> SessionRules:
    """08:00–10:00, opens 07:30, late after 08:10, leaving before 09:50 is early; doors 1 and 2."""
    rules = dict(name="Phiên toàn thể", room="Hội trường A", start=at("08:00"), end=at("10:00"), opens=at("07:30"),
                 late_after=timedelta(minutes=10), early_leave=timedelta(minutes=10),
                 stations=frozenset({DOOR, OTHER_DOOR}))
    return SessionRules(**{**rules, **changes})


def scan(hhmm: str, direction: str = "in", *, key: str = "cccd:#" + "a" * 32, linked: str | None = None,
         verdict: str = "admit", station: int = DOOR, reasons: tuple = (), name: str = "NGUYEN V** A*") -> Scan:
    return Scan(station, at(hhmm), direction, verdict, key, linked, name, listed_participant(reasons))


def listed_reason(participant: str, session: str = "Phiên toàn thể") -> dict:
    return {"code": "meeting.listed", "params": {"session": session, "session_id": "12", "participant": participant}}


def row_of(rows, participant: str):
    [row] = [row for row in rows if row.participant == participant]
    return row


def test_on_time_and_staying_to_the_end_is_present_with_the_session_minutes() -> None:
    rows, summary = session_attendance(morning(), LISTED, [scan("07:52"), scan("10:05", "out")])
    an = row_of(rows, AN.id)
    assert (an.status, an.minutes, an.first_in, an.last_out) == (PRESENT, 120, at("07:52"), at("10:05"))
    assert (an.name, an.organisation, an.group, an.session) == (AN.name, AN.organisation, AN.group, "Phiên toàn thể")
    assert row_of(rows, BINH.id).status == ABSENT and row_of(rows, BINH.id).minutes == 0
    assert (summary.listed, summary.attended, summary.present, summary.absent) == (2, 1, 1, 1)
    assert summary.arrivals == (at("07:52"),)


def test_arriving_after_the_grace_is_late_and_the_minutes_count_from_the_arrival() -> None:
    rows, summary = session_attendance(morning(), LISTED, [scan("08:25"), scan("09:55", "out")])
    assert (row_of(rows, AN.id).status, row_of(rows, AN.id).minutes) == (LATE, 90)
    assert (summary.late, summary.attended, summary.present) == (1, 1, 0)


def test_arriving_exactly_at_the_grace_is_not_late() -> None:
    rows, _ = session_attendance(morning(), LISTED, [scan("08:10")])
    assert row_of(rows, AN.id).status == PRESENT


def test_leaving_before_the_end_margin_is_leaving_early() -> None:
    rows, summary = session_attendance(morning(), LISTED, [scan("07:58"), scan("09:30", "out")])
    an = row_of(rows, AN.id)
    assert (an.status, an.minutes, an.last_out) == (LEFT_EARLY, 90, at("09:30"))
    assert (summary.left_early, summary.attended) == (1, 1)


def test_late_wins_over_leaving_early() -> None:
    rows, _ = session_attendance(morning(), LISTED, [scan("08:30"), scan("09:00", "out")])
    assert (row_of(rows, AN.id).status, row_of(rows, AN.id).minutes) == (LATE, 30)


def test_coming_back_after_leaving_adds_the_stays_and_is_not_leaving_early() -> None:
    scans = [scan("08:00"), scan("08:40", "out"), scan("09:10", "in", key="badge:#" + "c" * 32), scan("09:56", "out")]
    rows, _ = session_attendance(morning(), LISTED, scans)
    an = row_of(rows, AN.id)
    assert (an.status, an.minutes, an.first_in, an.last_out) == (PRESENT, 40 + 46, at("08:00"), at("09:56"))


def test_an_exit_never_scanned_closes_the_stay_at_the_end() -> None:
    rows, _ = session_attendance(morning(), LISTED, [scan("08:05"), scan("08:30", "out"), scan("08:45")])
    an = row_of(rows, AN.id)
    assert (an.status, an.minutes, an.last_out) == (PRESENT, 25 + 75, None)


def test_an_exit_without_an_entry_and_a_second_entry_while_inside_are_ignored() -> None:
    scans = [scan("07:40", "out"), scan("07:50"), scan("08:20"), scan("09:00", "out"), scan("09:05", "out")]
    rows, _ = session_attendance(morning(), LISTED, scans)
    an = row_of(rows, AN.id)
    assert (an.status, an.minutes, an.first_in, an.last_out) == (LEFT_EARLY, 60, at("07:50"), at("09:00"))


def test_only_an_exit_is_absent() -> None:
    rows, summary = session_attendance(morning(), LISTED, [scan("09:00", "out")])
    assert row_of(rows, AN.id).status == ABSENT and summary.walk_ins == 0


def test_refused_entries_never_count() -> None:
    scans = [scan("07:55", verdict="refuse"), scan("08:30"), scan("09:00", "out", verdict="refuse"),
             scan("08:00", key="cccd:#" + "e" * 32, verdict="refuse", name="LE V** C*")]
    rows, summary = session_attendance(morning(), LISTED, scans)
    assert (row_of(rows, AN.id).status, row_of(rows, AN.id).minutes) == (LATE, 90)
    assert summary.walk_ins == 0 and summary.arrivals == (at("08:30"),)


def test_a_warned_entry_counts() -> None:
    rows, _ = session_attendance(morning(), LISTED, [scan("07:59", verdict="warn")])
    assert row_of(rows, AN.id).status == PRESENT


def test_minutes_round_to_the_nearest_minute() -> None:
    rows, _ = session_attendance(morning(), LISTED, [
        scan("08:00"), Scan(DOOR, at("08:10") + timedelta(seconds=29), "out", "admit", "cccd:#" + "a" * 32),
        scan("08:20", key="cccd:#" + "d" * 32), Scan(DOOR, at("08:30") + timedelta(seconds=30), "out", "admit",
                                                     "cccd:#" + "d" * 32)])
    assert row_of(rows, AN.id).minutes == 10 and row_of(rows, BINH.id).minutes == 11


def test_an_entry_is_matched_by_its_reason_before_its_keys() -> None:
    # The door named Bình (say, the guard typed her phone), whatever keys the entry holds.
    rows, _ = session_attendance(morning(), LISTED, [scan("07:58", key="phone:#" + "f" * 32,
                                                          reasons=(listed_reason(BINH.id),))])
    assert row_of(rows, BINH.id).status == PRESENT and row_of(rows, AN.id).status == ABSENT


def test_an_entry_is_matched_by_any_of_the_participants_tagged_keys() -> None:
    rows, _ = session_attendance(morning(), LISTED, [scan("07:58", key="phone:#" + "b" * 32),
                                                     scan("09:58", "out", key="badge:#" + "c" * 32)])
    assert (row_of(rows, AN.id).status, row_of(rows, AN.id).minutes) == (PRESENT, 118)


def test_an_entry_is_matched_by_its_linked_key() -> None:
    # A national QR code (its own key) that showed Bình's ID number (linked).
    rows, summary = session_attendance(morning(), LISTED, [scan("08:01", key="qid:#" + "9" * 32,
                                                                linked="cccd:#" + "d" * 32)])
    assert row_of(rows, BINH.id).status == PRESENT and summary.walk_ins == 0


def test_an_entry_naming_another_events_participant_is_not_this_events() -> None:
    elsewhere = listed_reason("ffffffffffffffff", session="Tập huấn khác")
    scans = [scan("08:00", key="cccd:#" + "e" * 32, reasons=(elsewhere,)),  # nobody of ours
             scan("08:00", reasons=(elsewhere,))]  # even with An's key: the door counted it for that event
    rows, summary = session_attendance(morning(), LISTED, scans)
    assert row_of(rows, AN.id).status == ABSENT
    assert summary.walk_ins == 0 and summary.arrivals == ()


def test_hostile_reasons_are_ignored_and_the_keys_decide() -> None:
    reasons = ({"code": "meeting.listed", "params": "x"}, {"code": "meeting.listed", "params": {"participant": 7}},
               "meeting.listed", {"code": "meeting.listed"}, {"code": "meeting.listed", "params": {"participant": ""}},
               {"code": "meeting.not-listed", "params": {"participant": BINH.id}})
    assert listed_participant(reasons) is None
    assert listed_participant((*reasons, listed_reason(BINH.id), listed_reason(AN.id))) == BINH.id
    rows, _ = session_attendance(morning(), LISTED, [scan("08:00", reasons=reasons)])
    assert row_of(rows, AN.id).status == PRESENT


def test_a_walk_in_is_one_row_per_person_named_as_the_door_showed_them() -> None:
    stranger, their_qid = "cccd:#" + "e" * 32, "qid:#" + "7" * 32
    not_listed = {"code": "meeting.not-listed", "params": {"session": "Phiên toàn thể", "session_id": "12"}}
    scans = [scan("08:20", key=their_qid, linked=stranger, verdict="warn", reasons=(not_listed,), name="LE V** C*"),
             scan("09:00", "out", key=stranger, name="L* V** C*"),  # the chip card, the same person
             scan("09:10", key="phone:#" + "8" * 32, name="PHAM T** D*"),  # another one, never out
             scan("09:20", "out", key="cccd:#" + "6" * 32, name="HO V** E*")]  # only an exit: not a walk-in
    rows, summary = session_attendance(morning(), LISTED, scans)
    walk_ins = [row for row in rows if row.status == WALK_IN]
    assert [(row.name, row.minutes, row.first_in, row.last_out, row.participant) for row in walk_ins] == [
        ("LE V** C*", 40, at("08:20"), at("09:00"), ""), ("PHAM T** D*", 50, at("09:10"), None, "")]
    assert rows[:2] == tuple(row for row in rows if row.participant)  # listed first, in the order given
    assert (summary.walk_ins, summary.attended, summary.absent) == (2, 0, 2)
    assert summary.arrivals == (at("08:20"), at("09:10"))


def test_entries_outside_the_window_or_at_other_stations_do_not_count() -> None:
    scans = [scan("07:29"), scan("08:00", station=ELSEWHERE),
             scan("07:30", key="cccd:#" + "d" * 32), scan("11:00", "out", key="cccd:#" + "d" * 32)]
    rows, _ = session_attendance(morning(), LISTED, scans)
    assert row_of(rows, AN.id).status == ABSENT
    binh = row_of(rows, BINH.id)  # her exit after end + 60 min is not seen: the stay closes at the end
    assert (binh.status, binh.minutes, binh.first_in, binh.last_out) == (PRESENT, 120, at("07:30"), None)


def test_an_exit_within_an_hour_after_the_end_closes_the_stay() -> None:
    rows, _ = session_attendance(morning(), LISTED, [scan("07:45"), scan("10:59", "out")])
    an = row_of(rows, AN.id)
    assert (an.minutes, an.last_out) == (120, at("10:59"))


def test_an_arrival_after_the_end_is_late_with_no_minutes() -> None:
    rows, summary = session_attendance(morning(), LISTED, [scan("10:15")])
    assert (row_of(rows, AN.id).status, row_of(rows, AN.id).minutes) == (LATE, 0)
    assert summary.attended == 1


def test_two_sessions_back_to_back_on_one_station_split_at_the_next_opening() -> None:
    # 08:00–10:00 then 10:15–11:15 (opens 09:45) at door 1; door 2 has no later session.
    first = morning(next_opens={DOOR: at("09:45")})
    second = morning(name="Thảo luận", start=at("10:15"), end=at("11:15"), opens=at("09:45"),
                     stations=frozenset({DOOR}))
    # An's exit at 09:50 is after the cut at door 1: the first session never sees it (his stay there closes
    # at its end) and the second ignores it (no stay open), then counts him from 09:52.
    scans = [scan("07:55"), scan("09:50", "out"), scan("09:52"), scan("11:20", "out"),
             scan("07:58", key="cccd:#" + "d" * 32), scan("10:30", "out", key="cccd:#" + "d" * 32, station=OTHER_DOOR)]
    first_rows, first_summary = session_attendance(first, LISTED, scans)
    second_rows, second_summary = session_attendance(second, LISTED, scans)
    an_first, an_second = row_of(first_rows, AN.id), row_of(second_rows, AN.id)
    assert (an_first.status, an_first.minutes, an_first.last_out) == (PRESENT, 120, None)
    assert (an_second.status, an_second.minutes, an_second.first_in) == (PRESENT, 60, at("09:52"))
    binh_first = row_of(first_rows, BINH.id)  # her exit at door 2 still belongs to the first session
    assert (binh_first.status, binh_first.minutes, binh_first.last_out) == (PRESENT, 120, at("10:30"))
    assert row_of(second_rows, BINH.id).status == ABSENT
    assert (first_summary.attended, second_summary.attended, second_summary.walk_ins) == (2, 1, 0)


def test_the_summary_adds_up() -> None:
    people = [ListedPerson(f"{n:016x}", f"Người {n}", keys=frozenset({f"cccd:#{n:032x}"})) for n in range(10)]
    scans = [Scan(DOOR, at("07:50"), "in", "admit", f"cccd:#{n:032x}") for n in range(4)]
    scans += [Scan(DOOR, at("08:30"), "in", "admit", f"cccd:#{n:032x}") for n in range(4, 6)]
    scans += [Scan(DOOR, at("09:00"), "out", "admit", f"cccd:#{n:032x}") for n in range(3, 4)]
    scans += [Scan(DOOR, at("08:05"), "in", "admit", "phone:#" + "1" * 32, None, "V* T* G*")]
    _, summary = session_attendance(morning(), people, scans)
    assert (summary.listed, summary.present, summary.late, summary.left_early, summary.absent, summary.walk_ins) == (
        10, 3, 2, 1, 4, 1)
    assert summary.attended == summary.present + summary.late + summary.left_early == 6
    assert len(summary.arrivals) == 7 and list(summary.arrivals) == sorted(summary.arrivals)
    assert (summary.session, summary.room, summary.start, summary.end) == (
        "Phiên toàn thể", "Hội trường A", at("08:00"), at("10:00"))
