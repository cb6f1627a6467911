"""Every setting of the station, declared once: its kind, default, bounds, labels, and who may set it.

The settings file's reader and writer (`kiosk.settings`), the admin form (`ui/dialogs/settings_form.py`),
the check of what the central server pushes (`kiosk.station_config`) and the server's own check before it
stores a pushed value all read `DECLARED`; a new setting is one `Setting(...)` added below, and its label
and help ("setting.<name>.label", "setting.<name>.help") in each language's catalogue (kiosk/locale).

Standard library only (with kiosk.messages): the server imports this module to check pushed settings.
"""

from __future__ import annotations

import enum
import math
import re
import shlex
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from kiosk.messages import LANGUAGES, Message, template_for
CAMERA_BACKENDS = ("auto", "v4l2", "dshow", "msmf", "any")
WATCH_ACTIONS = ("warn", "refuse")
SELF_DECLARED_ACTIONS = ("admit", "warn", "refuse")
DIRECTIONS = ("in", "out")
_TIME_OF_DAY = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
# A health authority key's fingerprint (kiosk.sealing.authority.fingerprint): only the whole 32 hex digits.
# The 16 digits printed before are 64 bits, within reach of a forger: accepting them, even as a prefix until
# a first key set is pinned, would let a forged key be pinned; no released kiosk ever held one.
_FINGERPRINT = re.compile(r"[0-9A-F]{32}")
FINGERPRINT_EXAMPLE = "3F2A 9C01 77B4 0E12 5D8B A9C3 6E10 F4B7"


def checked_fingerprint(text: str, empty: bool = False) -> str:
    """A fingerprint as typed (any spacing, any case) written as `kiosk-server authority keygen` prints it;
    "" stays "" when `empty` allows none. ValueError says what is expected."""
    bare = "".join(text.split()).upper()
    if bare and _FINGERPRINT.fullmatch(bare):
        return " ".join(bare[i:i + 4] for i in range(0, len(bare), 4))
    if not bare and empty:
        return ""
    raise ValueError(f'expected 32 hex digits as `kiosk-server authority keygen` prints them (e.g. '
                     f'"{FINGERPRINT_EXAMPLE}")' + (', or "" for none' if empty else ""))


class Kind(enum.Enum):
    TEXT = "text"
    WHOLE = "whole number"
    NUMBER = "number"
    SWITCH = "true or false"
    OPTIONAL_WHOLE = "whole number or none"  # None (0 in the file and the form) means "no limit"
    TEXTS = "list of texts"
    CHOICE = "choice"  # a text from `choices`
    COMMAND = "command line"  # a text that splits as a POSIX shell would split it (it is run without one)
    TIME_OF_DAY = "time of day"  # "HH:MM" on a 24-hour clock, or "" for none
    FINGERPRINT = "key fingerprint"  # 32 hex digits in groups of four (FINGERPRINT_EXAMPLE), or "" for none


_PYTHON_TYPES = {Kind.TEXT: str, Kind.WHOLE: int, Kind.NUMBER: float, Kind.SWITCH: bool,
                 Kind.OPTIONAL_WHOLE: int | None, Kind.TEXTS: tuple[str, ...], Kind.CHOICE: str,
                 Kind.COMMAND: str, Kind.TIME_OF_DAY: str, Kind.FINGERPRINT: str}


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    default: Any
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()  # a CHOICE takes one of these
    suggestions: tuple[str, ...] = ()  # a TEXT's usual values, offered in the form
    pushable: bool = False  # the central server may set it (never the station's identity, server or PIN)
    secret: bool = False  # shown masked in the form, never in a repr or an error message
    in_form: bool = False  # the admin form shows it

    @property
    def label(self) -> Message:
        """The form's label: "setting.<name>.label" in the catalogue (kiosk/locale)."""
        return Message(f"setting.{self.name}.label")

    @property
    def help(self) -> Message:
        """The form's tooltip: "setting.<name>.help" in the catalogue."""
        return Message(f"setting.{self.name}.help")

    @property
    def python_type(self) -> Any:
        return _PYTHON_TYPES[self.kind]

    def checked(self, value: Any) -> Any:
        """The value as the station uses it; ValueError says in plain words what would be right."""
        if self.kind in (Kind.TEXT, Kind.CHOICE, Kind.COMMAND, Kind.TIME_OF_DAY, Kind.FINGERPRINT):
            if not isinstance(value, str):
                raise ValueError("expected a text in quotes")
            if self.kind is Kind.FINGERPRINT:
                return checked_fingerprint(value, empty=True)
            if self.kind is Kind.TIME_OF_DAY:
                value = value.strip()
                if value and not _TIME_OF_DAY.fullmatch(value):
                    raise ValueError('expected a time of day as "HH:MM" (24-hour clock, e.g. "22:00"), '
                                     'or "" for none')
            if self.kind is Kind.CHOICE and value not in self.choices:
                raise ValueError(f"expected one of {', '.join(self.choices)}")
            if self.kind is Kind.COMMAND:
                try:
                    shlex.split(value)
                except ValueError as problem:
                    raise ValueError(f"not a command line ({problem})") from None
            return value
        if self.kind is Kind.SWITCH:
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if self.kind is Kind.OPTIONAL_WHOLE and (value is None or value == ""
                                                 or (type(value) is int and value == 0)):
            return None
        if self.kind in (Kind.WHOLE, Kind.OPTIONAL_WHOLE):
            if type(value) is not int or not self._within(value):
                none = ", or 0 for no limit" if self.kind is Kind.OPTIONAL_WHOLE else ""
                raise ValueError(f"expected a whole number {self._range()}{none}")
            return value
        if self.kind is Kind.NUMBER:
            if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                    or not self._within(value)):
                raise ValueError(f"expected a number {self._range()}")
            return float(value)
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
            raise ValueError("expected a list of texts, e.g. [\"qid:162900000000000001\"]")
        return tuple(item.strip() for item in value if item.strip())

    def _within(self, value: int | float) -> bool:
        return ((self.minimum is None or value >= self.minimum)
                and (self.maximum is None or value <= self.maximum))

    def _range(self) -> str:
        if self.maximum is None:
            return f"of at least {self.minimum}"
        return f"from {self.minimum} to {self.maximum}"


