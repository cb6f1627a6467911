"""The station's settings: a small TOML file under the platform's config directory.

A bad value is the user's to fix, so it is reported as a `SettingsError` naming the file and the line,
never as a traceback. Saving is atomic: a crash mid-save leaves the old file intact.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from kiosk.atomic_file import replacing
from kiosk.errors import KioskError, os_problem
from kiosk.reasons import LANGUAGES

APP_NAME = "qr-checkin-kiosk"
CAMERA_BACKENDS = ("auto", "v4l2", "dshow", "msmf", "any")
WATCH_ACTIONS = ("warn", "refuse")
SELF_DECLARED_ACTIONS = ("admit", "warn", "refuse")
# Settings the central server may push; the station's own (name, camera, server, PIN, database, demo mode)
# stay its own: no server may make a door trust the demo's public keys.
PUSHED_SETTINGS = ("dedup_minutes", "reset_seconds", "retention_days", "capacity", "sound", "language",
                   "watch_action", "watch_self_declared")


class SettingsError(KioskError):
    """The settings file cannot be used as it is; the message says where and why."""


class SettingsSaveError(SettingsError, OSError):
    """The settings could not be written (read-only folder, full disk)."""


@dataclass(frozen=True)
class Settings:
    station_name: str = ""
    location: str = ""
    camera: str = "camera:0"  # never the demo camera: its made-up visitors would be logged at a real door
    camera_backend: str = "auto"
    camera_watchdog_seconds: float = 3.0
    server_url: str = ""
    server_token: str = ""
    dedup_minutes: int = 30
    reset_seconds: float = 4.0
    retention_days: int = 28
    capacity: int | None = None
    sound: bool = True
    language: str = "vi"
    admin_pin_hash: str = ""
    database: str = ""
    watch_list: tuple[str, ...] = field(default_factory=tuple)
    watch_action: str = "warn"
    # While a watch list is in force, what a visitor gets whose identity no document backs (a health
    # declaration: the ID number is typed by the visitor). "admit" still shows that it is self-declared.
    watch_self_declared: str = "warn"
    # Rehearsal only: trusts the demo's signing keys (their private halves are in the source) and says
    # so on every screen. Never pushed by a server; `kiosk run --demo` turns it on for one run.
    demo_mode: bool = False
    # --- The door's signal per verdict and its service-log line (issue 9). Never pushed by a server: a
    # pushed setting must not make a door run a command. Used by `kiosk.door_app`.
    # A command run without a shell after each verdict; {look} (admit, warn, refuse, repeat, scanner) and
    # {direction} (in, out) are replaced in its arguments, or appended when it names neither.
    verdict_command: str = ""
    verdict_command_timeout: float = 5.0  # seconds before the command is stopped
    # A device or file (/dev/ttyUSB0, /sys/class/gpio/gpio17/value) that gets one text per verdict.
    verdict_line: str = ""
    verdict_line_admit: str = "1"  # written on admit
    verdict_line_other: str = "0"  # written on every other verdict
    status_log_minutes: int = 15  # the status line for the service log, at least this often
    # --- end of the door-signal block

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    @property
    def configured(self) -> bool:
        """First start is over once a station name and an admin PIN were chosen."""
        return bool(self.station_name and self.admin_pin_hash)


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


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file means defaults (first start)."""
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
    return _from_mapping(data, path, text)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings file atomically; SettingsSaveError (also an OSError) when the disk refuses."""
    path = path or settings_path()
    try:
        with replacing(path) as out:
            out.write(_to_toml(settings))
    except OSError as error:
        raise SettingsSaveError(f"{path}: cannot save the settings ({os_problem(error)}); "
                                "the previous file is unchanged") from None


def save_changes(before: Settings, after: Settings, path: Path | None = None) -> None:
    """Write into the settings file only what changed from `before` to `after`, so that overrides of one
    run (`kiosk run --source ... --db ...`) stay out of the file."""
    changed = {f.name: getattr(after, f.name) for f in dataclasses.fields(Settings)
               if getattr(after, f.name) != getattr(before, f.name)}
    save_settings(load_settings(path).replace(**changed), path)


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _from_mapping(data: dict[str, Any], path: Path, text: str) -> Settings:
    known = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}, line {_line_of(text, key) or '?'}"
        if key not in known:
            raise SettingsError(f"{where}: unknown setting {key!r}")
        try:
            values[key] = checked_value(key, value)
        except ValueError as problem:
            raise SettingsError(f"{where}: {key} = {value!r}: {problem}") from None
    return Settings(**values)


def checked_value(key: str, value: Any) -> Any:
    """Validate one value; ValueError says what would be right."""
    if key in ("station_name", "location", "camera", "server_url", "server_token", "admin_pin_hash",
               "database", "verdict_line", "verdict_line_admit", "verdict_line_other"):
        return _text(value)
    if key == "verdict_command":  # door-signal block
        return _command(value)
    if key == "status_log_minutes":  # door-signal block
        return _whole(value, minimum=1)
    if key == "camera_backend":
        return _choice(value, CAMERA_BACKENDS)
    if key == "language":
        return _choice(value, LANGUAGES)
    if key == "watch_action":
        return _choice(value, WATCH_ACTIONS)
    if key == "watch_self_declared":
        return _choice(value, SELF_DECLARED_ACTIONS)
    if key in ("sound", "demo_mode"):
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if key in ("dedup_minutes", "retention_days"):
        return _whole(value, minimum=0 if key == "dedup_minutes" else 1)
    if key == "capacity":
        return None if value in (0, "") else _whole(value, minimum=1)
    if key in ("reset_seconds", "camera_watchdog_seconds", "verdict_command_timeout"):
        return _seconds(value)
    if key == "watch_list":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError("expected a list of texts, e.g. [\"qid:162900000000000001\"]")
        return tuple(item.strip() for item in value if item.strip())
    raise ValueError("unsupported setting")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a text in quotes")
    return value


def _command(value: Any) -> str:
    """A command line split as a POSIX shell would split it (it is run without one)."""
    text = _text(value)
    try:
        shlex.split(text)
    except ValueError as problem:
        raise ValueError(f"not a command line ({problem})") from None
    return text


def _choice(value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"expected one of {', '.join(allowed)}")
    return value


def _whole(value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"expected a whole number of at least {minimum}")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError("expected a number of seconds greater than 0")
    return float(value)


def _to_toml(settings: Settings) -> str:
    lines = ["# QR check-in kiosk settings. Edit with the kiosk's settings screen or by hand."]
    for f in dataclasses.fields(Settings):
        value = getattr(settings, f.name)
        if value is None:
            continue
        lines.append(f"{f.name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'
