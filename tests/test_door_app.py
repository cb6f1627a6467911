"""The running door without Qt: `DoorApp` driven the way the window and the headless door drive it, on a
real SQLite file, with the events it reports as the only view of it."""

import ast
import json
import logging
import queue
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk import authority_pin, secret_store
from kiosk.cli.run import describe
from kiosk.credentials.examples import AN, BINH, CUONG, vnqr_payload
from kiosk.door_app import (
    AdminFailed,
    CameraStateChanged,
    DoorApp,
    Purged,
    SettingsChanged,
    SyncChanged,
    VerdictShown,
    ViewChanged,
)
from kiosk.door_app.events import Traced, TraceRefused
from kiosk.door_app.status_line import StatusLine
from kiosk.door_screen import CameraState, ScreenState, SyncKind
from kiosk.entry import Direction, utc_now
from kiosk.sealing.authority import generate_private_key
from kiosk.settings import load_settings
from kiosk.station import Station
from kiosk.station_config import META_SERVER_CONFIG
from kiosk.store import Store
from kiosk.tracing.overlap import Tier
from kiosk.full_disk import store_on_own_connection
from tests.factories import uploaded
from tests.ui.kiosk_fixtures import door_settings
from tests.watch_config import watch_part

ROOT = Path(__file__).resolve().parent.parent
WATCH_NOTE = "Ca bệnh xác nhận — mời sang phòng khám"
PUSHED = {"settings": {"reset_seconds": 9.0, "language": "en", "retention_days": 7, "sound": False}}


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Door:
    """A DoorApp with its door thread played by the test: posted work waits in `inbox` until `drain`."""

    def __init__(self, store: Store, settings_file: Path, **changes) -> None:
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.monotonic = Monotonic()
        self.app = DoorApp(door_settings(**changes), store, post=self.inbox.put, settings_file=settings_file,
                           monotonic=self.monotonic)
        self.events: list = []
        self.app.subscribe(self.events.append)

    def of(self, kind: type) -> list:
        return [event for event in self.events if isinstance(event, kind)]

    def last_view(self) -> ViewChanged:
        return self.of(ViewChanged)[-1]

    def wait_for(self, condition, timeout: float = 10.0) -> None:
        """Do posted work (as the door thread would) until `condition()` holds."""
        while not condition():
            self.inbox.get(timeout=timeout)()


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


@pytest.fixture
def door(store, tmp_path):
    made = []

    def make(**changes) -> Door:
        made.append(Door(store, tmp_path / "settings.toml", **changes))
        return made[-1]

    yield make
    for each in made:
        each.app.close()


def scan_case_and_two_visitors(store: Store) -> datetime:
    """AN (the case) comes in three hours ago and stays the default two hours; BINH comes five minutes
    after AN (115 minutes together: a close contact), CUONG ten minutes before AN's visit ends (tier 10).
    Returns when AN came in."""
    came = utc_now() - timedelta(hours=3)
    for person, minutes in ((AN, 0), (BINH, 5), (CUONG, 110)):
        at = came + timedelta(minutes=minutes)
        Station(door_settings(), store, clock=lambda at=at: at).check_text(vnqr_payload(person))
    return came


def scanned_days_ago(store: Store, days: int) -> None:
    then = datetime.now(timezone.utc) - timedelta(days=days)
    Station(door_settings(), store, clock=lambda: then).check_text(vnqr_payload(BINH))


def test_pushed_reset_time_language_sound_and_retention_reach_the_screen_and_the_purge(door, store):
    scanned_days_ago(store, 10)  # kept by the station's own 28 days, not by the pushed 7
    store.set_meta(META_SERVER_CONFIG, json.dumps(PUSHED))
    d = door()
    d.app.start()
    changed = d.of(SettingsChanged)[-1]
    assert changed.language == "en" and not changed.effective.sound and not changed.restart_camera
    assert changed.local.retention_days == 28  # the admin form still edits the station's own value
    assert store.entries() == []
    d.app.scanner_text(vnqr_payload(AN))
    shown = d.of(VerdictShown)[-1]
    assert shown.reset_at == d.monotonic.now + 9.0
    assert d.last_view().view.word == "GO IN"


