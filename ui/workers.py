"""The threads behind the window: nothing here touches a widget, and the GUI thread never waits on them.

`CameraWorker` runs the capture → decode → station loop and yields back results, camera changes and an
occasional down-scaled preview. `DoorWorker` does everything else that touches the database or the
network (scanner and manual scans, counts, sync state, the log, exports, purges) on its own thread.
Both talk to the window only through queued signals.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage

from kiosk.door_screen import CameraState, SyncState
from kiosk.entry import Source
from kiosk.errors import KioskError
from kiosk.export import export_csv
from kiosk.frames import SourceStatus
from kiosk.pipeline import CameraChanged, LoopEvent, Preview, Scanned
from kiosk.retention import purge_expired
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.station_config import load_station_config

if TYPE_CHECKING:
    from ui.dialogs.manual_entry import ManualVisitor

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 480  # pixels (the scan loop scales down to it): a hint for aiming, not a picture to study


# Makes the event stream of one camera session for a station; stops soon after `stop` is set.
LoopFactory = Callable[[Station, threading.Event], Iterator[LoopEvent]]

_CAMERA_STATES = {
    SourceStatus.STARTING: CameraState.STARTING,
    SourceStatus.LIVE: CameraState.RUNNING,
    SourceStatus.DISCONNECTED: CameraState.DISCONNECTED,
    SourceStatus.ENDED: CameraState.DISCONNECTED,  # a video that ran out is a camera that is gone
}


def preview_image(image: np.ndarray) -> QImage:
    """The (already down-scaled) BGR or grey frame as a QImage owning its pixels, safe to hand to the GUI."""
    pixels = np.ascontiguousarray(image)
    height, width = pixels.shape[:2]
    if pixels.ndim == 2:
        return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    return QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_BGR888).copy()


class CameraWorker(QObject):
    """Runs one camera session. Signals: `result(ScanResult)`, `camera(CameraState)`, `preview(QImage)`,
    `finished()` when the loop has ended (source exhausted or stop requested)."""

    result = Signal(object)
    camera = Signal(object)
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
            self.camera.emit(_CAMERA_STATES[event.status])
        elif isinstance(event, Preview):
            if not self.preview_in_flight.is_set():
                self.preview_in_flight.set()
                self.preview.emit(preview_image(event.image))


@dataclass(frozen=True)
class LogQuery:
    search: str
    limit: int = 200


class DoorWorker(QObject):
    """Database and network work off the GUI thread. Call its slots through queued signals only.

    Signals: `result(ScanResult)`, `counts(Counts)`, `sync(SyncState)`, `entries(list[Entry])`,
    `exported(count, path)`, `purged(count)`, `failed(str)` (a plain message for the admin).
    """

    result = Signal(object)
    counts = Signal(object)
    sync = Signal(object)
    entries = Signal(list)
    exported = Signal(int, str)
    purged = Signal(int)
    failed = Signal(str)

    def __init__(self, station: Station, sync_state: Callable[[], SyncState]) -> None:
        super().__init__()
        self.station = station
        self._sync_state = sync_state

    @Slot()
    def load_config(self) -> None:
        """What the server pushed last (read at start and after each new push), then counts and sync state."""
        try:
            self.station.reconfigure(load_station_config(self.station.store))
        except KioskError as error:
            log.error("station config not read: %s", error)
        self.refresh()

    @Slot(object, object)
    def reconfigure(self, settings: Settings, sync_state: Callable[[], SyncState]) -> None:
        """New local settings (the server's overrides still apply on top)."""
        self.station.reconfigure(self.station.config, settings)
        self._sync_state = sync_state
        self.refresh()

    @Slot(str, object)
    def check_text(self, text: str, source: Source) -> None:
        self.result.emit(self.station.check_text(text, source))  # the window asks for new counts

    @Slot(object)
    def check_manual(self, visitor: ManualVisitor) -> None:
        self.result.emit(self.station.check_manual(visitor.name, visitor.phone, visitor.id_number, visitor.note))

    @Slot()
    def refresh(self) -> None:
        try:
            self.counts.emit(self.station.counts())
            self.sync.emit(self._sync_state())
        except KioskError as error:  # the status line keeps its last numbers; scanning goes on
            log.error("counts not refreshed: %s", error)

    @Slot(object)
    def load_entries(self, query: LogQuery) -> None:
        try:
            self.entries.emit(self.station.store.entries(search=query.search or None, limit=query.limit))
        except KioskError as error:
            self.failed.emit(str(error))

    @Slot(str, str)
    def export(self, path: str, who: str) -> None:
        try:
            count = export_csv(self.station.store, Path(path), who)
        except KioskError as error:
            self.failed.emit(str(error))
            return
        self.exported.emit(count, path)

    @Slot(int)
    def purge(self, retention_days: int) -> None:
        try:
            removed = purge_expired(self.station.store, retention_days)
        except KioskError as error:
            self.failed.emit(str(error))
            return
        self.purged.emit(removed)
        self.refresh()


def start_in_thread(worker: QObject, name: str, run: Callable[[], None] | None = None) -> QThread:
    """Move `worker` to a new thread and start it; `run`, if given, is called there once it starts."""
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    if run is not None:
        thread.started.connect(run)
    thread.start()
    return thread

