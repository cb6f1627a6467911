"""Starting the door the way a station does (`kiosk run`: ui.app.run_window on real files, a real window
offscreen): a broken settings file, a data folder that cannot be written, a second kiosk on the same
database, the first-start setup closed or accepted during a rehearsal, and what a rehearsal leaves behind.

`run_window` runs the application's event loop (and the setup and start-problem screens their own), so each
test hands it a `watch` callback that a timer calls every 100 ms with the visible door window and the modal
dialog of the moment; it returns True when it has seen what it came for, and the run is ended.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from kiosk.settings import Settings, load_settings, save_settings
from tests.ui.kiosk_fixtures import PIN, PIN_HASH
from ui.app import run_window
from ui.dialogs.setup_dialog import SetupDialog
from ui.window import KioskWindow

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
EXIT_ALREADY_OPEN = 3
EXIT_NOT_STARTED = 2

Watch = Callable[[KioskWindow | None, QWidget | None], bool]


def station(path: Path, **changes) -> Settings:
    """A station set up earlier: its settings saved (and so kept as the last good copy)."""
    settings = Settings(station_name="Cổng A", admin_pin_hash=PIN_HASH, language="vi").replace(**changes)
    save_settings(settings, path)
    return settings


def run_args(config: Path, db: Path, source: str | None, demo: bool = False) -> argparse.Namespace:
    return argparse.Namespace(config=str(config), db=str(db), source=source, demo=demo, direction=None,
                              lang=None, headless=False)


def run_door(args: argparse.Namespace, watch: Watch, timeout: float = 90.0) -> int:
    """`kiosk run` (settings as `run_settings` reads them, then `run_window`) until `watch` is satisfied;
    any dialog still open then is closed. Returns the exit code."""
    from kiosk.cli.run import run_settings

    app = QApplication.instance()
    before = app.topLevelWidgets()  # kept alive: a wrapper's id() is reused once it is freed
    deadline = time.monotonic() + timeout
    done = False
    watched: list[bool] = []
    failures: list[Exception] = []

    def poll() -> None:
        if done:  # run_window returned without the event loop (setup closed, start refused)
            return
        window = next((w for w in app.topLevelWidgets() if isinstance(w, KioskWindow) and w.isVisible()
                       and w not in before), None)
        modal = app.activeModalWidget()
        try:
            satisfied = watched or watch(window, modal) or time.monotonic() > deadline
        except Exception as error:  # noqa: BLE001 (raised again once the run ended)
            failures.append(error)
            satisfied = True
        if satisfied:
            watched.append(True)
            if isinstance(modal, QDialog):
                modal.reject()
            app.exit(0)  # not quit(): that asks the windows first, and the door refuses a close
            # (again at the next turn: the first turns may come before the event loop runs)
        QTimer.singleShot(100, poll)

    QTimer.singleShot(0, poll)
    try:
        code = run_window(run_settings(args), args)
        if failures:
            raise failures[0]
        return code
    finally:
        done = True
        for widget in app.topLevelWidgets():
            if widget not in before:
                widget.hide()
                widget.deleteLater()


def bottom_notice(window: KioskWindow) -> str:
    label = window.bottom.start_notice
    return label.text() if label.isVisible() else ""


def entries_in(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT count(*) FROM entries").fetchone()[0]


@pytest.fixture
def folders(tmp_path, monkeypatch):
    config, data = tmp_path / "config", tmp_path / "data"
    monkeypatch.setenv("KIOSK_CONFIG_DIR", str(config))
    monkeypatch.setenv("KIOSK_DATA_DIR", str(data))
    return config / "settings.toml", data / "entries.sqlite3"


# --- a settings file that cannot be used as it is ----------------------------------------------------------


def door_with_notice(settings_file, db, clip) -> dict[str, str]:
    """Run the door until its bottom bar shows a notice: the station's name and the notice then."""
    seen: dict[str, str] = {}

    def watch(window, modal):
        if window is not None and bottom_notice(window):
            seen.update(station=window.top.station.text(), notice=bottom_notice(window))
            return True
        return False

    assert run_door(run_args(settings_file, db, str(clip)), watch) == 0
    return seen


def test_a_corrupt_settings_file_opens_the_door_on_the_last_good_settings_and_says_what_to_fix(
        qtbot, folders, blank_clip):
    settings_file, db = folders
    station(settings_file, location="Sảnh B")
    settings_file.write_text('station_name = "Cổng A"\nreset_seconds = = 3\n', encoding="utf-8")  # a typo
    seen = door_with_notice(settings_file, db, blank_clip)
    assert seen["station"] == "Cổng A — Sảnh B"  # the last good settings, not the setup or defaults
    notice = seen["notice"]
    assert "Tệp cài đặt bị hỏng" in notice and f"{settings_file}, dòng 2" in notice
    assert "dùng bản cài đặt tốt gần nhất" in notice
    broken = settings_file.with_name("settings.broken.toml")
    assert str(broken) in notice
    assert broken.read_text(encoding="utf-8").endswith("reset_seconds = = 3\n")  # kept for the admin
    assert load_settings(settings_file).location == "Sảnh B"  # a later save builds on the good settings