def test_a_config_pushed_while_the_door_runs_applies_at_once(door, store):
    d = door()
    d.app.start()
    assert d.last_view().view.word == "SẴN SÀNG"
    store.set_meta(META_SERVER_CONFIG, json.dumps(PUSHED))
    d.app.reload_config()  # what a sync round that brought a new config asks for
    assert d.of(SettingsChanged)[-1].language == "en"
    assert d.last_view().view.word == "READY"


def test_the_admin_purge_applies_the_pushed_retention(door, store):
    d = door()
    d.app.start()
    scanned_days_ago(store, 10)
    store.set_meta(META_SERVER_CONFIG, json.dumps(PUSHED))
    d.app.reload_config()
    d.app.purge()
    assert d.of(Purged)[-1].count == 1 and store.entries() == []


def test_the_retention_schedule_purges_again_only_after_an_hour(store, tmp_path):
    from kiosk.retention import RetentionSchedule

    clock = Monotonic()
    schedule = RetentionSchedule(store, monotonic=clock)
    assert schedule.run_if_due(7) == 0
    scanned_days_ago(store, 10)
    assert schedule.run_if_due(7) == 0 and len(store.entries()) == 1
    clock.now += 3600
    assert schedule.run_if_due(7) == 1


def test_a_verdict_goes_back_to_ready_when_its_time_is_up(door):
    d = door(reset_seconds=4.0)
    d.app.start()
    d.app.scanner_text(vnqr_payload(AN))
    assert d.last_view().view.state is ScreenState.VERDICT
    d.monotonic.now += 3.9
    d.app.tick()
    assert d.last_view().view.state is ScreenState.VERDICT
    d.monotonic.now += 0.1
    d.app.tick()
    assert d.last_view().view.state is ScreenState.READY


def test_the_direction_is_the_stations_and_the_screen_follows_it(door, store):
    d = door(reset_seconds=4.0)
    d.app.start()
    d.app.scanner_text(vnqr_payload(AN))
    d.app.toggle_direction()
    assert d.app.direction is Direction.OUT and not d.last_view().status.entry_mode
    d.monotonic.now += 5
    d.app.tick()
    assert d.last_view().view.word == "CỬA RA"  # the ready screen of an exit says so
    d.app.scanner_text(vnqr_payload(AN))
    assert d.last_view().view.word == "ĐÃ RA" and store.entries()[0].direction is Direction.OUT


def test_text_mangled_by_an_input_method_is_shown_and_logs_nothing(door, store):
    d = door()
    d.app.start()
    d.app.scanner_text("HC1:6BFOXN*TS0BI$ZDỲ")
    shown = d.of(VerdictShown)[-1]
    assert shown.result is None and shown.look.name == "scanner"
    assert store.entries() == []


def test_settings_from_the_admin_are_saved_and_only_a_new_camera_restarts_it(door, tmp_path):
    d = door()
    d.app.start()
    d.app.apply_settings(d.app.local_settings.replace(station_name="Cổng B", capacity=80))
    changed = d.of(SettingsChanged)[-1]
    assert not changed.restart_camera and d.last_view().status.station == "Cổng B"
    assert load_settings(tmp_path / "settings.toml").capacity == 80
    assert d.last_view().status.inside == "Đang ở trong: 0/80"
    d.app.apply_settings(d.app.local_settings.replace(camera="camera:1"))
    assert d.of(SettingsChanged)[-1].restart_camera


def test_the_guards_language_is_kept_and_survives_an_unrelated_push(door, store, tmp_path):
    d = door()
    d.app.start()
    d.app.toggle_language()
    assert d.of(SettingsChanged)[-1].language == "en"
    assert load_settings(tmp_path / "settings.toml").language == "en"
    store.set_meta(META_SERVER_CONFIG, json.dumps({"settings": {"capacity": 5}}))
    d.app.reload_config()
    assert d.last_view().view.word == "READY"


