"""Every setting of the station, declared once: its kind, default, bounds, labels, and who may set it.

The settings file's reader and writer (`kiosk.settings`), the admin form (`ui/dialogs/settings_form.py`),
the check of what the central server pushes (`kiosk.station_config`) and the server's own check before it
stores a pushed value all read `DECLARED`; a new setting is one `Setting(...)` added below.

Standard library only: the server imports this module to check pushed settings without the kiosk.
"""

from __future__ import annotations

import enum
import math
import shlex
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

LANGUAGES = ("vi", "en")  # the languages the door speaks; kiosk.reasons words every reason in both
CAMERA_BACKENDS = ("auto", "v4l2", "dshow", "msmf", "any")
WATCH_ACTIONS = ("warn", "refuse")
SELF_DECLARED_ACTIONS = ("admit", "warn", "refuse")


class Kind(enum.Enum):
    TEXT = "text"
    WHOLE = "whole number"
    NUMBER = "number"
    SWITCH = "true or false"
    OPTIONAL_WHOLE = "whole number or none"  # None (0 in the file and the form) means "no limit"
    TEXTS = "list of texts"
    CHOICE = "choice"  # a text from `choices`
    COMMAND = "command line"  # a text that splits as a POSIX shell would split it (it is run without one)


_PYTHON_TYPES = {Kind.TEXT: str, Kind.WHOLE: int, Kind.NUMBER: float, Kind.SWITCH: bool,
                 Kind.OPTIONAL_WHOLE: int | None, Kind.TEXTS: tuple[str, ...], Kind.CHOICE: str,
                 Kind.COMMAND: str}


