"""What the running door reports to whoever drives it (the window, the headless door, tests).

Every event is an immutable snapshot, safe to hand to another thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

from kiosk.door_screen import CameraState, DoorView, Look, StatusView, SyncState
from kiosk.entry import Entry
from kiosk.messages import Message
from kiosk.settings import Settings
from kiosk.station import Counts, ScanResult
from kiosk.tracing.report import Trace


@dataclass(frozen=True)
class ViewChanged:
    """Draw this: the big area and the status line."""

    view: DoorView
    status: StatusView


@dataclass(frozen=True)
class VerdictShown:
    """A verdict (or a scanner problem, `result` None) went on screen: play `look.sound`; the screen goes
    back to ready at `reset_at` (monotonic seconds) once the driver calls `DoorApp.tick` then."""

    result: ScanResult | None
    look: Look
    reset_at: float


@dataclass(frozen=True)
class CountsChanged:
    counts: Counts


@dataclass(frozen=True)
class SyncChanged:
    state: SyncState


@dataclass(frozen=True)
class CameraStateChanged:
    state: CameraState


@dataclass(frozen=True)
class SettingsChanged:
    """`local` are the station's own settings (what the admin form edits), `effective` the same with the
    server's pushed settings on top (what the door runs with), `language` the screen's language.
    `restart_camera`: the camera setting changed, open the new one."""

    local: Settings
    effective: Settings
    language: str
    restart_camera: bool


@dataclass(frozen=True)
class EntriesLoaded:
    entries: list[Entry]


@dataclass(frozen=True)
class Exported:
    count: int
    path: str


@dataclass(frozen=True)
class Purged:
    count: int


@dataclass(frozen=True)
class AdminFailed:
    """An admin request failed; `message` is a plain sentence for the admin."""

    message: str


@dataclass(frozen=True)
class Traced:
    """The admin's trace, answered (and recorded in the store's trace audit)."""

    trace: Trace


@dataclass(frozen=True)
class TraceRefused:
    """The admin's trace could not be made as asked; `message` says why, in the viewer's language."""

    message: Message


@dataclass(frozen=True)
class WalkInAnswered:
    """The guard asked to add the last person not on the list as a walk-in: `added`, and the sentence for
    the admin (the verdict itself goes on the door screen)."""

    added: bool
    message: str


DoorEvent = Union[ViewChanged, VerdictShown, CountsChanged, SyncChanged, CameraStateChanged, SettingsChanged,
                  EntriesLoaded, Exported, Purged, AdminFailed, Traced, TraceRefused, WalkInAnswered]
Listener = Callable[[DoorEvent], None]