def test_an_unknown_setting_is_ignored_and_named_and_the_door_opens(qtbot, folders, blank_clip):
    settings_file, db = folders
    station(settings_file)
    with settings_file.open("a", encoding="utf-8") as out:
        out.write('night_mode = "dim"\n')  # a newer version's setting
    seen = door_with_notice(settings_file, db, blank_clip)
    assert seen["station"] == "Cổng A"
    assert "“night_mode”" in seen["notice"] and "Cửa bỏ qua mục đó và vẫn chạy" in seen["notice"]
    assert 'night_mode = "dim"' in settings_file.read_text(encoding="utf-8")


# --- a data folder that cannot be written -----------------------------------------------------------------


def start_problem(modal: QWidget | None) -> QWidget | None:
    return modal if modal is not None and modal.objectName() == "startProblem" else None


def test_a_data_folder_that_cannot_be_written_shows_what_to_fix_and_tries_again(qtbot, folders, blank_clip,
                                                                                 tmp_path):
    """A file where the data folder should be: a folder nobody can write in, also when the tests run as
    root (for whom a folder's permissions do not stop a write)."""
    settings_file, _ = folders
    station(settings_file)
    blocker = tmp_path / "usb-stick"
    blocker.write_text("not a folder", encoding="utf-8")
    db = blocker / "entries.sqlite3"
    door_size = QApplication.primaryScreen().geometry().size().toTuple()
    seen: dict[str, object] = {}

    def watch(window, modal):
        screen = start_problem(modal)
        if screen is not None and "message" not in seen:
            seen["size"] = screen.size().toTuple()
            if seen["size"] != door_size:  # being laid out full-screen: look again at the next turn
                return False
            seen.update(message=screen.message.text(), retry=screen.retry.isVisible())
            blocker.unlink()  # the admin fixes it...
            blocker.mkdir()
            screen.retry.click()  # ...and the guard presses Try again
            return False
        if window is not None:
            seen["opened"] = True
            return True
        return False

    assert run_door(run_args(settings_file, db, str(blank_clip)), watch) == 0
    message = str(seen["message"])
    assert f"Cửa không ghi được vào thư mục dữ liệu {blocker}" in message
    assert "cửa chưa mở" in message
    assert seen["retry"] is True
    assert seen["size"] == door_size
    assert seen.get("opened") is True


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="as root a folder's permissions do not stop a write (the test above covers it)")
def test_a_read_only_data_folder_is_closed_with_the_exit_code(qtbot, folders, blank_clip, tmp_path):
    settings_file, _ = folders
    station(settings_file)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    seen: dict[str, str] = {}

    def watch(window, modal):
        screen = start_problem(modal)
        if screen is not None:
            seen["message"] = screen.message.text()
            screen.close_button.click()
        return False

    try:
        code = run_door(run_args(settings_file, locked / "entries.sqlite3", str(blank_clip)), watch, timeout=30)
    finally:
        locked.chmod(0o700)
    assert code == EXIT_NOT_STARTED
    assert "không có quyền ghi" in seen["message"]


# --- one kiosk per database -------------------------------------------------------------------------------


