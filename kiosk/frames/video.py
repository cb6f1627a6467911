"""A video file played once as a camera would show it (for tests, demos and replaying a recording)."""

from __future__ import annotations

import time
from pathlib import Path

import cv2

from kiosk.frames.base import DEFAULT_FPS, Clock, Frame, FrameSource, FrameSourceError, Pacer, Sleep



class VideoFileSource(FrameSource):
    """Frames of a video file; ENDED after the last one. `realtime=True` plays at the file's frame rate."""

    def __init__(self, path: Path, realtime: bool = False, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep) -> None:
        super().__init__(clock, sleep)
        self.path = Path(path)
        if not self.path.is_file():
            raise FrameSourceError(f"Video file not found: {self.path}")
        self._capture = cv2.VideoCapture(str(self.path))
        if not self._capture.isOpened():
            self._capture.release()
            raise FrameSourceError(f"Cannot read {self.path} as a video (unknown or damaged format)")
        fps = self._capture.get(cv2.CAP_PROP_FPS) or DEFAULT_FPS
        self._pacer = Pacer(fps, realtime, clock, sleep)

    def read(self) -> Frame | None:
        if self._capture is None:
            return None
        ok, image = self._capture.read()
        if not ok or image is None:
            self._end()
            return None
        self._pacer.wait()
        return self._frame(image)

    def _release(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
