"""The camera session the window's camera thread runs: frames → decoder → repeat filter → station.

Yields `ScanResult`s, `CameraChange`s and about ten `Preview`s a second; stops within one frame once
`stop` is set, and ends when the source ends (a video that ran out counts as a lost camera).
"""

from __future__ import annotations

import threading
import time
from typing import Iterator

from kiosk.decoding import Decoder, RepeatFilter
from kiosk.door_screen import CameraState
from kiosk.entry import Source
from kiosk.frames import FrameSource, FrameSourceError, SourceStatus, open_source
from kiosk.reasons import Reason
from kiosk.settings import Settings
from kiosk.station import Station
from ui.workers import CameraChange, LoopEvent, LoopFactory, Preview

PREVIEW_PERIOD = 0.1  # seconds between previews

_CAMERA_STATES = {
    SourceStatus.STARTING: CameraState.STARTING,
    SourceStatus.LIVE: CameraState.RUNNING,
    SourceStatus.DISCONNECTED: CameraState.DISCONNECTED,
    SourceStatus.ENDED: CameraState.DISCONNECTED,
}


def camera_loop(settings: Settings, spec: str | None = None, realtime: bool = True) -> LoopFactory:
    """The loop factory for the camera named by `spec` (default: the settings' camera)."""
    spec = spec or settings.camera

    def events(station: Station, stop: threading.Event) -> Iterator[LoopEvent]:
        try:
            source = open_source(spec, backend=settings.camera_backend,
                                 watchdog_seconds=settings.camera_watchdog_seconds, realtime=realtime)
        except FrameSourceError:
            yield CameraChange(CameraState.DISCONNECTED)
            return
        try:
            yield from run_source(source, Decoder(), station, stop)
        finally:
            source.close()

    return events


def run_source(source: FrameSource, decoder: Decoder, station: Station,
               stop: threading.Event) -> Iterator[LoopEvent]:
    changes: list[SourceStatus] = []

    def heard(status: SourceStatus, _reason: Reason) -> None:
        changes.append(status)

    source.on_status = heard
    repeats = RepeatFilter()
    next_preview = 0.0
    while not stop.is_set():
        frame = source.read()
        while changes:
            status = changes.pop(0)
            if status is SourceStatus.LIVE:
                repeats.forget()
            yield CameraChange(_CAMERA_STATES[status])
        if frame is None:
            if source.status is SourceStatus.ENDED:
                return
            continue
        for reading in repeats.new_readings(decoder.decode(frame.image), frame.captured_at):
            yield station.check_text(reading.text, Source.CAMERA)
        now = time.monotonic()
        if now >= next_preview:
            next_preview = now + PREVIEW_PERIOD
            yield Preview(frame.image)
