import colorsys
import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.credentials.examples import AN, BINH, SAMPLE_PAYLOADS, vnqr_payload
from kiosk.door_screen import (
    ADMIT,
    DEMO_STRIPE_BACKGROUND,
    DEMO_STRIPE_EDGE,
    DEMO_STRIPE_FOREGROUND,
    EXIT,
    LOOKS,
    READY,
    READY_EXIT,
    REFUSE,
    REPEAT,
    SCANNER_PROBLEM,
    WARN,
    CameraState,
    DoorScreen,
    ScreenState,
    SyncKind,
    SyncState,
    contrast_ratio,
)
from kiosk.decoding import VisitFigures
from kiosk.entry import Direction
from kiosk.scanner_input import SCANNER_INPUT_METHOD
from kiosk.settings import Settings
from kiosk.reasons import Reason
from kiosk.station import Counts, Station, not_saved
from kiosk.store import Store

T0 = datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc)  # 08:15 in Hà Nội
HANOI = timezone(timedelta(hours=7))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def station(tmp_path):
    settings = Settings(station_name="Cổng A", watch_list=(f"qid:{BINH.qid}",), watch_action="warn")
    store = Store.open(tmp_path / "entries.sqlite3")
    clock = Clock()
    yield Station(settings, store, clock=clock, zone=HANOI), clock
    store.close()


def hue_distance(one: str, other: str) -> float:
    """Degrees between the hues of two #RRGGBB colours."""
    hues = [colorsys.rgb_to_hsv(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0] * 360
            for colour in (one, other)]
    distance = abs(hues[0] - hues[1])
    return min(distance, 360 - distance)


def screen(**kwargs) -> DoorScreen:
    return DoorScreen(reset_seconds=4.0, zone=HANOI, **kwargs)


def url_text() -> str:
    return next(p.text for p in SAMPLE_PAYLOADS if p.format == "url")


def test_each_verdict_has_its_own_colour_icon_word_and_sound(station) -> None:
    station, clock = station
    door = screen()
    shown = {}
    for text in (vnqr_payload(AN), vnqr_payload(BINH), url_text(), vnqr_payload(AN)):
        look = door.show_result(station.check_text(text), now=0.0)
        shown[look.name] = door.view()
        clock.now += timedelta(minutes=1)
    assert list(shown) == ["admit", "warn", "refuse", "repeat"]
    assert shown["admit"].word == "MỜI VÀO" and shown["admit"].name == "NGUYEN V. A."
    assert shown["admit"].time == "08:15:00"
    assert "danh sách theo dõi" in shown["warn"].reason
    assert "không phải mã cá nhân" in shown["refuse"].reason and shown["refuse"].name == ""
    assert shown["repeat"].word == "CHO QUA"  # what to do: let them through
    assert "Đã vào lúc 08:15" in shown["repeat"].reason  # the policy tells the time in the door's zone
    looks = [ADMIT, EXIT, WARN, REFUSE, REPEAT]
    for attribute in ("icon", "background"):
        values = [getattr(look, attribute) for look in looks]
        assert len(set(values)) == len(values), attribute
    sounds = [look.sound for look in looks if look is not EXIT]  # an exit sounds as an admission does
    assert len(set(sounds)) == len(sounds)


def test_the_verdict_returns_to_ready_by_itself_and_a_new_scan_replaces_it(station) -> None:
    station, clock = station
    door = screen()
    door.show_result(station.check_text(url_text()), now=10.0)
    assert door.state is ScreenState.VERDICT and door.reset_deadline == 14.0
    door.show_result(station.check_text(vnqr_payload(AN)), now=11.0)
    assert door.view().look is ADMIT and door.reset_deadline == 15.0
    assert not door.tick(14.9)
    assert door.tick(15.0)
    assert door.state is ScreenState.READY and door.view().word == "SẴN SÀNG"


def test_language_switch_changes_every_text_of_the_current_screen(station) -> None:
    station, _ = station
    door = screen()
    door.show_result(station.check_text(url_text()), now=0.0)
    door.language = "en"
    view = door.view()
    assert view.word == "STOP" and "not a personal code" in view.reason
    door.sync = SyncState(SyncKind.OFFLINE, waiting=37)
    assert door.status(Direction.IN).sync == "offline — 37 entries waiting"
    door.language = "vi"
    assert door.status(Direction.IN).sync == "Ngoại tuyến — 37 lượt đang chờ gửi"


def test_camera_trouble_and_offline_show_when_no_verdict_is_up(station) -> None:
    station, _ = station
    door = screen()
    door.sync = SyncState(SyncKind.OFFLINE, waiting=3)
    assert door.state is ScreenState.OFFLINE and "3" in door.view().notice
    door.camera = CameraState.DISCONNECTED
    assert door.state is ScreenState.CAMERA_DISCONNECTED
    assert door.view().word == "MẤT CAMERA" and "máy quét cầm tay" in door.view().reason.lower()
    door.show_result(station.check_text(vnqr_payload(AN)), now=0.0)
    assert door.state is ScreenState.VERDICT
    door.tick(5.0)
    assert door.state is ScreenState.CAMERA_DISCONNECTED


