"""An event's report read from the database (server.meetings.report_data), on SQLite and PostgreSQL: rows put
straight into the tables as the door, the import and ingest leave them."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from kiosk.meetings.keys import badge_key, id_number_key, phone_key
from server.meetings.attendance import ABSENT, LATE, LEFT_EARLY, PRESENT, WALK_IN
from server.meetings.errors import MeetingError
from server.meetings.report_data import load_report
from server.secret_keys import tag_person
from server.stations import add_station
from server.tables import entries, event_session_stations, event_sessions, events, participants

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = datetime(2026, 12, 1, tzinfo=ZONE)  # 1 December: 06:00 there is still 30 November in UTC


def at(hhmm: str, days: int = 0) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return DAY + timedelta(days=days, hours=hour, minutes=minute)


class Meeting:
    """An event with its sessions, stations, participants and entries, written as the server stores them."""

    def __init__(self, engine: sa.Engine, keys_dir: Path, name: str = "Hội nghị tổng kết năm 2026") -> None:
        self.engine, self.keys_dir = engine, keys_dir
        with engine.begin() as conn:
            self.id = conn.execute(events.insert().values(name=name, created_at=datetime.now(timezone.utc))
                                   .returning(events.c.id)).scalar_one()
        self.stations: dict[str, int] = {}
        self.people: dict[str, tuple[str, list[str]]] = {}  # name -> (participant id, tagged keys)

    def station(self, label: str) -> int:
        record, _ = add_station(self.engine, f"{label} {uuid.uuid4().hex[:6]}", "Trung tâm Hội nghị Quốc gia")
        self.stations[label] = record.id
        return record.id

    def session(self, name: str, start: datetime, end: datetime, *stations: str, room: str = "Hội trường A",
                event: int | None = None) -> int:
        with self.engine.begin() as conn:
            session_id = conn.execute(event_sessions.insert().values(
                event_id=event or self.id, name=name, room=room, starts_at=start.astimezone(timezone.utc),
                ends_at=end.astimezone(timezone.utc)).returning(event_sessions.c.id)).scalar_one()
            conn.execute(event_session_stations.insert(),
                         [{"session_id": session_id, "station_id": self.stations[label]} for label in stations])
        return session_id

    def person(self, name: str, id_number: str = "", phone: str = "", organisation: str = "Sở Y tế Hà Nội",
               group: str = "") -> str:
        pid = secrets.token_hex(8)
        clear = [key for key in (id_number_key(id_number), phone_key(phone), badge_key(pid)) if key]
        tagged = [self.tag(key) for key in clear]
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            conn.execute(participants.insert().values(
                id=pid, event_id=self.id, name=name, organisation=organisation, group_name=group,
                match_key=tagged[0], person_keys=tagged, door={}, source="import", created_at=now, updated_at=now))
        self.people[name] = (pid, tagged)
        return pid

    def tag(self, clear_key: str) -> str:
        return tag_person(clear_key, self.keys_dir)

    def entry(self, station: str, when: datetime, direction: str = "in", *, key: str, linked: str | None = None,
              verdict: str = "admit", reasons: list | None = None, shown: str = "NGUYEN V** A*",
              received: datetime | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(entries.insert().values(
                id=uuid.uuid4(), station_id=self.stations[station], scanned_at=when.astimezone(timezone.utc),
                received_at=received or datetime.now(timezone.utc), location="Trung tâm Hội nghị Quốc gia",
                direction=direction, source="camera", format="vn-qr", person_key=key, display_name=shown,
                verdict=verdict, reasons=reasons or [], linked_key=linked))

    def listed(self, name: str, session: str = "Phiên toàn thể") -> list[dict]:
        return [{"code": "meeting.listed",
                 "params": {"session": session, "session_id": "1", "participant": self.people[name][0]}}]


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def plenary(engine: sa.Engine, keys_dir: Path) -> Meeting:
    """06:00–08:00 (opens 05:30) at two hall doors, then 08:15–09:15 in room B; four participants."""
    meeting = Meeting(engine, keys_dir)
    meeting.station("Cửa A")
    meeting.station("Cửa B")
    meeting.station("Phòng B")
    meeting.session("Phiên toàn thể", at("06:00"), at("08:00"), "Cửa A", "Cửa B")
    meeting.session("Tổ thảo luận 1", at("08:15"), at("09:15"), "Phòng B", room="Phòng B")
    meeting.person("Nguyễn Văn An", id_number="001099012345", group="Bàn 1")
    meeting.person("Trần Thị Bình", phone="0912345678", organisation="Bệnh viện Bạch Mai")
    meeting.person("Lê Văn Cường", id_number="079088001122")
    meeting.person("Phạm Thị Dung", id_number="031190004455")
    return meeting


def rows_of(report, session: str) -> dict[str, tuple]:
    return {row.name: (row.status, row.minutes) for row in report.rows if row.session == session}


def test_the_report_counts_what_the_doors_stored(plenary: Meeting, engine: sa.Engine) -> None:
    an_card, an_qid = plenary.tag("cccd:001099012345"), plenary.tag("qid:162900000000000001")
    binh_phone = plenary.tag("phone:0912345678")
    cuong_badge = plenary.tag(badge_key(plenary.people["Lê Văn Cường"][0]))
    stranger = plenary.tag("cccd:001200009999")
    # An: national QR (linked to his ID number) at 05:50, out by door B at 07:55.
    plenary.entry("Cửa A", at("05:50"), key=an_qid, linked=an_card)
    plenary.entry("Cửa B", at("07:55"), "out", key=an_card)
    # Bình: named by the door (the guard typed her phone), late; Cường: his badge, leaves at 07:00.
    plenary.entry("Cửa A", at("06:20"), key=binh_phone, reasons=plenary.listed("Trần Thị Bình"))
    plenary.entry("Cửa B", at("05:58"), key=cuong_badge)
    plenary.entry("Cửa A", at("07:00"), "out", key=cuong_badge)
    # A stranger the door warned about, a refused scan of Dung, and Dung at the wrong door.
    plenary.entry("Cửa A", at("06:05"), key=stranger, verdict="warn", shown="HOANG V** E*")
    plenary.entry("Cửa A", at("06:01"), key=plenary.people["Phạm Thị Dung"][1][0], verdict="refuse")
    plenary.entry("Phòng B", at("06:01"), key=plenary.people["Phạm Thị Dung"][1][0])
    # Room B: An from 08:10 to the end, never out.
    plenary.entry("Phòng B", at("08:10"), key=an_card)

    report = load_report(engine, plenary.id, zone=ZONE)

    assert report.event == "Hội nghị tổng kết năm 2026" and report.zone == ZONE
    assert rows_of(report, "Phiên toàn thể") == {
        "Nguyễn Văn An": (PRESENT, 115), "Trần Thị Bình": (LATE, 100), "Lê Văn Cường": (LEFT_EARLY, 60),
        "Phạm Thị Dung": (ABSENT, 0), "HOANG V** E*": (WALK_IN, 115)}
    assert rows_of(report, "Tổ thảo luận 1") == {
        "Nguyễn Văn An": (PRESENT, 60), "Trần Thị Bình": (ABSENT, 0), "Lê Văn Cường": (ABSENT, 0),
        "Phạm Thị Dung": (ABSENT, 0)}
    first, second = report.sessions
    assert (first.session, first.room, first.start, first.end) == ("Phiên toàn thể", "Hội trường A", at("06:00"),
                                                                   at("08:00"))
    assert (first.listed, first.attended, first.present, first.late, first.left_early, first.absent,
            first.walk_ins) == (4, 3, 1, 1, 1, 1, 1)
    assert first.arrivals == (at("05:50"), at("05:58"), at("06:05"), at("06:20"))
    assert (second.listed, second.attended, second.walk_ins) == (4, 1, 0)
    an = next(row for row in report.rows if row.name == "Nguyễn Văn An")
    assert an.participant == plenary.people["Nguyễn Văn An"][0] and an.group == "Bàn 1"
    assert an.first_in == at("05:50") and an.last_out == at("07:55") and an.first_in.utcoffset() == timedelta(0)
    assert [row.name for row in report.rows][:4] == ["Lê Văn Cường", "Nguyễn Văn An", "Phạm Thị Dung",
                                                     "Trần Thị Bình"]


def test_entries_an_offline_kiosk_sends_later_are_in_the_next_report(plenary: Meeting, engine: sa.Engine) -> None:
    card = plenary.tag("cccd:079088001122")
    plenary.entry("Cửa A", at("05:55"), key=card)
    before = load_report(engine, plenary.id, "Phiên toàn thể", zone=ZONE)
    assert rows_of(before, "Phiên toàn thể")["Lê Văn Cường"] == (PRESENT, 120)
    assert rows_of(before, "Phiên toàn thể")["Phạm Thị Dung"] == (ABSENT, 0)

    # Door B was offline all morning: its scans arrive in the afternoon, after the first report.
    later = at("14:30")
    plenary.entry("Cửa B", at("06:30"), "out", key=card, received=later)
    plenary.entry("Cửa B", at("05:59"), key=plenary.tag("cccd:031190004455"), received=later)
    plenary.entry("Cửa B", at("06:40"), key=plenary.tag("phone:0987654321"), shown="DO T** G*", received=later)
    after = load_report(engine, plenary.id, "Phiên toàn thể", zone=ZONE)

    assert rows_of(after, "Phiên toàn thể") == {
        "Nguyễn Văn An": (ABSENT, 0), "Trần Thị Bình": (ABSENT, 0), "Lê Văn Cường": (LEFT_EARLY, 30),
        "Phạm Thị Dung": (PRESENT, 120), "DO T** G*": (WALK_IN, 80)}
    [summary] = after.sessions
    assert (summary.attended, summary.left_early, summary.walk_ins) == (2, 1, 1)


def test_the_window_is_opens_to_an_hour_after_the_end_cut_by_the_stations_next_session(
        plenary: Meeting, engine: sa.Engine) -> None:
    an, binh = plenary.tag("cccd:001099012345"), plenary.tag("phone:0912345678")
    cuong, dung = plenary.tag("cccd:079088001122"), plenary.tag("cccd:031190004455")
    plenary.entry("Cửa A", at("05:30"), key=an)  # exactly when it opens: counts
    plenary.entry("Cửa A", at("05:29"), key=binh)  # a minute before: not
    plenary.entry("Cửa A", at("05:31"), key=cuong)
    plenary.entry("Cửa A", at("08:59"), "out", key=cuong)  # an exit within the hour after the end: counts
    plenary.entry("Cửa B", at("05:40"), key=dung)
    # Another event's session at door B from 08:30 (opens 08:00): Dung's exit at 08:20 is no longer ours.
    other = Meeting(engine, plenary.keys_dir, "Tập huấn phòng cháy")
    other.stations = plenary.stations
    other.session("Buổi chiều", at("08:30"), at("10:00"), "Cửa B", event=other.id)
    plenary.entry("Cửa B", at("08:20"), "out", key=dung)

    report = load_report(engine, plenary.id, "phiên toàn thể ", zone=ZONE)  # the name, as typed

    an_row, cuong_row, dung_row = (next(row for row in report.rows if row.name == name)
                                   for name in ("Nguyễn Văn An", "Lê Văn Cường", "Phạm Thị Dung"))
    assert (an_row.status, an_row.first_in) == (PRESENT, at("05:30"))
    assert rows_of(report, "Phiên toàn thể")["Trần Thị Bình"] == (ABSENT, 0)
    assert (cuong_row.minutes, cuong_row.last_out) == (120, at("08:59"))
    assert (dung_row.minutes, dung_row.last_out) == (120, None)
    assert [summary.session for summary in report.sessions] == ["Phiên toàn thể"]



def test_back_to_back_in_one_room_the_next_session_opens_when_this_one_ends(plenary: Meeting,
                                                                           engine: sa.Engine) -> None:
    """A session at door B from 08:10 opens there at 08:00, when the plenary ends, not half an hour ahead
    (kiosk.meetings.plan.opening, as the station itself was told): an exit at 07:50 is the plenary's."""
    dung = plenary.tag("cccd:031190004455")
    plenary.entry("Cửa B", at("05:40"), key=dung)
    plenary.session("Tổ thảo luận", at("08:10"), at("10:00"), "Cửa B")
    plenary.entry("Cửa B", at("07:50"), "out", key=dung)

    report = load_report(engine, plenary.id, zone=ZONE)

    assert rows_of(report, "Phiên toàn thể")["Phạm Thị Dung"] == (PRESENT, 110)
    assert rows_of(report, "Tổ thảo luận")["Phạm Thị Dung"] == (ABSENT, 0)

