import tomllib

import pytest

from kiosk.sealing.tags import tagged_key
from kiosk.settings import (
    Settings,
    SettingsError,
    chosen_camera,
    last_good_path,
    load_settings,
    read_settings,
    save_changes,
    save_settings,
    settings_path,
)
from tests.watch_config import TEST_TAG_KEY


def test_first_start_has_defaults_nobody_chose_yet():
    settings = load_settings()
    assert settings == Settings()
    assert not settings.configured
    assert settings.retention_days == 28 and settings.language == "vi"
    assert not settings.demo_mode and settings.watch_self_declared == "warn"
    assert settings.camera == chosen_camera("") == "camera:0"  # a door never starts on the demo camera


def test_saved_settings_read_back_the_same(tmp_path):
    chosen = Settings(station_name="Cổng A — Bệnh viện", location="Sảnh chính", capacity=50,
                      watch_list=("qid:162900000000000001",), server_token='to"ken\\x', sound=False,
                      reset_seconds=2.5, watch_self_declared="refuse", demo_mode=True)
    save_settings(chosen)
    # The watch list is kept as the tagged key of what was typed, never the number.
    assert load_settings() == chosen.replace(watch_list=(tagged_key(TEST_TAG_KEY, "qid:162900000000000001"),))
    assert "162900000000000001" not in settings_path().read_text(encoding="utf-8")


@pytest.mark.parametrize("line, expected", [
    ("dedup_minutes = -5", "line 3: dedup_minutes = -5: expected a whole number from 0 to 1440"),
    ("dedup_minutes = 1441", "line 3: dedup_minutes = 1441: expected a whole number from 0 to 1440"),
    ("language = \"fr\"", "line 3: language = 'fr': expected one of vi, en"),
    ("capacity = \"many\"", "line 3: capacity = 'many': expected a whole number from 1 to 100000, or 0 for no limit"),
    ("retention_days = 0", "expected a whole number from 1 to 366"),
    # timedelta(days=...) overflows past 999999999 days: the purge would crash on every start
    ("retention_days = 1000000000", "expected a whole number from 1 to 366"),
    ("reset_seconds = nan", "expected a number from 1 to 60"),
    ("reset_seconds = 0.5", "line 3: reset_seconds = 0.5: expected a number from 1 to 60"),
    ("camera_watchdog_seconds = 0", "expected a number of at least 0.1"),
    ("sound = \"yes\"", "expected true or false"),
    ("demo_mode = 1", "line 3: demo_mode = 1: expected true or false"),
    ("watch_self_declared = \"ignore\"", "expected one of admit, warn, refuse"),
    ("direction = \"sideways\"", "line 3: direction = 'sideways': expected one of in, out"),
    ("default_stay_minutes = 5", "line 3: default_stay_minutes = 5: expected a whole number from 15 to 1440"),
    ("closing_time = \"25:00\"", "line 3: closing_time = '25:00': expected a time of day as \"HH:MM\""),
    ("closing_time = \"10pm\"", "expected a time of day as \"HH:MM\" (24-hour clock, e.g. \"22:00\"), or \"\" for none"),
    ("closing_time = 2200", "line 3: closing_time = 2200: expected a text in quotes"),
    ("colour = \"red\"", "line 3: unknown setting 'colour'"),
    ("server_token = 12345678", "line 3: server_token = (hidden): expected a text in quotes"),
])
def test_a_bad_value_is_reported_with_its_line(tmp_path, line, expected):
    path = tmp_path / "settings.toml"
    path.write_text(f"# kiosk\nstation_name = \"Gate\"\n{line}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_a_corrupt_file_gives_a_message_not_a_traceback(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_bytes(b"station_name = \"Gate\nthis is = = not toml\x00")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(path)


def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    save_settings(Settings(station_name="Old gate"), path)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("os.fsync", broken_fsync)
    with pytest.raises(OSError):
        save_settings(Settings(station_name="New gate"), path)
    assert load_settings(path).station_name == "Old gate"
    # Nothing half-written is left: the file and the last good copy kept when it was first saved.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.last-good.toml", "settings.toml"]


def test_the_file_holds_only_what_differs_from_the_defaults(tmp_path):
    path = tmp_path / "settings.toml"
    save_settings(Settings(station_name="Gate", sound=False, capacity=None, location="Hall\t\"B\"\n\x07"), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# QR check-in kiosk settings.")
    assert tomllib.loads(text) == {"station_name": "Gate", "location": "Hall\t\"B\"\n\x07", "sound": False}
    assert load_settings(path).location == "Hall\t\"B\"\n\x07"


def test_no_limit_is_written_as_0_and_read_back_as_no_limit(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("capacity = 0\n", encoding="utf-8")
    assert load_settings(path).capacity is None
    save_changes(Settings(capacity=50), Settings(), path)  # the admin removed the limit
    assert load_settings(path).capacity is None and "capacity" not in path.read_text(encoding="utf-8")


def test_save_changes_writes_only_what_changed(tmp_path):
    path = tmp_path / "settings.toml"
    save_settings(Settings(station_name="Gate", dedup_minutes=10), path)
    run = load_settings(path).replace(database=str(tmp_path / "rehearsal.sqlite3"))  # `kiosk run --db`
    save_changes(run, run.replace(language="en"), path)
    assert load_settings(path) == Settings(station_name="Gate", dedup_minutes=10, language="en")


def test_a_secret_stays_out_of_the_repr_and_of_errors(tmp_path):
    assert "s3cret-token" not in repr(Settings(server_token="s3cret-token", admin_pin_hash="pbkdf2$s3cret"))
    assert "s3cret" not in repr(Settings(admin_pin_hash="pbkdf2$s3cret"))
    path = tmp_path / "settings.toml"
    path.write_text("server_token = [\"s3cret-token\"]\n", encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    assert "s3cret" not in str(error.value) and "server_token = (hidden)" in str(error.value)


def test_the_tracing_settings_read_back_and_default_to_entries_two_hours_and_no_closing_time(tmp_path):
    assert (Settings().direction, Settings().default_stay_minutes, Settings().closing_time) == ("in", 120, "")
    path = tmp_path / "settings.toml"
    path.write_text('direction = "out"\ndefault_stay_minutes = 45\nclosing_time = " 21:30 "\n', encoding="utf-8")
    assert load_settings(path) == Settings(direction="out", default_stay_minutes=45, closing_time="21:30")


def test_a_file_read_or_saved_whole_is_kept_beside_it_owner_only(tmp_path):
    path = tmp_path / "settings.toml"
    save_settings(Settings(station_name="Gate"), path)
    copy = last_good_path(path)
    assert copy.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    assert copy.stat().st_mode & 0o777 == 0o600
    path.write_text('station_name = "Hand edited"\n', encoding="utf-8")
    load_settings(path)
    assert "Hand edited" in copy.read_text(encoding="utf-8")


def test_a_newer_versions_setting_is_left_out_named_and_kept_on_save(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('station_name = "Gate"\ncolour = "red"\n', encoding="utf-8")
    settings, unknown = read_settings(path)
    assert settings.station_name == "Gate"
    assert [(error.key, error.line) for error in unknown] == [("colour", 2)]
    save_changes(settings, settings.replace(language="en"), path)
    assert read_settings(path)[0].language == "en"
    assert 'colour = "red"' in path.read_text(encoding="utf-8")
