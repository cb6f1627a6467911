"""The station's settings: a small TOML file under the platform's config directory.

Each setting is declared once in `kiosk.setting_specs`; this module makes the `Settings` class from those
declarations and reads the file with tomllib and writes it with tomli-w, keeping only what differs from
the defaults (so a default changed in a new version reaches every station that never chose otherwise).
A bad value is the user's to fix, so it is reported as a `SettingsError` naming the file and the line,
never as a traceback. Saving is atomic: a crash mid-save leaves the old file intact.

The typed watch list never reaches the file in clear: each item is written as a tagged key under the
kiosk's own tag key (kiosk.watch_list.tagged_items), and a file written by an older version that still
holds clear items is rewritten so when it is read.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from pathlib import Path
import logging
from typing import Any

import platformdirs
import tomli_w

from kiosk.atomic_file import replacing
from kiosk.errors import KioskError, os_problem
from kiosk.setting_specs import BY_NAME, DECLARED, checked_value
from kiosk.setting_specs import PUSHED_SETTINGS, WATCH_ACTIONS  # noqa: F401 (the server imports them from here)
from kiosk.watch_list import TagKey, tagged_items

log = logging.getLogger(__name__)

APP_NAME = "qr-checkin-kiosk"
HEADER = "# QR check-in kiosk settings. Edit with the kiosk's settings screen or by hand.\n"


class SettingsError(KioskError):
    """The settings file cannot be used as it is; the message says where and why."""


class SettingsSaveError(SettingsError, OSError):
    """The settings could not be written (read-only folder, full disk)."""


class _SettingsMethods:
    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    @property
    def configured(self) -> bool:
        """First start is over once a station name and an admin PIN were chosen."""
        return bool(self.station_name and self.admin_pin_hash)  # type: ignore[attr-defined]


# One field per declared setting, with its default; a secret stays out of the repr (and so out of logs).
Settings = dataclasses.make_dataclass(
    "Settings",
    [(setting.name, setting.python_type, dataclasses.field(default=setting.default, repr=not setting.secret))
     for setting in DECLARED],
    bases=(_SettingsMethods,), frozen=True,
    namespace={"__module__": __name__,
               "__doc__": "The station's settings: one field per setting in `kiosk.setting_specs.DECLARED`."},
)


def chosen_camera(text: str) -> str:
    """What a camera field typed by a person means: empty is the first camera, never the demo."""
    return text.strip() or Settings.camera


def config_dir() -> Path:
    return Path(os.environ.get("KIOSK_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def settings_path() -> Path:
    override = os.environ.get("KIOSK_CONFIG")
    return Path(override) if override else config_dir() / "settings.toml"


def data_dir() -> Path:
    return Path(os.environ.get("KIOSK_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def database_path(settings: Settings) -> Path:
    return Path(settings.database) if settings.database else data_dir() / "entries.sqlite3"


def load_settings(path: Path | None = None, tag_key: TagKey | None = None) -> Settings:
    """Read the settings file; a missing file means defaults (first start). Watch-list items still in
    clear (an older version's file) are tagged (`tag_key`: kiosk.watch_list.kiosk_tag_key by default) and
    the file is rewritten without them."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot read the settings file ({error})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None
    settings = _from_mapping(data, path, text)
    tagged = settings.replace(watch_list=tagged_items(settings.watch_list, tag_key))
    if tagged != settings:
        try:
            save_settings(tagged, path, tag_key)
        except SettingsSaveError as error:
            log.error("the watch list is still in clear in the settings file: %s", error)
    return tagged


def save_settings(settings: Settings, path: Path | None = None, tag_key: TagKey | None = None) -> None:
    """Write the settings file atomically, the watch list as tagged keys; SettingsSaveError (also an
    OSError) when the disk refuses."""
    path = path or settings_path()
    settings = settings.replace(watch_list=tagged_items(settings.watch_list, tag_key))
    try:
        with replacing(path) as out:
            out.write(HEADER + tomli_w.dumps(_differing_from_defaults(settings)))
    except OSError as error:
        raise SettingsSaveError(f"{path}: cannot save the settings ({os_problem(error)}); "
                                "the previous file is unchanged") from None


def save_changes(before: Settings, after: Settings, path: Path | None = None,
                 tag_key: TagKey | None = None) -> None:
    """Write into the settings file only what changed from `before` to `after`, so that overrides of one
    run (`kiosk run --source ... --db ...`) stay out of the file."""
    changed = {setting.name: getattr(after, setting.name) for setting in DECLARED
               if getattr(after, setting.name) != getattr(before, setting.name)}
    save_settings(load_settings(path, tag_key).replace(**changed), path, tag_key)


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _from_mapping(data: dict[str, Any], path: Path, text: str) -> Settings:
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}, line {_line_of(text, key) or '?'}"
        if key not in BY_NAME:
            raise SettingsError(f"{where}: unknown setting {key!r}")
        try:
            values[key] = checked_value(key, value)
        except ValueError as problem:
            shown = "(hidden)" if BY_NAME[key].secret else repr(value)
            raise SettingsError(f"{where}: {key} = {shown}: {problem}") from None
    return Settings(**values)


def _differing_from_defaults(settings: Settings) -> dict[str, Any]:
    """What the file holds: the settings that differ from their defaults; TOML has no None, so "no limit"
    is written as 0, which reads back as None."""
    return {setting.name: 0 if getattr(settings, setting.name) is None else getattr(settings, setting.name)
            for setting in DECLARED if getattr(settings, setting.name) != setting.default}