def test_a_session_across_midnight_utc_reads_both_months(engine: sa.Engine, keys_dir: Path) -> None:
    # 06:00–08:00 on 1 December in Hà Nội is 23:00 on 30 November to 01:00 on 1 December in UTC: on
    # PostgreSQL the entries sit in two monthly partitions.
    meeting = Meeting(engine, keys_dir)
    meeting.station("Cửa A")
    meeting.session("Khai mạc", at("06:00"), at("08:00"), "Cửa A")
    meeting.person("Nguyễn Văn An", id_number="001099012345")
    key = meeting.tag("cccd:001099012345")
    meeting.entry("Cửa A", at("06:55"), key=key)
    meeting.entry("Cửa A", at("07:45"), "out", key=key)

    [row] = load_report(engine, meeting.id, zone=ZONE).rows

    assert at("06:55").astimezone(timezone.utc).month == 11 and at("07:45").astimezone(timezone.utc).month == 12
    assert (row.status, row.minutes, row.first_in, row.last_out) == (LATE, 50, at("06:55"), at("07:45"))


def test_an_event_without_sessions_or_participants_has_an_empty_report(engine: sa.Engine, keys_dir: Path) -> None:
    meeting = Meeting(engine, keys_dir, "Sự kiện chưa có phiên")
    report = load_report(engine, meeting.id, zone=ZONE)
    assert (report.event, report.sessions, report.rows) == ("Sự kiện chưa có phiên", (), ())


