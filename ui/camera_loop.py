"""The camera session the window's camera thread runs: `kiosk.pipeline.ScanLoop` on the camera the
settings name (or `spec`), with down-scaled previews for the screen."""

from __future__ import annotations

import threading
from typing import Iterator

from kiosk.frames import FrameSourceError, SourceStatus, open_camera
from kiosk.pipeline import CameraChanged, LoopEvent, ScanLoop
from kiosk.reasons import Reason
from kiosk.settings import Settings
from kiosk.station import Station
from ui.workers import PREVIEW_WIDTH, LoopFactory


def camera_loop(settings: Settings, spec: str | None = None, realtime: bool = True) -> LoopFactory:
    """The loop factory for the camera named by `spec` (default: the settings' camera). Files and folders
    play at their frame rate unless `realtime` is False."""
    if spec:
        settings = settings.replace(camera=spec)

    def events(station: Station, stop: threading.Event) -> Iterator[LoopEvent]:
        try:
            source = open_camera(settings, realtime)
        except FrameSourceError as error:
            yield CameraChanged(SourceStatus.DISCONNECTED, Reason("camera-open", error=str(error)))
            return
        yield from ScanLoop(source, station, preview_width=PREVIEW_WIDTH).run(stop)

    return events
