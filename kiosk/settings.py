"""The station's settings: a small TOML file under the platform's config directory.

Each setting is declared once in `kiosk.setting_specs`; this module makes the `Settings` class from those
declarations and reads the file with tomllib and writes it with tomli-w, keeping only what differs from
the defaults (so a default changed in a new version reaches every station that never chose otherwise).
A bad value is the user's to fix, so it is reported as a `SettingsError` naming the file and the line,
never as a traceback. Saving is atomic: a crash mid-save leaves the old file intact. Each file read or saved
whole is also copied beside it as the last good settings (`last_good_path`), which a start falls back on
when the file is later broken (kiosk.start_settings). A key this version does not know (a newer version's
setting) is kept when the file is saved again.

The typed watch list never reaches the file in clear: each item is written as a tagged key under the
kiosk's own tag key (kiosk.watch_list.tagged_items), and a file written by an older version that still
holds clear items is rewritten so when it is read.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import tomllib
from enum import Enum
from pathlib import Path
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


class Problem(str, Enum):
    """What is wrong with a settings file, for a sentence in the station's language."""

    UNREADABLE = "unreadable"
    NOT_TOML = "not_toml"
    UNKNOWN_KEY = "unknown_key"
    BAD_VALUE = "bad_value"


class SettingsError(KioskError):
    """The settings file cannot be used as it is; the message says where and why (in English), and
    `problem`, `line` and `key` say it to whoever words it for a guard."""

    def __init__(self, message: str, problem: Problem = Problem.UNREADABLE, line: int | None = None,
                 key: str = "") -> None:
        super().__init__(message)
        self.problem = problem
        self.line = line
        self.key = key


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


DEMO_CAMERA = "demo"


def chosen_camera(text: str) -> str:
    """What a camera field typed by a person means: empty is the first camera, never the demo."""
    return text.strip() or Settings.camera


def is_demo_camera(camera: str) -> bool:
    return camera.strip().lower() == DEMO_CAMERA


def with_demo_camera(settings: Settings) -> Settings:
    """A camera named "demo", wherever it was chosen, means a rehearsal: demo mode on (the banner on every
    screen, a separate database, no sync)."""
    return settings.replace(demo_mode=True) if is_demo_camera(settings.camera) else settings


