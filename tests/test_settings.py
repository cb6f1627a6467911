import pytest

from kiosk.settings import Settings, SettingsError, chosen_camera, load_settings, save_settings, settings_path


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
    assert load_settings() == chosen
    assert settings_path().exists()


@pytest.mark.parametrize("line, expected", [
    ("dedup_minutes = -5", "line 3: dedup_minutes = -5: expected a whole number of at least 0"),
    ("language = \"fr\"", "line 3: language = 'fr': expected one of vi, en"),
    ("capacity = \"many\"", "line 3: capacity = 'many': expected a whole number of at least 1"),
    ("retention_days = 0", "expected a whole number of at least 1"),
    ("reset_seconds = nan", "expected a number of seconds greater than 0"),
    ("sound = \"yes\"", "expected true or false"),
    ("demo_mode = 1", "line 3: demo_mode = 1: expected true or false"),
    ("watch_self_declared = \"ignore\"", "expected one of admit, warn, refuse"),
    ("colour = \"red\"", "line 3: unknown setting 'colour'"),
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
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]