def test_the_offline_notice_follows_the_waiting_count(door, closed_port_url):
    d = door(server_url=closed_port_url, server_token="door-a")
    d.app.start()
    d.wait_for(lambda: d.of(SyncChanged) and d.of(SyncChanged)[-1].state.kind is SyncKind.OFFLINE)
    assert "0 lượt đang chờ gửi" in d.last_view().view.notice
    d.app.check_manual("Phạm Thị Hoa", "0912345678")
    d.monotonic.now += 60
    d.app.tick()
    assert "1 lượt đang chờ gửi" in d.last_view().view.notice


def test_a_camera_change_is_reported_once(door):
    d = door()
    d.app.start()
    d.app.camera_changed(CameraState.RUNNING)
    d.app.camera_changed(CameraState.RUNNING)
    assert [event.state for event in d.of(CameraStateChanged)] == [CameraState.STARTING, CameraState.RUNNING]


@pytest.fixture
def closed_port_url() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_no_module_under_kiosk_imports_ui():
    offenders = []
    for path in sorted((ROOT / "kiosk").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {name}" for name in names
                          if name == "ui" or name.startswith("ui.") or name.startswith("PySide6")]
    assert offenders == []


def test_an_own_setting_the_server_overrides_is_still_saved_and_shown_in_the_form(door, store, tmp_path):
    store.set_meta(META_SERVER_CONFIG, json.dumps(PUSHED))
    d = door()
    d.app.start()
    d.app.apply_settings(d.app.local_settings.replace(retention_days=14))
    changed = d.of(SettingsChanged)[-1]
    assert changed.local.retention_days == 14 and changed.effective.retention_days == 7
    assert load_settings(tmp_path / "settings.toml").retention_days == 14


def test_a_trace_answers_on_the_door_thread_and_its_queries_run_on_a_thread_of_their_own(tmp_path):
    store, connection = store_on_own_connection(tmp_path / "entries.sqlite3")
    scan_case_and_two_visitors(store)
    threads: set[int] = set()
    connection.set_trace_callback(lambda sql: "FROM visits" in sql and threads.add(threading.get_ident()))
    d = Door(store, tmp_path / "settings.toml")
    d.app.trace(AN.id_number, None, None, 0, False, "BV-2026-0042")
    assert d.of(Traced) == []  # the answer is handed over, not emitted on the trace's thread
    d.wait_for(lambda: d.of(Traced))
    trace = d.of(Traced)[0].trace
    assert [(c.person_key, c.tier) for c in trace.contacts.contacts] == [
        (store.seal.tag(f"qid:{BINH.qid}"), Tier.FIFTEEN), (store.seal.tag(f"qid:{CUONG.qid}"), Tier.TEN)]
    assert threads and threading.get_ident() not in threads
    [record] = store.traces()
    assert (record.who, record.reason, record.contacts) == ("screen", "BV-2026-0042", 2)
    assert AN.id_number not in record.searched
    store.close()


def test_a_trace_that_cannot_be_made_as_asked_answers_with_the_catalogue_sentence(door, store):
    d = door()
    now = datetime.now(timezone.utc)
    d.app.trace(AN.id_number, now - timedelta(hours=1), now - timedelta(hours=2), 0, False, "BV-2026-0042")
    d.app.trace(AN.id_number, None, None, 0, False, "  ")
    d.wait_for(lambda: len(d.of(TraceRefused)) == 2)
    codes = sorted(refused.message.code for refused in d.of(TraceRefused))
    assert codes == ["trace.case-number-missing", "trace.window-reversed"]
    assert "swap the two times" in next(r.message.en for r in d.of(TraceRefused) if "reversed" in r.message.code)
    assert store.traces() == []  # nothing was traced, so nothing is recorded


