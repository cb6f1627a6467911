"""The threads behind the window: nothing here touches a widget, and the GUI thread never waits on them.

`CameraWorker` runs the capture → decode → station loop on the "camera" thread and yields back results,
camera changes and an occasional down-scaled preview. `DoorWorker` is the `DoorApp`'s door thread: every
call into the app runs there (`post`), and the app's events leave it through the `event` signal, which
the window receives on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage

from kiosk.decoding import VisitFigures
from kiosk.door_app import DoorApp, DoorEvent
from kiosk.door_screen import CameraState, camera_state
from kiosk.pipeline import CameraChanged, LoopEvent, Preview, Scanned, VisitsChanged
from kiosk.station import ScanResult, Station

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 480  # pixels (the scan loop scales down to it): a hint for aiming, not a picture to study


# Makes the event stream of one camera session for a station; stops soon after `stop` is set.
LoopFactory = Callable[[Station, threading.Event], Iterator[LoopEvent]]


def preview_image(image: np.ndarray) -> QImage:
    """The (already down-scaled) BGR or grey frame as a QImage owning its pixels, safe to hand to the GUI."""
    pixels = np.ascontiguousarray(image)
    height, width = pixels.shape[:2]
    if pixels.ndim == 2:
        return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    return QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_BGR888).copy()


class CameraWorker(QObject):
    """Runs one camera session. Signals: `result(ScanResult)`, `camera(CameraState)`, `preview(QImage)`,
    `visits(VisitFigures)`, `finished()` when the loop has ended (source exhausted or stop requested)."""

    result = Signal(object)
    camera = Signal(object)
    visits = Signal(object)
    preview = Signal(QImage)
    finished = Signal()

    def __init__(self, station: Station, make_loop: LoopFactory) -> None:
        super().__init__()
        self._station = station
        self._make_loop = make_loop
        self._stop = threading.Event()
        # Set while a preview is on its way to the GUI: frames that arrive meanwhile are dropped.
        self.preview_in_flight = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    @Slot()
    def run(self) -> None:
        try:
            for event in self._make_loop(self._station, self._stop):
                if self._stop.is_set():
                    break
                self._forward(event)
        except Exception:  # a camera bug must not take the door down: show it as a lost camera
            log.exception("camera loop failed")
        if not self._stop.is_set():  # a camera stopped on purpose (a new one chosen) is not lost
            self.camera.emit(CameraState.DISCONNECTED)
        self.finished.emit()

    def _forward(self, event: LoopEvent) -> None:
        if isinstance(event, Scanned):
            self.result.emit(event.result)
        elif isinstance(event, CameraChanged):
            self.camera.emit(camera_state(event.status))
        elif isinstance(event, VisitsChanged):
            self.visits.emit(event.figures)
        elif isinstance(event, Preview):
            if not self.preview_in_flight.is_set():
                self.preview_in_flight.set()
                self.preview.emit(preview_image(event.image))


@dataclass(frozen=True)
class LogQuery:
    search: str
    limit: int = 200


class DoorWorker(QObject):
    """Lives on the door thread with the `DoorApp`. `post(work)` (from any thread) runs `work` there;
    `event(DoorEvent)` carries the app's events out. Camera results and camera changes come in through
    the `camera_result`, `camera_changed` and `visits_changed` slots (queued from the camera thread)."""

    event = Signal(object)
    _posted = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._posted.connect(self._run)

    def post(self, work: Callable[[], None]) -> None:
        self._posted.emit(work)

    def forward(self, event: DoorEvent) -> None:
        """The app's listener (called on the door thread)."""
        self.event.emit(event)

    @Slot(object)
    def _run(self, work: Callable[[], None]) -> None:
        work()

    def attach(self, app: DoorApp) -> None:
        self._app = app
        app.subscribe(self.forward)

    @Slot()
    def start(self) -> None:
        """Run when the door thread starts."""
        self._app.start()

    @Slot(object)
    def camera_result(self, result: ScanResult) -> None:
        self._app.show_result(result)

    @Slot(object)
    def camera_changed(self, state: CameraState) -> None:
        self._app.camera_changed(state)

    @Slot(object)
    def visits_changed(self, figures: VisitFigures) -> None:
        self._app.visits_changed(figures)


def start_in_thread(worker: QObject, name: str, run: Callable[[], None] | None = None) -> QThread:
    """Move `worker` to a new thread and start it; `run`, if given, is called there once it starts."""
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    if run is not None:
        thread.started.connect(run)
    thread.start()
    return thread
