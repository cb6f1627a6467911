"""The door without a screen: the camera loop driving the same `DoorApp` as the window, so it syncs,
reloads the server's config, purges and sends the verdict signal like the window, and writes a status
line for the service log.

All of it runs on the calling thread, which is the `DoorApp`'s door thread: work the sync thread posts is
queued and done between two frames.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

from kiosk.door_app.app import DoorApp
from kiosk.door_app.events import DoorEvent, VerdictShown
from kiosk.door_app.status_line import StatusLine
from kiosk.door_screen import camera_state
from kiosk.frames import FrameSource
from kiosk.pipeline import CameraChanged, ScanLoop, Scanned, VisitsChanged
from kiosk.reasons import Reason
from kiosk.settings import Settings
from kiosk.station import ScanResult
from kiosk.store import Store


class HeadlessDoor:
    """`run()` until the source ends, `stop` is set or `max_frames` were read. `on_verdict` gets each
    decision (the command line prints it), `on_camera` each camera change with its reason, `status` each
    status line."""

    def __init__(self, settings: Settings, store: Store, on_verdict: Callable[[ScanResult], None],
                 on_camera: Callable[[Reason], None], status: Callable[[str], None]) -> None:
        self._inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.app = DoorApp(settings, store, post=self._inbox.put)
        self.status_line = StatusLine(status, every_seconds=60.0 * settings.status_log_minutes,
                                      authority=lambda: self.app.station.config.authority, language=settings.language)
        self._on_verdict = on_verdict
        self._on_camera = on_camera
        self.app.subscribe(self._forward)
        self.app.subscribe(self.status_line)

    def run(self, source: FrameSource, stop: threading.Event, max_frames: int | None = None) -> None:
        self.app.start()
        self.status_line.write()
        try:
            loop = ScanLoop(source, self.app.station, on_frame=self._between_frames)
            self.status_line.visits = loop.visit_timing.figures
            for event in loop.run(stop, max_frames=max_frames):
                if isinstance(event, Scanned):
                    self.app.show_result(event.result)
                elif isinstance(event, CameraChanged):
                    self._on_camera(event.reason)
                    self.app.camera_changed(camera_state(event.status))
                elif isinstance(event, VisitsChanged):
                    self.app.visits_changed(event.figures)
            self._between_frames()
            self.status_line.write()  # the last state, as the service stops
        finally:
            self.app.close()
            self.app.signal.wait_until_sent()

    def _between_frames(self) -> None:
        while True:
            try:
                work = self._inbox.get_nowait()
            except queue.Empty:
                break
            work()
        self.app.tick()
        self.status_line.due()

    def _forward(self, event: DoorEvent) -> None:
        if isinstance(event, VerdictShown) and event.result is not None:
            self._on_verdict(event.result)