def config_dir() -> Path:
    return Path(os.environ.get("KIOSK_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def settings_path() -> Path:
    override = os.environ.get("KIOSK_CONFIG")
    return Path(override) if override else config_dir() / "settings.toml"


def data_dir() -> Path:
    return Path(os.environ.get("KIOSK_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def database_path(settings: Settings) -> Path:
    """The entries database. A rehearsal (demo mode) writes to its own file beside the real one (the one
    `--db` names too), so that made-up visitors never mix with real entries."""
    path = Path(settings.database) if settings.database else data_dir() / "entries.sqlite3"
    return path.with_name(f"{path.stem}.rehearsal{path.suffix}") if settings.demo_mode else path


def last_good_path(path: Path) -> Path:
    """Where the copy of the settings last read or saved whole is kept: beside the file."""
    return path.with_name(f"{path.stem}.last-good{path.suffix}")


def load_settings(path: Path | None = None, tag_key: TagKey | None = None) -> Settings:
    """Read the settings file; a missing file means defaults (first start). Watch-list items still in
    clear (an older version's file) are tagged (`tag_key`: kiosk.watch_list.kiosk_tag_key by default) and
    the file is rewritten without them. An unknown key is a SettingsError here."""
    settings, unknown = read_settings(path, tag_key)
    if unknown:
        raise unknown[0]
    return settings


def read_settings(path: Path | None = None, tag_key: TagKey | None = None,
                  keep_copy: bool = True) -> tuple[Settings, tuple[SettingsError, ...]]:
    """`load_settings` that leaves out the keys this version does not know and returns them (as errors
    naming their lines) beside the settings. A file read whole becomes the last good copy (unless
    `keep_copy` is False: reading that copy itself)."""
    settings, unknown, _ = _read(path or settings_path(), tag_key, keep_copy)
    return settings, unknown


def _read(path: Path, tag_key: TagKey | None,
          keep_copy: bool = True) -> tuple[Settings, tuple[SettingsError, ...], dict[str, Any]]:
    """The settings, the unknown keys as errors, and their values as read (to keep them on a save)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(), (), {}
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot read the settings file ({error})") from None
    data = _parsed(text, path)
    settings, unknown = _from_mapping(data, path, text)
    kept = {error.key: data[error.key] for error in unknown}
    tagged = settings.replace(watch_list=tagged_items(settings.watch_list, tag_key))
    if tagged != settings and keep_copy:
        try:
            save_settings(tagged, path, tag_key, kept)
        except SettingsSaveError as error:
            log.error("the watch list is still in clear in the settings file: %s", error)
    elif keep_copy and not unknown:
        keep_last_good(path, text)
    return tagged, unknown, kept


def keep_last_good(path: Path, text: str) -> None:
    """Copy settings that were just read or saved whole beside the file (atomically, owner-only like the
    file); a disk that refuses costs only the copy."""
    try:
        with replacing(last_good_path(path), mode=0o600) as out:
            out.write(text)
    except OSError as error:
        log.warning("the last good copy of the settings was not kept: %s", os_problem(error))


def save_settings(settings: Settings, path: Path | None = None, tag_key: TagKey | None = None,
                  unknown: dict[str, Any] | None = None) -> None:
    """Write the settings file atomically, the watch list as tagged keys, and `unknown` keys as they were
    read; SettingsSaveError (also an OSError) when the disk refuses."""
    path = path or settings_path()
    settings = settings.replace(watch_list=tagged_items(settings.watch_list, tag_key))
    text = HEADER + tomli_w.dumps({**(unknown or {}), **_differing_from_defaults(settings)})
    try:
        with replacing(path) as out:
            out.write(text)
    except OSError as error:
        raise SettingsSaveError(f"{path}: cannot save the settings ({os_problem(error)}); "
                                "the previous file is unchanged") from None
    if not unknown:
        keep_last_good(path, text)


def save_changes(before: Settings, after: Settings, path: Path | None = None,
                 tag_key: TagKey | None = None) -> None:
    """Write into the settings file only what changed from `before` to `after`, so that overrides of one
    run (`kiosk run --source ... --db ...`) stay out of the file; keys this version does not know stay."""
    changed = {setting.name: getattr(after, setting.name) for setting in DECLARED
               if getattr(after, setting.name) != getattr(before, setting.name)}
    path = path or settings_path()
    current, _, kept = _read(path, tag_key)
    save_settings(current.replace(**changed), path, tag_key, kept)


def _parsed(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"at line (\d+)", str(error))
        raise SettingsError(f"{path}: not valid TOML: {error}", Problem.NOT_TOML,
                            int(line.group(1)) if line else None) from None


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _from_mapping(data: dict[str, Any], path: Path,
                  text: str) -> tuple[Settings, tuple[SettingsError, ...]]:
    values: dict[str, Any] = {}
    unknown: list[SettingsError] = []
    for key, value in data.items():
        line = _line_of(text, key)
        where = f"{path}, line {line or '?'}"
        if key not in BY_NAME:
            unknown.append(SettingsError(f"{where}: unknown setting {key!r}", Problem.UNKNOWN_KEY, line, key))
            continue
        try:
            values[key] = checked_value(key, value)
        except ValueError as problem:
            shown = "(hidden)" if BY_NAME[key].secret else repr(value)
            raise SettingsError(f"{where}: {key} = {shown}: {problem}", Problem.BAD_VALUE, line, key) from None
    return Settings(**values), tuple(unknown)


def _differing_from_defaults(settings: Settings) -> dict[str, Any]:
    """What the file holds: the settings that differ from their defaults; TOML has no None, so "no limit"
    is written as 0, which reads back as None."""
    return {setting.name: 0 if getattr(settings, setting.name) is None else getattr(settings, setting.name)
            for setting in DECLARED if getattr(settings, setting.name) != setting.default}
