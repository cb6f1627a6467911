"""Each setting is declared once; the file, the form, the pushed settings and the server all follow it."""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kiosk.settings
from kiosk import reasons
from kiosk.messages import template_for
from kiosk.setting_specs import BY_NAME, DECLARED, PUSHED_SETTINGS, Kind, checked_value
from kiosk.settings import Settings
from kiosk.station_config import StationConfig, StationConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_the_module_imports_nothing_beyond_the_standard_library():
    # The server imports it to check pushed settings: it must not pull in the kiosk (Qt, OpenCV, the store).
    probe = ("import sys; before = set(sys.modules); import kiosk.setting_specs; "
             "print(sorted(m for m in set(sys.modules) - before "
             "if m.split('.')[0] not in sys.stdlib_module_names))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "['kiosk', 'kiosk.messages', 'kiosk.setting_specs']"


def test_the_settings_class_has_one_field_per_declaration_with_its_default():
    fields = dataclasses.fields(Settings)
    assert [f.name for f in fields] == [setting.name for setting in DECLARED]
    assert Settings() == Settings(**{setting.name: setting.default for setting in DECLARED})
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().station_name = "changed"


def test_the_server_pushes_todays_settings_and_never_the_stations_own():
    assert PUSHED_SETTINGS == ("default_stay_minutes", "closing_time", "dedup_minutes", "reset_seconds", "retention_days", "capacity", "sound",
                               "language", "watch_action", "watch_self_declared")
    assert kiosk.settings.PUSHED_SETTINGS is PUSHED_SETTINGS and kiosk.settings.checked_value is checked_value
    assert not any(BY_NAME[name].pushable for name in ("station_name", "camera", "server_url", "server_token",
                                                        "admin_pin_hash", "database", "demo_mode",
                                                        "direction"))


@pytest.mark.parametrize("setting", DECLARED, ids=lambda setting: setting.name)
def test_each_declaration_is_complete_and_its_default_is_valid(setting):
    assert checked_value(setting.name, setting.default) == setting.default
    for lang in ("vi", "en"):
        assert template_for(setting.label.code, lang) and template_for(setting.help.code, lang)
    if setting.kind in (Kind.WHOLE, Kind.NUMBER, Kind.OPTIONAL_WHOLE):
        assert setting.minimum is not None  # the form needs a lowest value
    if setting.kind is Kind.OPTIONAL_WHOLE:
        assert setting.minimum >= 1  # 0 means "no limit"
    assert (setting.kind is Kind.CHOICE) == bool(setting.choices)
    assert not (setting.secret and setting.pushable)


def test_the_languages_of_the_setting_are_those_the_door_speaks():
    assert BY_NAME["language"].choices == reasons.LANGUAGES


@pytest.mark.parametrize("pushed, problem", [
    ({"dedup_minutes": 5000}, "dedup_minutes = 5000: expected a whole number from 0 to 1440"),
    ({"reset_seconds": 0.2}, "reset_seconds = 0.2: expected a number from 1 to 60"),
    ({"retention_days": 10**12}, "expected a whole number from 1 to 366"),
    ({"capacity": True}, "expected a whole number from 1 to 100000, or 0 for no limit"),
])
def test_a_pushed_value_outside_the_declared_limits_is_refused(pushed, problem):
    with pytest.raises(StationConfigError, match=problem):
        StationConfig.from_document({"settings": pushed})


def test_a_pushed_value_within_the_limits_applies():
    config = StationConfig.from_document({"settings": {"dedup_minutes": 1440, "reset_seconds": 1, "capacity": 0}})
    assert config.settings_for(Settings(capacity=50)) == Settings(dedup_minutes=1440, reset_seconds=1.0)


NEW_SETTING = '''
    Setting("door_chime", Kind.CHOICE, "bell", choices=("bell", "gong"), pushable=True, in_form=True),'''

CONSUMERS = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from kiosk.settings import Settings, SettingsError, load_settings, save_settings
    from kiosk.station_config import StationConfig, StationConfigError
    from server.database import make_engine, migrate
    from server.station_config import set_setting
    from server.stations import AdminRequestError
    from ui.dialogs.settings_form import SettingsForm

    folder = Path(sys.argv[1])
    seen = {}
    path = folder / "settings.toml"
    path.write_text('station_name = "Gate"\\ndoor_chime = "gong"\\n', encoding="utf-8")
    seen["read"] = load_settings(path).door_chime
    save_settings(Settings(door_chime="gong", sound=False), path)
    seen["written"] = path.read_text(encoding="utf-8").splitlines()[1:]
    path.write_text('door_chime = "siren"\\n', encoding="utf-8")
    try:
        load_settings(path)
    except SettingsError as error:
        seen["refused"] = str(error).removeprefix(f"{path}, ")
    seen["pushed"] = StationConfig.from_document({"settings": {"door_chime": "gong"}}).settings_for(
        Settings()).door_chime
    engine = make_engine(str(folder / "server.sqlite3"))
    migrate(engine)
    set_setting(engine, "door_chime", "gong")
    try:
        set_setting(engine, "door_chime", "siren")
    except AdminRequestError as error:
        seen["server refused"] = str(error)
    app = QApplication([])
    form = SettingsForm(Settings())
    seen["form label"] = form.layout().labelForField(form.fields["door_chime"]).text()
    form.fields["door_chime"].setCurrentText("gong")
    seen["form value"] = form.settings().door_chime
    print(json.dumps(seen, ensure_ascii=False))
''')


NEW_TEXTS = {
    "vi": {"label": "Chuông cửa", "help": "Tiếng khi khách được vào"},
    "en": {"label": "Door chime", "help": "The sound when a visitor is let in"},
}


def test_a_new_setting_is_one_declaration(tmp_path):
    """Add one declaration and its label and help to each catalogue of a copy of the source, touch nothing
    else: the file reads and writes it, the validator checks it, the station takes it pushed, the server
    accepts it and the admin form shows it."""
    for package in ("kiosk", "ui", "server"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    specs = tmp_path / "kiosk" / "setting_specs.py"
    anchor = "DECLARED: tuple[Setting, ...] = ("
    specs.write_text(specs.read_text(encoding="utf-8").replace(anchor, anchor + NEW_SETTING), encoding="utf-8")
    for lang, texts in NEW_TEXTS.items():
        with (tmp_path / "kiosk" / "locale" / lang / "LC_MESSAGES" / "kiosk.po").open("a", encoding="utf-8") as po:
            po.writelines(f'\nmsgid "setting.door_chime.{part}"\nmsgstr "{text}"\n' for part, text in texts.items())

    done = subprocess.run([sys.executable, "-c", CONSUMERS, str(tmp_path)], cwd=tmp_path, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "read": "gong",
        "written": ['door_chime = "gong"', "sound = false"],
        "refused": "line 1: door_chime = 'siren': expected one of bell, gong",
        "pushed": "gong",
        "server refused": "door_chime = 'siren': expected one of bell, gong.",
        "form label": "Chuông cửa",
        "form value": "gong",
    }