def headless(settings_file: Path, db: Path, source: str, env_dirs: tuple[Path, Path]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIOSK_CONFIG_DIR": str(env_dirs[0]),
           "KIOSK_DATA_DIR": str(env_dirs[1])}
    return subprocess.Popen([PYTHON, "-m", "kiosk", "run", "--headless", "--config", str(settings_file),
                             "--db", str(db), "--source", source], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


def test_a_second_kiosk_on_the_same_database_is_refused_while_the_first_keeps_running(
        qtbot, folders, blank_clip):
    settings_file, db = folders
    station(settings_file)
    dirs = (settings_file.parent, db.parent)
    first = headless(settings_file, db, f"camera:{blank_clip}", dirs)
    started = threading.Event()
    first_err: list[str] = []

    def read_first() -> None:
        for line in first.stderr:
            first_err.append(line)
            if "press Ctrl+C to stop" in line:
                started.set()

    threading.Thread(target=read_first, daemon=True).start()
    try:
        assert started.wait(60), "".join(first_err)
        seen: dict[str, object] = {}

        def watch(window, modal):
            screen = start_problem(modal)
            if screen is not None:
                seen.update(message=screen.message.text(), retry=screen.retry.isVisible())
                screen.close_button.click()
            elif window is not None:
                seen["second window"] = True
                return True
            return False

        code = run_door(run_args(settings_file, db, f"camera:{blank_clip}"), watch, timeout=60)
        assert "second window" not in seen
        assert code == EXIT_ALREADY_OPEN
        assert "Trên máy này đã có một cửa đang chạy với cùng sổ ghi" in str(seen["message"])
        assert seen["retry"] is False

        second = headless(settings_file, db, f"camera:{blank_clip}", dirs)
        _, err = second.communicate(timeout=60)
        assert second.returncode == EXIT_ALREADY_OPEN
        assert f"Trên máy này đã có một cửa đang chạy với cùng sổ ghi ({db})" in err
        assert first.poll() is None  # the first door never noticed
    finally:
        first.terminate()
        first.wait(30)
    assert first.returncode == 0


# --- rehearsals and the first start -----------------------------------------------------------------------

RECORDER = """
import http.server, sys
log = open(sys.argv[1], "a", buffering=1)
class Recorder(http.server.BaseHTTPRequestHandler):
    def handle_one_request(self):
        super().handle_one_request()
    def _record(self):
        log.write(f"{self.command} {self.path}\\n")
        self.send_response(503)
        self.end_headers()
    do_GET = do_POST = do_PUT = _record
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@pytest.fixture
def recording_server(tmp_path):
    """A real HTTP server process on 127.0.0.1 that writes down every request it gets."""
    log = tmp_path / "requests.log"
    log.touch()
    process = subprocess.Popen([PYTHON, "-c", RECORDER, str(log)], stdout=subprocess.PIPE, text=True)
    port = int(process.stdout.readline())
    yield f"http://127.0.0.1:{port}", log
    process.terminate()
    process.wait(10)


def test_a_demo_run_keeps_its_made_up_visitors_out_of_the_real_log_and_sends_nothing(
        qtbot, folders, recording_server):
    settings_file, db = folders
    url, requests = recording_server
    station(settings_file, server_url=url, server_token="station-token-1234")
    rehearsal = db.with_name("entries.rehearsal.sqlite3")
    seen: dict[str, object] = {}

    def watch(window, modal):
        if window is None or entries_in(rehearsal) < 3:
            return False
        seen.update(banner=window.panel.banner.text(), notice=bottom_notice(window))
        return True

    assert run_door(run_args(settings_file, db, None, demo=True), watch) == 0
    assert entries_in(rehearsal) >= 3  # the rehearsal ran and wrote its visitors...
    assert entries_in(db) == 0  # ...never into the station's real entries
    assert requests.read_text(encoding="utf-8") == ""  # and sent nothing
    assert "CHẾ ĐỘ THỬ" in str(seen["banner"])
    assert "không gửi gì lên máy chủ" in str(seen["notice"])


def test_first_start_in_a_rehearsal_offers_the_real_camera_and_says_it_is_for_the_real_door(
        qtbot, folders):
    settings_file, db = folders
    seen: dict[str, object] = {}

    def watch(window, modal):
        if isinstance(modal, SetupDialog) and "camera" not in seen:
            seen.update(camera=modal.camera.currentText(), rehearsal=modal.rehearsal.isVisible() and
                        modal.rehearsal.text())
            modal.station.setText("Cổng A")
            modal.pins.pin.setText(PIN)
            modal.pins.repeat.setText(PIN)
            modal.buttons.button(modal.buttons.StandardButton.Ok).click()  # the defaults otherwise
            return False
        if window is not None:
            seen["banner"] = window.panel.banner.text()
            return True
        return False

    assert run_door(run_args(settings_file, db, None, demo=True), watch) == 0
    assert seen["camera"] == "camera:0"
    assert "Lần chạy này là diễn tập" in str(seen["rehearsal"])
    assert "CHẾ ĐỘ THỬ" in str(seen["banner"])
    saved = load_settings(settings_file)
    assert (saved.station_name, saved.camera, saved.demo_mode) == ("Cổng A", "camera:0", False)
    assert entries_in(db) == 0


def test_closing_the_first_start_setup_changes_nothing_says_so_and_exits_0(qtbot, folders, capfd):
    settings_file, db = folders

    def watch(window, modal):
        if isinstance(modal, SetupDialog):
            modal.reject()
        return window is not None

    assert run_door(run_args(settings_file, db, None), watch, timeout=30) == 0
    err = capfd.readouterr().err
    assert "Chưa cài đặt xong: hộp cài đặt đã được đóng, không có gì thay đổi." in err
    assert not settings_file.exists() and not db.exists()