DECLARED: tuple[Setting, ...] = (
    Setting("station_name", Kind.TEXT, "", in_form=True),
    Setting("location", Kind.TEXT, "", in_form=True),
    # Whether the door records entries or exits when it starts (F2 still switches at a window); exits end
    # visits, for buildings with separate exit doors. `kiosk run --direction out` sets it for one run.
    Setting("direction", Kind.CHOICE, "in", choices=DIRECTIONS, in_form=True),
    # When nobody scans out, a visit ends after this long (kiosk.tracing.visits.stay_from_minutes rounds
    # it to 15-minute steps) or at the closing time, whichever comes first.
    Setting("default_stay_minutes", Kind.WHOLE, 120, minimum=15, maximum=24 * 60, pushable=True, in_form=True),
    Setting("closing_time", Kind.TIME_OF_DAY, "", pushable=True, in_form=True),
    # Never the demo camera: its made-up visitors would be logged at a real door.
    Setting("camera", Kind.TEXT, "camera:0", suggestions=("camera:0", "camera:1", "camera:2"), in_form=True),
    Setting("camera_backend", Kind.CHOICE, "auto", choices=CAMERA_BACKENDS, in_form=True),
    Setting("camera_watchdog_seconds", Kind.NUMBER, 3.0, minimum=0.1),
    Setting("server_url", Kind.TEXT, "", in_form=True),
    Setting("server_token", Kind.TEXT, "", secret=True, in_form=True),
    Setting("dedup_minutes", Kind.WHOLE, 30, minimum=0, maximum=24 * 60, pushable=True, in_form=True),
    Setting("reset_seconds", Kind.NUMBER, 4.0, minimum=1, maximum=60, pushable=True, in_form=True),
    Setting("retention_days", Kind.WHOLE, 28, minimum=1, maximum=366, pushable=True, in_form=True),
    Setting("capacity", Kind.OPTIONAL_WHOLE, None, minimum=1, maximum=100_000, pushable=True, in_form=True),
    Setting("sound", Kind.SWITCH, True, pushable=True, in_form=True),
    Setting("language", Kind.CHOICE, "vi", choices=LANGUAGES, pushable=True, in_form=True),
    # Set through the PIN fields of the form, never shown.
    Setting("admin_pin_hash", Kind.TEXT, "", secret=True),
    Setting("database", Kind.TEXT, ""),
    # ID numbers or person keys typed at this kiosk; the settings file holds each as a tagged key (never the
    # number) and the form shows them masked (kiosk.watch_list).
    Setting("watch_list", Kind.TEXTS, (), in_form=True),
    Setting("watch_action", Kind.CHOICE, "warn", choices=WATCH_ACTIONS, pushable=True),
    # While a watch list is in force, what a visitor gets whose identity no document backs (a health
    # declaration: the ID number is typed by the visitor). "admit" still shows that it is self-declared.
    Setting("watch_self_declared", Kind.CHOICE, "warn", choices=SELF_DECLARED_ACTIONS, pushable=True),
    # Rehearsal only: trusts the demo's signing keys (their private halves are in the source) and says so
    # on every screen. Never pushed by a server; `kiosk run --demo` turns it on for one run.
    Setting("demo_mode", Kind.SWITCH, False),
    # The door's signal per verdict and its service-log line (kiosk.door_app). Never pushed: a server must
    # not make a door run a command or write to a device.
    Setting("verdict_command", Kind.COMMAND, ""),
    Setting("verdict_command_timeout", Kind.NUMBER, 5.0, minimum=0.1, maximum=300),
    Setting("verdict_line", Kind.TEXT, ""),
    Setting("verdict_line_admit", Kind.TEXT, "1"),
    Setting("verdict_line_other", Kind.TEXT, "0"),
    Setting("status_log_minutes", Kind.WHOLE, 15, minimum=1, maximum=24 * 60),
    # The health authority's signing key this kiosk expects (kiosk.authority_pin); "" pins the first one
    # the server hands over. Never pushed: the server is who it guards against.
    Setting("authority_fingerprint", Kind.FINGERPRINT, "", in_form=True),
)

BY_NAME = MappingProxyType({setting.name: setting for setting in DECLARED})
# Settings the central server may push; the station's own (name, camera, server, PIN, database, demo mode)
# stay its own: no server may make a door trust the demo's public keys.
PUSHED_SETTINGS = tuple(setting.name for setting in DECLARED if setting.pushable)


def checked_value(name: str, value: Any) -> Any:
    """Validate one value of the named setting; ValueError says in plain words what would be right."""
    setting = BY_NAME.get(name)
    if setting is None:
        raise ValueError("not a setting of the station")
    return setting.checked(value)


def choice_text(setting: Setting, choice: str, language: str) -> str:
    """A choice of a setting as the admin reads it ("Tiếng Việt", "Cửa ra"): "setting.<name>.choice.<code>" in
    the catalogue, or the code itself for a choice the catalogue has no words for yet."""
    code = f"setting.{setting.name}.choice.{choice}"
    return choice if template_for(code, language) is None else Message(code).text(language)
