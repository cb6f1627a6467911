"""Where frames come from: a camera, a video file, an image or a folder of images, or the demo.

`open_source(spec)` turns the camera setting into a `FrameSource`; see `base.py` for the reading loop.
"""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.frames.base import (
    Clock, Frame, FrameSource, FrameSourceError, Sleep, SourceStatus, STATUS_REASONS,
)
from kiosk.frames.camera import CameraSource
from kiosk.frames.demo import DemoSource
from kiosk.frames.images import DEFAULT_REPEAT, IMAGE_SUFFIXES, ImageSource
from kiosk.frames.video import VideoFileSource
from kiosk.settings import Settings

__all__ = [
    "CameraSource", "DemoSource", "Frame", "FrameSource", "FrameSourceError", "ImageSource",
    "STATUS_REASONS", "SourceStatus", "VideoFileSource", "open_camera", "open_source",
]

SPEC_HELP = "use camera:0 (a camera number), demo, a video file, an image file or a folder of images"


def open_camera(settings: Settings, realtime: bool = True) -> FrameSource:
    """The source the settings name, with their backend and watchdog. Files and folders play at their
    frame rate unless `realtime` is False, so a code stays in view as long as it would before a camera."""
    return open_source(settings.camera, backend=settings.camera_backend,
                       watchdog_seconds=settings.camera_watchdog_seconds, realtime=realtime)


def open_source(spec: str, *, backend: str = "auto", watchdog_seconds: float = 3.0,
                realtime: bool | None = None, repeat: int = DEFAULT_REPEAT, seed: int = 0,
                clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> FrameSource:
    """Open what `spec` names. Raises FrameSourceError (a message for the user) when it cannot.

    - `camera:N` (or `camera:PATH`, a recording played as a camera): `backend` is auto, v4l2, dshow,
      msmf or any; `watchdog_seconds` of frozen or missing frames count as a disconnection.
    - `demo`: the synthetic camera (`seed`); real time unless `realtime=False`.
    - a video file, an image file, a folder of images (each shown for `repeat` frames): as fast as
      read unless `realtime=True`.
    """
    spec = spec.strip()
    if spec.lower() == "demo":
        return DemoSource(seed=seed, realtime=True if realtime is None else realtime, clock=clock, sleep=sleep)
    if spec.lower().startswith("camera:"):
        device = spec[len("camera:"):].strip()
        if not device:
            raise FrameSourceError(f"No camera named in {spec!r}: {SPEC_HELP}")
        if not device.isdigit() and not Path(device).expanduser().is_file():
            raise FrameSourceError(f"No camera number or recording named {device!r}: {SPEC_HELP}")
        return CameraSource(int(device) if device.isdigit() else device, backend=backend,
                            watchdog_seconds=watchdog_seconds, clock=clock, sleep=sleep)
    if not spec:
        raise FrameSourceError(f"No camera chosen: {SPEC_HELP}")
    path = Path(spec).expanduser()
    pace = bool(realtime)
    if path.is_dir():
        return ImageSource.from_folder(path, repeat=repeat, realtime=pace, clock=clock, sleep=sleep)
    if not path.exists():
        raise FrameSourceError(f"No camera, file or folder named {spec!r}: {SPEC_HELP}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path], repeat=repeat, realtime=pace, clock=clock, sleep=sleep)
    return VideoFileSource(path, realtime=pace, clock=clock, sleep=sleep)