@dataclass(frozen=True)
class Words:
    """A text a person reads, in each language the door speaks."""

    vi: str
    en: str

    def text(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    default: Any
    label: Words
    help: Words
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()  # a CHOICE takes one of these
    suggestions: tuple[str, ...] = ()  # a TEXT's usual values, offered in the form
    pushable: bool = False  # the central server may set it (never the station's identity, server or PIN)
    secret: bool = False  # shown masked in the form, never in a repr or an error message
    in_form: bool = False  # the admin form shows it

    @property
    def python_type(self) -> Any:
        return _PYTHON_TYPES[self.kind]

    def checked(self, value: Any) -> Any:
        """The value as the station uses it; ValueError says in plain words what would be right."""
        if self.kind in (Kind.TEXT, Kind.CHOICE, Kind.COMMAND):
            if not isinstance(value, str):
                raise ValueError("expected a text in quotes")
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
    Setting("station_name", Kind.TEXT, "", Words("Tên điểm kiểm soát", "Station name"),
            Words("Hiện trên màn hình và trong nhật ký", "Shown on the screen and in the log"), in_form=True),
    Setting("location", Kind.TEXT, "", Words("Địa điểm", "Location"),
            Words("Hiện cạnh tên điểm", "Shown next to the station name"), in_form=True),
    # Never the demo camera: its made-up visitors would be logged at a real door.
    Setting("camera", Kind.TEXT, "camera:0", Words("Camera", "Camera"),
            Words("camera:0, một tệp video hoặc một thư mục ảnh", "camera:0, a video file or a folder of images"),
            suggestions=("camera:0", "camera:1", "camera:2"), in_form=True),
    Setting("camera_backend", Kind.CHOICE, "auto", Words("Trình điều khiển camera", "Camera backend"),
            Words("Để auto trừ khi camera không mở được", "Leave on auto unless the camera does not open"),
            choices=CAMERA_BACKENDS, in_form=True),
    Setting("camera_watchdog_seconds", Kind.NUMBER, 3.0,
            Words("Báo mất camera sau (giây)", "Camera lost after (seconds)"),
            Words("Không có khung hình lâu hơn thế thì báo mất camera",
                  "No frame for longer than this reports the camera lost"), minimum=0.1),
    Setting("server_url", Kind.TEXT, "", Words("Địa chỉ máy chủ", "Server URL"),
            Words("Để trống nếu điểm làm việc một mình", "Leave empty for a station on its own"), in_form=True),
    Setting("server_token", Kind.TEXT, "", Words("Mã truy cập của điểm", "Station token"),
            Words("Do máy chủ cấp cho điểm này", "Issued by the server for this station"),
            secret=True, in_form=True),
    Setting("dedup_minutes", Kind.WHOLE, 30,
            Words("Bỏ qua người đã quét trong vòng (phút)", "Same person again within (minutes)"),
            Words("Một người quét lại trong khoảng này không được ghi thêm",
                  "A person scanned again within this time is not logged again"),
            minimum=0, maximum=24 * 60, pushable=True, in_form=True),
    Setting("reset_seconds", Kind.NUMBER, 4.0,
            Words("Trở về màn hình chờ sau (giây)", "Back to ready after (seconds)"),
            Words("Kết quả hiện bấy lâu rồi màn hình chờ người tiếp theo",
                  "A verdict stays this long, then the door waits for the next person"),
            minimum=1, maximum=60, pushable=True, in_form=True),
    Setting("retention_days", Kind.WHOLE, 28, Words("Giữ dữ liệu trong (ngày)", "Keep entries for (days)"),
            Words("Lượt cũ hơn thế được xoá tự động", "Older entries are deleted automatically"),
            minimum=1, maximum=366, pushable=True, in_form=True),
    Setting("capacity", Kind.OPTIONAL_WHOLE, None, Words("Sức chứa (0 = không giới hạn)", "Capacity (0 = no limit)"),
            Words("Số người tối đa ở trong cùng lúc", "The most people inside at once"),
            minimum=1, maximum=100_000, pushable=True, in_form=True),
    Setting("sound", Kind.SWITCH, True, Words("Âm thanh", "Sound"),
            Words("Phát tiếng khi có kết quả", "A sound with each verdict"), pushable=True, in_form=True),
    Setting("language", Kind.CHOICE, "vi", Words("Ngôn ngữ", "Language"),
            Words("Ngôn ngữ của màn hình", "The language of the screen"),
            choices=LANGUAGES, pushable=True, in_form=True),
    # Set through the PIN fields of the form, never shown.
    Setting("admin_pin_hash", Kind.TEXT, "", Words("Mã PIN quản trị", "Admin PIN"),
            Words("Chỉ lưu bản băm của mã PIN", "Only a hash of the PIN is kept"), secret=True),
    Setting("database", Kind.TEXT, "", Words("Tệp dữ liệu", "Database file"),
            Words("Để trống: thư mục dữ liệu của ứng dụng", "Empty: the application's data folder")),
    Setting("watch_list", Kind.TEXTS, (), Words("Danh sách theo dõi", "Watch list"),
            Words("Mã người hoặc số giấy tờ cần chú ý", "Person keys or ID numbers to watch for")),
    Setting("watch_action", Kind.CHOICE, "warn", Words("Khi gặp người trong danh sách", "On the watch list"),
            Words("Cảnh báo hoặc từ chối", "Warn or refuse"), choices=WATCH_ACTIONS, pushable=True),
    # While a watch list is in force, what a visitor gets whose identity no document backs (a health
    # declaration: the ID number is typed by the visitor). "admit" still shows that it is self-declared.
    Setting("watch_self_declared", Kind.CHOICE, "warn",
            Words("Khi danh tính chỉ do khách tự khai", "Self-declared identity"),
            Words("Khi có danh sách theo dõi: cho vào, cảnh báo hoặc từ chối",
                  "While a watch list is in force: admit, warn or refuse"),
            choices=SELF_DECLARED_ACTIONS, pushable=True),
    # Rehearsal only: trusts the demo's signing keys (their private halves are in the source) and says so
    # on every screen. Never pushed by a server; `kiosk run --demo` turns it on for one run.
    Setting("demo_mode", Kind.SWITCH, False, Words("Chế độ diễn tập", "Demo mode"),
            Words("Tin khoá ký công khai của bản demo", "Trusts the demo's published signing keys")),
    # The door's signal per verdict and its service-log line (kiosk.door_app). Never pushed: a server must
    # not make a door run a command or write to a device.
    Setting("verdict_command", Kind.COMMAND, "", Words("Lệnh chạy sau mỗi kết quả", "Command after each verdict"),
            Words("Chạy không qua shell; {look} (admit, warn, refuse, repeat, scanner) và {direction} (in, out) "
                  "được thay vào, hoặc thêm vào cuối",
                  "Run without a shell; {look} (admit, warn, refuse, repeat, scanner) and {direction} (in, out) "
                  "are filled in, or appended")),
    Setting("verdict_command_timeout", Kind.NUMBER, 5.0,
            Words("Dừng lệnh sau (giây)", "Stop the command after (seconds)"),
            Words("Lệnh chạy lâu hơn thế bị dừng", "A command running longer is stopped"), minimum=0.1, maximum=300),
    Setting("verdict_line", Kind.TEXT, "", Words("Đường tín hiệu", "Signal line"),
            Words("Thiết bị hoặc tệp nhận một chuỗi sau mỗi kết quả (/dev/ttyUSB0, giá trị GPIO)",
                  "A device or file that gets one text per verdict (/dev/ttyUSB0, a GPIO value file)")),
    Setting("verdict_line_admit", Kind.TEXT, "1", Words("Tín hiệu khi mời vào", "Signal on admit"),
            Words("Chuỗi ghi ra đường tín hiệu khi mời vào", "Written to the signal line on admit")),
    Setting("verdict_line_other", Kind.TEXT, "0", Words("Tín hiệu khi khác", "Signal otherwise"),
            Words("Chuỗi ghi ra đường tín hiệu với mọi kết quả khác", "Written to the signal line on every other verdict")),
    Setting("status_log_minutes", Kind.WHOLE, 15, Words("Dòng trạng thái mỗi (phút)", "Status line every (minutes)"),
            Words("Cửa không màn hình ghi trạng thái vào nhật ký dịch vụ ít nhất mỗi chừng ấy phút",
                  "A door without a screen logs its status at least this often"), minimum=1, maximum=24 * 60),
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
