"""One line for the service log of a door without a screen: written when the camera or the sync state
changes, when a meeting session opens or ends, and at least every `status_log_minutes`. Counts and states
only, never a person; in meeting mode the counts are the open session's.

When the health authority's key needs someone (refused as changed, none yet, running out: see
kiosk.authority_pin) the line ends with that, in the door's language, for the guard to pass on."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

from kiosk.authority_pin import AuthorityState
from kiosk.decoding.visit_timing import VisitFigures
from kiosk.door_app.events import (
    CameraStateChanged, CountsChanged, DoorEvent, SettingsChanged, SyncChanged, ViewChanged,
)
from kiosk.door_screen import CameraState, ScreenState, SyncState
from kiosk.entry import utc_now
from kiosk.messages import Message
from kiosk.station import Counts


class StatusLine:
    """A listener for `DoorApp`; call `due()` now and then (the headless door does, after each frame)."""

    def __init__(self, write: Callable[[str], None], every_seconds: float,
                 monotonic: Callable[[], float] = time.monotonic,
                 authority: Callable[[], AuthorityState] | None = None, language: str = "vi",
                 clock: Callable[[], datetime] = utc_now) -> None:
        """`authority` tells the station's authority key state (`DoorApp.station.config.authority`);
        `language` is the door's until a `SettingsChanged` says otherwise."""
        self._write = write
        self._authority = authority
        self.language = language
        self._clock = clock
        self._notice: Message | None = None
        self.every_seconds = every_seconds
        self._monotonic = monotonic
        self._screen = ScreenState.READY
        self._camera = CameraState.STARTING
        self._sync = SyncState()
        self._counts = Counts(0, 0, None)
        self._meeting = ""
        self._next: float | None = None
        # The camera's per-visit figure (kiosk.decoding.visit_timing), once a scanning loop runs.
        self.visits: Callable[[], VisitFigures] | None = None

    def __call__(self, event: DoorEvent) -> None:
        if isinstance(event, ViewChanged):
            self._screen = event.view.state
            changed = event.status.meeting != self._meeting
            self._meeting = event.status.meeting
            if changed:
                self.write()
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
        elif isinstance(event, SettingsChanged):
            self.language = event.language
        if self._authority_notice() != self._notice:
            self.write()

    def due(self) -> None:
        if self._next is not None and self._monotonic() >= self._next:
            self.write()

    def line(self) -> str:
        counts, sync = self._counts, self._sync
        inside = str(counts.inside) if counts.capacity is None else f"{counts.inside}/{counts.capacity}"
        line = (f"status: screen={self._screen.value} camera={self._camera.value} sync={sync.kind.value} "
                f"waiting={sync.waiting} held={sync.held} today={counts.today} inside={inside}")
        if self._meeting:  # the session's name and hours, never a person
            line += f" meeting={self._meeting!r}"
        figures = self.visits() if self.visits else None
        if figures is not None and figures.visits:
            median = figures.median_ms_to_verdict
            line += f" visits_read={figures.share_read:.0%}"
            line += f" verdict_ms={median:.0f}" if median is not None else ""
        notice = self._authority_notice()
        return line + (f" — {notice.text(self.language)}" if notice else "")

    def write(self) -> None:
        self._notice = self._authority_notice()
        self._write(self.line())
        self._next = self._monotonic() + self.every_seconds

    def _authority_notice(self) -> Message | None:
        return self._authority().notice(self._clock()) if self._authority else None
