"""What a start decides without Qt: the settings it starts on, the rehearsal's own database, the lock that
keeps a second kiosk off a database, and the words for a data folder that cannot be written."""

import errno
import subprocess
import sys

import pytest

from kiosk.door_start import EXIT_ALREADY_OPEN, StartProblem, data_folder_problem, open_door
from kiosk.settings import Settings, database_path, save_settings, with_demo_camera
from kiosk.single_door import DoorAlreadyOpen, hold_door
from kiosk.start_settings import start_settings


def test_a_broken_file_without_a_last_good_copy_starts_the_setup_and_is_kept(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("station_name = \n", encoding="utf-8")
    start = start_settings(path)
    assert not start.settings.configured  # the first-start setup
    assert "bắt đầu lại từ bước cài đặt" in start.notice.text("vi")
    assert (tmp_path / "settings.broken.toml").read_text(encoding="utf-8") == "station_name = \n"
    assert not path.exists()


def test_a_bad_value_falls_back_in_the_last_good_settings_language(tmp_path):
    path = tmp_path / "settings.toml"
    save_settings(Settings(station_name="Gate", admin_pin_hash="x", language="en"), path)
    path.write_text('station_name = "Gate"\nreset_seconds = -4\n', encoding="utf-8")
    start = start_settings(path)
    assert start.settings.language == "en"
    assert "line 2" in start.notice.text("en") and "(reset_seconds) cannot be used" in start.notice.text("en")


def test_a_camera_named_demo_is_a_rehearsal_on_its_own_database(tmp_path):
    real = Settings(database=str(tmp_path / "entries.sqlite3"))
    rehearsal = with_demo_camera(real.replace(camera=" Demo "))
    assert rehearsal.demo_mode
    assert database_path(rehearsal) == tmp_path / "entries.rehearsal.sqlite3"
    assert database_path(real) == tmp_path / "entries.sqlite3"


def test_the_lock_is_refused_to_another_process_and_let_go_when_released(tmp_path):
    database = tmp_path / "entries.sqlite3"
    lock = hold_door(database)
    other = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                            "from kiosk.single_door import hold_door; hold_door(Path(sys.argv[1]))", str(database)],
                           capture_output=True, text=True)
    assert "DoorAlreadyOpen" in other.stderr
    with pytest.raises(StartProblem) as refused:
        open_door(Settings(database=str(database)))
    assert refused.value.exit_code == EXIT_ALREADY_OPEN and not refused.value.can_retry
    lock.release()
    hold_door(database).release()


def test_a_second_lock_in_the_same_process_is_refused_too(tmp_path):
    lock = hold_door(tmp_path / "entries.sqlite3")
    try:
        with pytest.raises(DoorAlreadyOpen):
            hold_door(tmp_path / "entries.sqlite3")
    finally:
        lock.release()


@pytest.mark.parametrize("number, words", [(errno.EACCES, "không có quyền ghi"), (errno.ENOSPC, "ổ đĩa đã đầy"),
                                           (errno.EROFS, "ổ đĩa chỉ cho đọc")])
def test_a_data_folder_that_cannot_be_written_is_said_in_words_a_guard_can_pass_on(tmp_path, number, words):
    message = data_folder_problem(tmp_path, OSError(number, "system words"))
    assert words in message.text("vi") and str(tmp_path) in message.text("vi")
    assert "system words" not in message.text("vi")
