"""A room door as it runs: the station config stored as sync stores what the server sends (built with the
shared core, tests/meeting_config.py), a real SQLite store, the door app with its own clock. Entries carry
the reasons the server's report needs; counts are the session's; the screen follows the plan by the clock
alone; walk-ins survive a restart; a badge is read from the pixels of its printed QR."""

from __future__ import annotations

import json
import queue
from datetime import timedelta

import cv2
import numpy as np
import pytest
import qrcode

from kiosk.cli import main
from kiosk.credentials.examples import AN, BINH, CUONG, cccd_payload, vnqr_payload
from kiosk.decoding import Decoder
from kiosk.door_app import CountsChanged, DoorApp, StatusLine, VerdictShown, ViewChanged
from kiosk.entry import Direction, Source, utc_now
from kiosk.settings import Settings, database_path
from kiosk.station import Station
from kiosk.station_config import META_SERVER_CONFIG, load_station_config
from kiosk.store import Store
from kiosk.verdict import Outcome
from kiosk.walk_ins import META_WALK_INS
from tests.factories import uploaded
from tests.meeting_config import AN_LISTED, BINH_LISTED, ZONE, Clock, at, badge, station_document
from tests.ui.kiosk_fixtures import door_settings


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        opened.set_meta(META_SERVER_CONFIG, json.dumps(station_document()))
        yield opened


class Door:
    """The door app with its door thread played by the test, on the stored station config."""

    def __init__(self, store: Store, clock: Clock, tmp_path) -> None:
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.app = DoorApp(door_settings(watch_list=()), store, post=self.inbox.put,
                           settings_file=tmp_path / "settings.toml", clock=clock, zone=ZONE)
        self.events: list = []
        self.app.subscribe(self.events.append)
        self.app.start()

    def last(self, kind: type):
        return [event for event in self.events if isinstance(event, kind)][-1]

    def scan(self, text: str, source: Source = Source.CAMERA):
        self.app.check_text(text, source)
        return self.last(VerdictShown).result


@pytest.fixture
def door(store, tmp_path):
    made = []

    def make(clock: Clock) -> Door:
        made.append(Door(store, clock, tmp_path))
        return made[-1]

    yield make
    for each in made:
        each.app.close()


def test_entries_name_the_participant_by_their_random_id_and_the_session_for_the_report(store, door):
    clock = Clock(at(8, 40))
    d = door(clock)
    d.scan(cccd_payload(AN))
    clock.now = at(8, 41)
    d.scan(vnqr_payload(CUONG))
    listed, stranger = (uploaded(store, entry) for entry in sorted(store.entries(), key=lambda e: e.scanned_at))
    assert listed.to_json()["reasons"][0] == {"code": "meeting.listed", "params": {
        "participant": AN_LISTED.id, "session": "Phiên toàn thể", "session_id": "12"}}
    assert listed.person_key == f"cccd:{AN.id_number}" and listed.verdict is Outcome.ADMIT
    assert stranger.to_json()["reasons"][0] == {"code": "meeting.not-listed", "params": {
        "session": "Phiên toàn thể", "session_id": "12"}}
    assert stranger.verdict is Outcome.WARN
    # Nothing personal in what a reason says: the participant id is random, the names are masked.
    stored = json.dumps([entry.to_json()["reasons"] for entry in store.entries()], ensure_ascii=False)
    assert "Nguyễn" not in stored and AN.id_number not in stored and "Sở Y tế" not in stored


def test_counts_are_the_open_sessions_inside_and_arrived_labelled_as_the_sessions(store, door):
    clock = Clock(at(7, 50))
    d = door(clock)
    d.scan(cccd_payload(BINH))  # before the plenary opens: not counted in it
    clock.now = at(8, 40)
    d.scan(cccd_payload(AN))
    d.scan(badge(BINH_LISTED))
    d.app.toggle_direction()
    clock.now = at(10)
    d.scan(cccd_payload(AN))
    d.app.refresh()
    counts = d.last(CountsChanged).counts
    assert (counts.inside, counts.today, counts.session.name) == (1, 2, "Phiên toàn thể")
    status = d.last(ViewChanged).status
    assert (status.inside, status.today) == ("Trong phòng: 1", "Đã đến: 2")
    assert status.meeting == "Phiên toàn thể — Hội trường A · 08:30–11:30"
    clock.now = at(13, 10)  # the afternoon session counts from its own opening
    d.app.tick()
    counts = d.last(CountsChanged).counts
    assert (counts.inside, counts.today, counts.session.name) == (0, 0, "Phiên chiều")