def test_an_unknown_event_or_session_is_a_clear_message_in_both_languages(plenary: Meeting,
                                                                          engine: sa.Engine) -> None:
    with pytest.raises(MeetingError) as unknown_event:
        load_report(engine, 987654, zone=ZONE)
    assert unknown_event.value.words.en == "There is no event 987654."
    assert unknown_event.value.text("vi") == "Không có sự kiện số 987654."

    with pytest.raises(MeetingError) as unknown_session:
        load_report(engine, plenary.id, "Bế mạc", zone=ZONE)
    assert unknown_session.value.words.en == (
        'The event has no session named "Bế mạc" (its sessions: Phiên toàn thể, Tổ thảo luận 1).')
    assert "Bế mạc" in unknown_session.value.words.vi and "Tổ thảo luận 1" in unknown_session.value.words.vi


def test_without_a_zone_the_servers_zone_is_used(plenary: Meeting, engine: sa.Engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_SERVER_TIMEZONE", "Asia/Bangkok")
    report = load_report(engine, plenary.id)
    assert report.zone == ZoneInfo("Asia/Bangkok")
    assert abs(report.generated_at - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_the_database_reads_the_doors_reasons_as_the_rule_does(plenary: Meeting, engine: sa.Engine) -> None:
    an, binh, dung = (plenary.people[name][0] for name in ("Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung"))
    hostile = [{"code": "meeting.listed", "params": "x"}, {"code": "meeting.listed", "params": {"participant": 7}},
               "meeting.listed", {"code": "meeting.listed"}, {"code": "meeting.listed", "params": {"participant": ""}},
               {"code": "meeting.not-listed", "params": {"participant": an}}, 12, None]
    listed = [{"code": "meeting.listed", "params": {"session": "Phiên toàn thể", "participant": binh}}]
    stranger = plenary.tag("cccd:001200009999")
    # Dung's card, with only nonsense for reasons: her key decides. An's name only in a reason that does not
    # list him: nobody's. A stranger whose second reason lists Bình: Bình. Another event's participant: nobody.
    plenary.entry("Cửa A", at("05:50"), key=plenary.tag("cccd:031190004455"), reasons=hostile)
    plenary.entry("Cửa A", at("05:51"), key=plenary.tag("phone:0900000001"), reasons=hostile[5:6], shown="A* B*")
    plenary.entry("Cửa A", at("05:52"), key=stranger, reasons=[*hostile, *listed])
    plenary.entry("Cửa A", at("05:53"), key=plenary.tag("cccd:001099012345"), reasons=[
        {"code": "meeting.listed", "params": {"participant": "ffffffffffffffff"}}])

    report = load_report(engine, plenary.id, "Phiên toàn thể", zone=ZONE)

    assert {row.name: row.status for row in report.rows} == {
        "Nguyễn Văn An": ABSENT, "Trần Thị Bình": PRESENT, "Lê Văn Cường": ABSENT, "Phạm Thị Dung": PRESENT,
        "A* B*": WALK_IN}
    assert {row.participant for row in report.rows if row.status == PRESENT} == {binh, dung}


def test_sessions_whose_windows_overlap_each_count_only_their_own_stations_and_hours(
        plenary: Meeting, engine: sa.Engine) -> None:
    an, binh = plenary.tag("cccd:001099012345"), plenary.tag("phone:0912345678")
    cuong = plenary.tag("cccd:079088001122")
    plenary.entry("Phòng B", at("07:00"), key=an)  # before room B opens (07:45), and not a hall door
    plenary.entry("Cửa A", at("08:20"), key=binh)  # in the plenary's window, not at room B's door
    plenary.entry("Phòng B", at("08:10"), key=cuong)  # room B's, while the plenary's window is still open
    plenary.entry("Phòng B", at("09:15"), "out", key=cuong)

    report = load_report(engine, plenary.id, zone=ZONE)

    assert rows_of(report, "Tổ thảo luận 1") == {"Nguyễn Văn An": (ABSENT, 0), "Trần Thị Bình": (ABSENT, 0),
                                                 "Lê Văn Cường": (PRESENT, 60), "Phạm Thị Dung": (ABSENT, 0)}
    assert rows_of(report, "Phiên toàn thể")["Trần Thị Bình"] == (LATE, 0)
    assert rows_of(report, "Phiên toàn thể")["Lê Văn Cường"] == (ABSENT, 0)
    assert [summary.session for summary in report.sessions] == ["Phiên toàn thể", "Tổ thảo luận 1"]