def test_exit_mode_says_checked_out(station) -> None:
    station, _ = station
    door = screen()
    station.check_text(vnqr_payload(AN))
    station.set_direction(Direction.OUT)
    assert door.show_result(station.check_text(vnqr_payload(AN)), now=0.0) is EXIT  # the result has the direction
    assert door.view().word == "ĐÃ RA" and door.view().reason == "Mã hợp lệ — đã ghi lượt ra"
    status = door.status(station.direction)
    assert status.mode == "CHẾ ĐỘ RA" and not status.entry_mode


def test_a_mangled_scan_tells_the_guard_what_to_fix() -> None:
    door = screen(language="en")
    assert door.show_problem(SCANNER_INPUT_METHOD, now=0.0) is SCANNER_PROBLEM
    assert "switch it off" in door.view().reason and door.view().word == "SCANNER ERROR"


def test_status_line_shows_counts_capacity_and_sync() -> None:
    door = screen(station="Cổng A")
    door.counts = Counts(inside=200, today=345, capacity=200)
    status = door.status(Direction.IN)
    assert status.inside == "Đang ở trong: 200/200" and status.full
    assert status.today == "Hôm nay: 345" and status.station == "Cổng A"
    assert status.sync == "Chưa cài máy chủ" and status.sync_ok
    door.sync = SyncState(SyncKind.CONNECTING)
    assert door.status(Direction.IN).sync == "Đang kết nối máy chủ…"
    door.sync = SyncState(SyncKind.ONLINE, last_sync=T0)
    assert door.status(Direction.IN).sync == "Trực tuyến — đồng bộ lúc 08:15"
    door.sync = SyncState(SyncKind.OFFLINE, waiting=1, last_sync=T0)
    door.language = "en"
    assert door.status(Direction.IN).sync == "offline — 1 entry waiting — last sync 08:15" and not door.status(Direction.IN).sync_ok


def test_the_camera_says_how_many_visits_it_read_and_how_fast_while_it_runs() -> None:
    door = screen()
    door.camera = CameraState.RUNNING
    assert door.status(Direction.IN).camera == "Camera: đang chạy"          # no visit yet
    door.visits = VisitFigures(visits=47, read=46, median_ms_to_verdict=182.4)
    assert door.status(Direction.IN).camera == "Camera: đọc 46/47 lượt · trung vị 182 ms"
    door.language = "en"
    door.visits = VisitFigures(visits=3, read=0, median_ms_to_verdict=None)
    assert door.status(Direction.IN).camera == "Camera: read 0/3 visits"
    door.camera = CameraState.DISCONNECTED
    assert door.status(Direction.IN).camera == "Camera: disconnected"


def test_status_line_tells_the_admin_about_entries_held_aside() -> None:
    door = screen()
    door.sync = SyncState(SyncKind.ONLINE, last_sync=T0, held=2)
    assert door.status(Direction.IN).sync == "Trực tuyến — đồng bộ lúc 08:15 — 2 lượt tạm giữ, báo quản trị"
    door.language = "en"
    assert door.status(Direction.IN).sync == "online — last sync 08:15 — 2 held for the admin"


def test_status_line_counts_entries_not_sent_yet_in_every_state_with_a_server() -> None:
    door = screen()
    door.sync = SyncState(SyncKind.ONLINE, waiting=3, last_sync=T0)
    assert door.status(Direction.IN).sync == "Trực tuyến — 3 lượt đang chờ gửi — đồng bộ lúc 08:15"
    door.sync = SyncState(SyncKind.CONNECTING, waiting=5, last_sync=T0)  # restarted, no answer yet
    door.language = "en"
    assert door.status(Direction.IN).sync == "Connecting to the server… — 5 entries waiting — last sync 08:15"
    door.sync = SyncState(SyncKind.NOT_CONFIGURED, waiting=120)  # a door on its own keeps its log
    assert door.status(Direction.IN).sync == "No server configured"


@pytest.mark.parametrize("look", LOOKS, ids=lambda look: look.name)
def test_every_look_has_at_least_7_to_1_contrast(look) -> None:
    assert contrast_ratio(look.foreground, look.background) >= 7.0


def test_demo_mode_puts_its_banner_on_every_look_and_a_real_door_has_none(station) -> None:
    station, _ = station
    demo, real = screen(demo_mode=True), screen()
    banners = {}

    def note(name: str) -> None:
        banners[name] = demo.view().banner
        assert real.view().banner == ""

    for door in (demo, real):
        door.camera = CameraState.RUNNING
    note("ready")
    for door in (demo, real):
        door.sync = SyncState(SyncKind.OFFLINE, waiting=3)
    note("offline")
    for door in (demo, real):
        door.camera = CameraState.DISCONNECTED
    note("camera_disconnected")
    for text in (vnqr_payload(AN), vnqr_payload(BINH), url_text(), vnqr_payload(AN)):
        result = station.check_text(text)
        for door in (demo, real):
            door.show_result(result, now=0.0)
        note(demo.view().look.name)
    problem = station.check_text(url_text()).verdict.reasons[0]
    for door in (demo, real):
        door.show_problem(problem, now=0.0)
    note(demo.view().look.name)
    assert set(banners) == {"ready", "offline", "camera_disconnected", "admit", "warn", "refuse", "repeat",
                            "scanner"}
    assert set(banners.values()) == {"CHẾ ĐỘ THỬ — không dùng tại cửa thật"}


