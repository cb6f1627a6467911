"""The running door as one Qt-free object (`DoorApp`), its events, and what a door without a screen adds:
a signal per verdict and a status line for the service log."""

from kiosk.door_app.app import TICK_GRACE, DoorApp, Post
from kiosk.door_app.events import (
    AdminFailed,
    CameraStateChanged,
    CountsChanged,
    DoorEvent,
    EntriesLoaded,
    Exported,
    Listener,
    Purged,
    SettingsChanged,
    SyncChanged,
    VerdictShown,
    ViewChanged,
    WalkInAnswered,
)
from kiosk.door_app.signal import VerdictSignal
from kiosk.door_app.status_line import StatusLine

__all__ = ["AdminFailed", "CameraStateChanged", "CountsChanged", "DoorApp", "DoorEvent", "EntriesLoaded",
           "Exported", "Listener", "Post", "Purged", "SettingsChanged", "StatusLine", "SyncChanged",
           "TICK_GRACE", "VerdictShown", "VerdictSignal", "ViewChanged", "WalkInAnswered"]