def test_the_log_says_once_at_start_that_the_station_secret_is_a_plain_file_on_this_disk(door, caplog):
    secret_store.log_warning.cache_clear()  # as in a process that has not started a door yet
    for _ in range(2):
        door().app.start()
    said = [record.getMessage() for record in caplog.records if "station secret is a file" in record.getMessage()]
    assert len(said) == 1 and "turn on disk encryption (BitLocker/LUKS)" in said[0]


def test_the_watch_lists_note_is_on_the_door_screen_of_that_scan_and_nowhere_else(door, store, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    watch = watch_part(utc_now(), {f"cccd:{AN.id_number}": ("warn", WATCH_NOTE)})
    store.set_meta(META_SERVER_CONFIG, json.dumps({"watch": watch}))
    d = door()
    lines: list[str] = []
    d.app.subscribe(StatusLine(lines.append, every_seconds=60))  # what the headless door writes to its log
    d.app.start()
    d.app.scanner_text(vnqr_payload(AN))

    shown = d.last_view().view
    assert shown.look.name == "warn" and shown.watch_note == WATCH_NOTE
    [result] = [event.result for event in d.of(VerdictShown)]
    [entry] = store.entries()
    elsewhere = [describe(result, "vi"), repr(result), repr(shown), *lines,
                 *(record.getMessage() for record in caplog.records),
                 json.dumps(entry.to_json(), ensure_ascii=False),
                 json.dumps(uploaded(store, entry).to_json(), ensure_ascii=False)]
    assert not [text for text in elsewhere if WATCH_NOTE in text]
    on_disk = b"".join(path.read_bytes() for path in tmp_path.glob("entries.sqlite3*"))
    assert WATCH_NOTE.encode() not in on_disk and "phòng khám".encode() not in on_disk
    # The note goes with its verdict; the next person's verdict has none.
    d.monotonic.now += 31
    d.app.tick()
    assert d.last_view().view.watch_note == ""
    d.app.scanner_text(vnqr_payload(BINH))
    assert d.last_view().view.look.name == "warn" and d.last_view().view.watch_note == ""


def test_the_status_line_says_what_the_health_authoritys_key_needs_in_the_doors_language(door, store):
    now = utc_now()
    d = door()
    d.app.start()
    assert d.last_view().status.authority == ("Chưa có khóa của cơ quan y tế: dữ liệu được niêm phong tại "
                                              "máy cho đến khi có khóa")
    authority_pin.settle(store, generate_private_key().key_set(now, 8))
    d.app.reload_config()  # what a sync round that settled a key set asks for
    assert d.last_view().status.authority == ""
    authority_pin.settle(store, generate_private_key().key_set(now, 8))  # signed by another key: refused
    d.app.reload_config()
    assert d.last_view().status.authority == "Khóa của cơ quan y tế đã đổi: báo quản trị"
    d.app.set_language("en")
    assert d.last_view().status.authority == "The health authority's key changed: tell the administrator"


def test_keys_that_run_out_within_two_weeks_are_announced_as_the_days_pass(store):
    now = utc_now()
    key_set = generate_private_key().key_set(now, 4)
    authority_pin.settle(store, key_set)
    clock = [now]
    app = DoorApp(door_settings(), store, post=lambda work: None, clock=lambda: clock[0])
    views: list[ViewChanged] = []
    app.subscribe(lambda event: isinstance(event, ViewChanged) and views.append(event))
    app.start()
    assert key_set.last_day - now > timedelta(days=14) and views[-1].status.authority == ""
    clock[0] = key_set.last_day - timedelta(days=3)
    app.refresh()  # the window asks every few seconds
    last = key_set.last_day - timedelta(days=1)
    assert views[-1].status.authority == f"Khóa của cơ quan y tế hết hạn sau ngày {last:%Y-%m-%d}: báo quản trị"
    app.close()



def test_an_export_that_cannot_be_written_is_told_in_the_screens_language(door, tmp_path):
    app = door(language="vi")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the admin chose a folder", encoding="utf-8")
    app.app.export(str(blocker / "entries.csv"), who="admin")
    failed = app.of(AdminFailed)[-1].message
    assert failed.startswith("Không ghi được tệp") and "Cannot" not in failed