def test_the_demo_stripe_is_legible_and_stands_apart_from_every_look() -> None:
    assert contrast_ratio(DEMO_STRIPE_FOREGROUND, DEMO_STRIPE_BACKGROUND) >= 7.0
    for look in LOOKS:  # by its colour on the dark looks, by its edge on the bright ones
        assert max(contrast_ratio(DEMO_STRIPE_BACKGROUND, look.background),
                   contrast_ratio(DEMO_STRIPE_EDGE, look.background)) >= 3.0, look.name


def test_an_entry_the_disk_refused_is_shown_as_not_saved_yet(station) -> None:
    station, _ = station
    result = dataclasses.replace(station.check_text(vnqr_payload(AN)),
                                 store_problem=not_saved(Reason("unsaved.full"), held=3))
    door = screen()
    door.show_result(result, now=0.0)
    assert door.view().notice == "Ổ ĐĨA ĐẦY: 3 lượt đang giữ trong bộ nhớ, không bị mất. Hãy báo quản trị viên."
    assert door.view().look is ADMIT
    door.language = "en"
    assert door.view().notice == "DISK FULL: entries kept in memory, not lost: 3. Tell the administrator."


def test_a_demo_mode_admission_shows_the_real_reason_and_leaves_the_demo_note_to_the_banner(tmp_path) -> None:
    store = Store.open(tmp_path / "entries.sqlite3")
    station = Station(Settings(station_name="Cổng A", demo_mode=True), store)
    result = station.check_text(vnqr_payload(AN))
    assert "trust.demo_mode" in {reason.code for reason in result.verdict.reasons}  # logged and sent as such
    door = screen(demo_mode=True, language="en")
    door.show_result(result, now=0.0)
    assert door.view().reason == "Valid code — entry recorded" and door.view().banner.startswith("DEMO MODE")
    store.close()


def test_an_exit_door_says_so_when_ready_and_on_every_exit(station) -> None:
    station, clock = station
    door = screen()
    door.direction = Direction.OUT
    ready = door.view()
    assert ready.look is READY_EXIT and ready.word == "CỬA RA" and "cửa ra" in ready.reason
    assert READY_EXIT.background != READY.background and READY_EXIT.icon == EXIT.icon
    station.set_direction(Direction.OUT)
    assert door.show_result(station.check_text(vnqr_payload(AN)), now=0.0) is EXIT  # never came in
    view = door.view()
    assert view.word == "RA — CHƯA VÀO"
    assert view.reason == "Hôm nay người này chưa có lượt vào — lượt ra vẫn được ghi"
    door.language = "en"
    assert door.view().word == "OUT: NO ENTRY"
    assert EXIT.signal == "admit" and ADMIT.signal == "admit"  # a relay opens for an exit as for an entry


def test_a_repeat_says_let_them_through_in_its_own_colour_and_a_warned_one_is_checked_again(station) -> None:
    station, clock = station
    door = screen(language="en")
    station.check_text(vnqr_payload(AN))
    clock.now += timedelta(minutes=1)
    assert door.show_result(station.check_text(vnqr_payload(AN)), now=0.0) is REPEAT
    assert door.view().word == "LET THROUGH"
    # Its own colour: far in hue from the amber "check" (the old orange was 11° from it) and from admit's green.
    assert min(hue_distance(REPEAT.background, other.background) for other in (WARN, ADMIT, EXIT)) >= 60
    station.check_text(vnqr_payload(BINH))  # on the watch list: warned
    clock.now += timedelta(minutes=1)
    assert door.show_result(station.check_text(vnqr_payload(BINH)), now=0.0) is WARN
    assert door.view().word == "CHECK" and "watch list" in door.view().reason


def test_an_entry_typed_in_by_the_guard_does_not_claim_a_code_was_read(station) -> None:
    station, _ = station
    door = screen()
    door.show_result(station.check_manual("Trần Thị Bình", "0987 654 321"), now=0.0)
    assert door.view().word == "MỜI VÀO" and door.view().reason == "Nhập tay, không quét mã — đã ghi lượt vào"
    door.language = "en"
    assert "code" not in door.view().reason.replace("no code read", "")


def test_a_check_at_the_exit_names_the_exit(station) -> None:
    station, _ = station
    station.set_direction(Direction.OUT)
    door = screen()
    assert door.show_result(station.check_text(vnqr_payload(BINH)), now=0.0) is WARN  # on the watch list
    assert door.view().time == "CHẾ ĐỘ RA · 08:15:00"
