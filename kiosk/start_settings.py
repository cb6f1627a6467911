"""The settings a door starts on when its settings file cannot be used as it is, and what to tell about it.

A broken settings file (not TOML, a value out of bounds, unreadable) never stops the door: the file is
moved aside, not deleted (what the admin typed is there to repair), the last good copy
(kiosk.settings.last_good_path) takes its place, or, when none was kept, the first-start setup runs. A key
this version does not know (a newer version's setting) is left out and the rest is used. Either way the
notice says, in the station's language, which file, which line, what is wrong and what the door did, for
the door screen and the log; it comes back at every start while a moved-aside file is still there.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from kiosk.atomic_file import replacing
from kiosk.messages import Message
from kiosk.settings import (
    Problem,
    Settings,
    SettingsError,
    last_good_path,
    read_settings,
    settings_path,
)

log = logging.getLogger(__name__)

_PROBLEMS = {Problem.UNREADABLE: "start.problem.unreadable", Problem.NOT_TOML: "start.problem.not-toml",
             Problem.BAD_VALUE: "start.problem.bad-value", Problem.UNKNOWN_KEY: "start.problem.unknown-key"}


@dataclass(frozen=True)
class SettingsStart:
    """The settings to start on and, when the file needed help, what the admin should fix."""

    settings: Settings
    notice: Message | None = None


def start_settings(path: Path | None = None) -> SettingsStart:
    """The station's settings for a start; never raises for what is in the file (see the module)."""
    path = path or settings_path()
    try:
        settings, unknown = read_settings(path)
    except SettingsError as error:
        start = _fall_back(path, error)
    else:
        notice = _notice("start.settings-unknown", path, unknown[0]) if unknown else _kept_aside(path)
        start = SettingsStart(settings, notice)
    if start.notice is not None:
        log.warning("%s", start.notice.en)
    return start


def broken_copy(path: Path) -> Path:
    """A free name beside `path` for a broken settings file: settings.broken.toml, settings.broken-2.toml..."""
    for number in range(1, 1000):
        candidate = path.with_name(f"{path.stem}.broken{'' if number == 1 else f'-{number}'}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)


def _fall_back(path: Path, error: SettingsError) -> SettingsStart:
    kept = path
    try:
        kept = broken_copy(path)
        os.replace(path, kept)
    except OSError as problem:
        log.error("the broken settings file could not be moved aside: %s", problem)
        kept = path
    good = last_good_path(path)
    try:
        text = good.read_text(encoding="utf-8")
        settings, _ = read_settings(good, keep_copy=False)
    except (OSError, UnicodeDecodeError, SettingsError):
        return SettingsStart(Settings(), _notice("start.settings-broken", path, error, "start.did.setup", kept))
    if kept != path:  # a later save must build on the good settings, not on defaults
        try:
            with replacing(path, mode=0o600) as out:
                out.write(text)
        except OSError as problem:
            log.error("the last good settings could not be put back: %s", problem)
    return SettingsStart(settings, _notice("start.settings-broken", path, error, "start.did.last-good", kept))


def _kept_aside(path: Path) -> Message | None:
    """The reminder while a broken file moved aside at an earlier start is still there."""
    first = path.with_name(f"{path.stem}.broken{path.suffix}")
    return Message("start.settings-kept-aside", file=str(first)) if first.exists() else None


def _notice(code: str, path: Path, error: SettingsError, did: str = "", kept: Path | None = None) -> Message:
    where = Message("start.file-line", file=str(path), line=error.line) if error.line else str(path)
    problem = (Message(_PROBLEMS[error.problem], setting=Message(f"setting.{error.key}.label"), key=error.key)
               if error.key else Message(_PROBLEMS[error.problem]))
    params: dict[str, object] = {"where": where, "problem": problem}
    if did:
        params["did"] = Message(did)
        params["kept"] = str(kept or path)
    return Message(code, params)
