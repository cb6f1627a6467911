"""One line for the service log of a door without a screen: written when the camera or the sync state
changes, and at least every `status_log_minutes`. Counts and states only, never a person."""

from __future__ import annotations

import time
from typing import Callable

from kiosk.door_app.events import CameraStateChanged, CountsChanged, DoorEvent, SyncChanged, ViewChanged
from kiosk.door_screen import CameraState, ScreenState, SyncState
from kiosk.station import Counts


class StatusLine:
    """A listener for `DoorApp`; call `due()` now and then (the headless door does, after each frame)."""

    def __init__(self, write: Callable[[str], None], every_seconds: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._write = write
        self.every_seconds = every_seconds
        self._monotonic = monotonic
        self._screen = ScreenState.READY
        self._camera = CameraState.STARTING
        self._sync = SyncState()
        self._counts = Counts(0, 0, None)
        self._next: float | None = None

    def __call__(self, event: DoorEvent) -> None:
        if isinstance(event, ViewChanged):
            self._screen = event.view.state
        elif isinstance(event, CountsChanged):
            self._counts = event.counts
        elif isinstance(event, CameraStateChanged):
            changed = event.state is not self._camera
            self._camera = event.state
            if changed:
                self.write()
        elif isinstance(event, SyncChanged):
            changed = event.state.kind is not self._sync.kind
            self._sync = event.state
            if changed:
                self.write()

    def due(self) -> None:
        if self._next is not None and self._monotonic() >= self._next:
            self.write()

    def line(self) -> str:
        counts, sync = self._counts, self._sync
        inside = str(counts.inside) if counts.capacity is None else f"{counts.inside}/{counts.capacity}"
        return (f"status: screen={self._screen.value} camera={self._camera.value} sync={sync.kind.value} "
                f"waiting={sync.waiting} held={sync.held} today={counts.today} inside={inside}")

    def write(self) -> None:
        self._write(self.line())
        self._next = self._monotonic() + self.every_seconds