def test_the_screen_follows_the_sessions_by_the_clock_alone(store, door):
    clock = Clock(at(7, 30))
    d = door(clock)
    assert d.last(ViewChanged).view.meeting == "Chưa mở: Phiên toàn thể mở lúc 08:00"
    clock.now = at(8)
    d.app.tick()  # no scan: the driver's tick (every frame headless, every reset and refresh in the window)
    assert d.last(ViewChanged).view.meeting == "Phiên toàn thể — Hội trường A · 08:30–11:30"
    assert d.last(ViewChanged).status.meeting == "Phiên toàn thể — Hội trường A · 08:30–11:30"
    clock.now = at(11, 30)
    d.app.tick()
    assert d.last(ViewChanged).view.meeting == "Chưa mở: Phiên chiều mở lúc 13:00"
    assert d.last(ViewChanged).status.inside == "Đang ở trong: 0"  # between sessions: the day's counts
    clock.now = at(17)
    d.app.tick()
    assert d.last(ViewChanged).view.meeting == "Đã kết thúc: Phiên chiều (lúc 16:30)"
    clock.now = at(17) + timedelta(days=1)
    d.app.tick()
    assert d.last(ViewChanged).view.meeting == "" and d.last(ViewChanged).status.meeting == ""
    d.app.set_language("en")
    clock.now = at(9)
    d.app.tick()
    assert d.last(ViewChanged).status.today == "Arrived: 0"


def test_the_verdict_shows_organisation_and_seat_and_says_not_on_the_list_in_words(store, door):
    d = door(Clock(at(9)))
    d.scan(cccd_payload(AN))
    view = d.last(ViewChanged).view
    assert (view.word, view.name, view.details) == ("MỜI VÀO", "Nguyễn V. A.", "Sở Y tế Hà Nội · Bàn 4 · Ghế 12")
    assert view.reason == "Có trong danh sách — Phiên toàn thể"
    d.scan(cccd_payload(CUONG))
    view = d.last(ViewChanged).view
    assert (view.look.name, view.word, view.details) == ("warn", "KHÔNG CÓ TÊN", "")
    assert view.reason == "Không có trong danh sách đại biểu của Phiên toàn thể"


def test_walk_ins_are_kept_as_tags_and_survive_a_restart(store, door, tmp_path):
    clock = Clock(at(9))
    d = door(clock)
    d.scan(vnqr_payload(CUONG))
    d.app.add_walk_in()
    kept = store.get_meta(META_WALK_INS)
    assert CUONG.qid not in kept and CUONG.id_number not in kept and "#" in kept
    d.app.close()
    restarted = Station(door_settings(watch_list=(), direction="out"), store, clock=lambda: at(10), zone=ZONE,
                        config=load_station_config(store))
    leaving = restarted.check_text(vnqr_payload(CUONG))
    assert [reason.code for reason in leaving.verdict.reasons] == ["meeting.walk-in-added"]
    assert leaving.entry.direction is Direction.OUT


def qr_picture(text: str) -> np.ndarray:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
    code.add_data(text)
    picture = np.array(code.make_image().convert("L"))
    canvas = np.full((720, 1280), 210, np.uint8)
    canvas[60:60 + picture.shape[0], 300:300 + picture.shape[1]] = picture
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)


def test_a_printed_badge_read_from_its_pixels_admits_its_participant(store, door):
    [read] = Decoder().decode(qr_picture(badge(BINH_LISTED)))
    result = door(Clock(at(9))).scan(read.text)
    assert result.verdict.outcome is Outcome.ADMIT and result.participant == BINH_LISTED.card()
    assert result.entry.format == "badge"


def test_the_headless_status_line_names_the_session_never_a_person(store, door):
    lines: list[str] = []
    clock = Clock(at(9))
    d = door(clock)
    status = StatusLine(lines.append, every_seconds=600, monotonic=lambda: 0.0)
    d.app.subscribe(status)
    d.scan(cccd_payload(AN))
    clock.now = at(12)
    d.app.tick()
    assert lines[0].endswith("meeting='Phiên toàn thể — Hội trường A · 08:30–11:30'")
    assert lines[-1].endswith("meeting='Chưa mở: Phiên chiều mở lúc 13:00'")
    assert not any("Nguyễn" in line or AN.id_number in line for line in lines)


def test_kiosk_status_tells_the_session_open_now_and_the_plans_size(capsys):
    document = station_document()
    now = utc_now()
    document["meetings"]["sessions"] = [{
        **document["meetings"]["sessions"][0], "opens": (now - timedelta(minutes=40)).isoformat(),
        "start": (now - timedelta(minutes=10)).isoformat(), "end": (now + timedelta(hours=2)).isoformat()}]
    with Store.open(database_path(Settings())) as kiosk_store:
        kiosk_store.set_meta(META_SERVER_CONFIG, json.dumps(document))
    assert main(["status", "--json"]) == 0
    meeting = json.loads(capsys.readouterr().out)["meeting"]
    assert (meeting["state"], meeting["session"]["name"], meeting["sessions"], meeting["roster_tags"]) == (
        "open", "Phiên toàn thể", 1, 7)
    assert main(["status"]) == 0
    assert "Meetings: 1 sessions, 7 roster tags; session open now: Phiên toàn thể (Hội trường A)" in (
        capsys.readouterr().out)
