"""A webcam through OpenCV, watched: a camera that stops delivering is reopened until it comes back.

OpenCV's `read()` may keep returning the last picture after the camera is unplugged, or start failing.
Either for longer than `watchdog_seconds` → the device is closed, the status becomes DISCONNECTED
("Mất kết nối camera" / "camera disconnected"), and it is reopened after a back-off that doubles up to
`backoff_max` seconds. The status returns to LIVE with the first new picture.

Frozen means identical content: a working sensor never gives two identical pictures (noise alone
changes them), so a repeated picture is the driver repeating itself.

The device may be a file path instead of a camera number: tests and rehearsals play a recording as if it
were the camera (the end of the file is then a camera that stopped delivering, not the end).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Protocol

import cv2
import numpy as np

from kiosk.frames.base import (
    STATUS_REASONS, Clock, Frame, FrameSource, FrameSourceError, Sleep, SourceStatus,
)
from kiosk.reasons import Reason

BACKENDS = {
    "auto": None,
    "v4l2": cv2.CAP_V4L2,
    "dshow": cv2.CAP_DSHOW,
    "msmf": cv2.CAP_MSMF,
    "any": cv2.CAP_ANY,
}
REQUESTED_SIZE = (1280, 720)    # webcams often start at 640x480: too coarse for a code at arm's length
FAILED_READ_PAUSE = 0.02        # after a failed read: do not spin on a device that answers at once
LONGEST_WAIT = 0.5              # one read() waits at most this long for a reopening, so callers can stop


class Capture(Protocol):
    """The part of cv2.VideoCapture the camera source uses (tests may hand in their own)."""

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...


Opener = Callable[[int | str], Capture | None]


def backend_order(backend: str, device: int | str) -> list[int]:
    """OpenCV capture APIs to try, in order.

    On Windows "auto" tries DirectShow before Media Foundation: Media Foundation can take seconds to open
    a device, and the watchdog reopens devices often while one is unplugged.
    """
    chosen = BACKENDS[backend]
    if chosen is not None:
        return [chosen]
    if isinstance(device, str):
        return [cv2.CAP_ANY]
    if sys.platform == "win32":
        return [cv2.CAP_DSHOW, cv2.CAP_MSMF]
    if sys.platform.startswith("linux"):
        return [cv2.CAP_V4L2, cv2.CAP_ANY]
    return [cv2.CAP_ANY]


def opencv_opener(backend: str = "auto") -> Opener:
    """Opens a device (number) or a recording (path) with the first capture API that works."""
    if backend not in BACKENDS:
        names = ", ".join(BACKENDS)
        raise FrameSourceError(f"Unknown camera backend {backend!r}: use one of {names}")
    # Without this, Media Foundation negotiates hardware transforms and some webcams take many seconds
    # to open; OpenCV reads the variable when it opens a device.
    os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")

    def open_device(device: int | str) -> Capture | None:
        for api in backend_order(backend, device):
            capture = cv2.VideoCapture(device, api)
            if capture.isOpened():
                if isinstance(device, int):
                    capture.set(cv2.CAP_PROP_FRAME_WIDTH, REQUESTED_SIZE[0])
                    capture.set(cv2.CAP_PROP_FRAME_HEIGHT, REQUESTED_SIZE[1])
                    capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)   # the newest picture, not a queued one
                return capture
            capture.release()
        return None

    return open_device


class CameraSource(FrameSource):
    """A live camera; never ENDS by itself (only `close()` ends it)."""

    def __init__(self, device: int | str, backend: str = "auto", watchdog_seconds: float = 3.0,
                 backoff_initial: float = 0.5, backoff_max: float = 10.0, opener: Opener | None = None,
                 clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        super().__init__(clock, sleep)
        self.device = device
        self.watchdog_seconds = watchdog_seconds
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._open_device = opener or opencv_opener(backend)
        self._capture: Capture | None = None
        self._backoff = backoff_initial
        self._reopen_at = clock()
        self._last_fresh = 0.0
        self._previous: np.ndarray | None = None

    def read(self) -> Frame | None:
        if self.status is SourceStatus.ENDED:
            return None
        if self._capture is None:
            self._try_open()
            if self._capture is None:
                return None
        ok, image = self._capture.read()
        now = self._clock()
        if ok and image is not None and not self._repeats_previous(image):
            self._last_fresh = now
            self._backoff = self.backoff_initial
            return self._frame(image)
        if now - self._last_fresh > self.watchdog_seconds:
            self._disconnect(STATUS_REASONS[SourceStatus.DISCONNECTED])
            return None
        if ok and image is not None:
            return self._frame(image)   # the same picture again: harmless until the watchdog decides
        self._sleep(FAILED_READ_PAUSE)
        return None

    def _try_open(self) -> None:
        wait = self._reopen_at - self._clock()
        if wait > 0:
            self._sleep(min(wait, LONGEST_WAIT))
            if self._reopen_at > self._clock():
                return
        capture = self._open_device(self.device)
        if capture is None:
            self._disconnect(Reason("camera-not-found", device=self.device))
            return
        self._capture = capture
        self._last_fresh = self._clock()
        self._previous = None

    def _repeats_previous(self, image: np.ndarray) -> bool:
        sample = image[::8, ::8]
        same = self._previous is not None and np.array_equal(sample, self._previous)
        self._previous = sample.copy()
        return same

    def _disconnect(self, reason: Reason) -> None:
        self._release()
        self._previous = None
        self._reopen_at = self._clock() + self._backoff
        self._backoff = min(self._backoff * 2, self.backoff_max)
        self._set_status(SourceStatus.DISCONNECTED, reason)

    def _release(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

