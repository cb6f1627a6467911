"""What every frame source delivers and promises: `Frame`, `SourceStatus`, `FrameSource`.

A caller reads in a loop and stops on `ENDED`. `read()` returns None both when a finite source has ended
and when a camera has nothing to give right now (disconnected, waiting to reopen), so the loop is:

    while not stop.is_set():
        frame = source.read()
        if frame is None:
            if source.status is SourceStatus.ENDED:
                break
            continue
        ...

`read()` never blocks for long: at most about one frame period, or one reopening step of a camera.
Call `read()` and `close()` from one thread (the capture loop's): OpenCV devices are not thread-safe.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import Callable

import numpy as np

from kiosk.errors import KioskError
from kiosk.reasons import Reason

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class FrameSourceError(KioskError):
    """A frame source that cannot be opened for a reason the user can fix (bad spec, missing file...)."""


@dataclass(frozen=True)
class Frame:
    """One picture: BGR (HxWx3) or grayscale (HxW) uint8, when it was read (time.monotonic()), its number."""

    image: np.ndarray
    captured_at: float
    index: int


class SourceStatus(Enum):
    STARTING = "starting"
    LIVE = "live"
    DISCONNECTED = "disconnected"
    ENDED = "ended"


STATUS_REASONS = {
    SourceStatus.STARTING: Reason("camera-starting"),
    SourceStatus.LIVE: Reason("camera-live"),
    SourceStatus.DISCONNECTED: Reason("camera-disconnected"),
    SourceStatus.ENDED: Reason("camera-ended"),
}

StatusListener = Callable[[SourceStatus, Reason], None]


class FrameSource(ABC):
    """A camera, a video, images or the demo. Set `on_status` to hear of every status change.

    The listener is called from the thread that calls `read()` (or `close()`) with the new status and a
    reason whose `vi` / `en` text can be shown as it is.
    """

    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self.on_status: StatusListener | None = None
        self._clock = clock
        self._sleep = sleep
        self._status = SourceStatus.STARTING
        self._index = 0

    @property
    def status(self) -> SourceStatus:
        return self._status

    @abstractmethod
    def read(self) -> Frame | None:
        """The next frame, or None (see the module docstring for what None means)."""

    def close(self) -> None:
        self._end()

    def _release(self) -> None:
        """Free what the source holds (a device, a file). Calling it again is harmless."""

    def _set_status(self, status: SourceStatus, reason: Reason | None = None) -> None:
        if status is self._status:
            return
        self._status = status
        if self.on_status is not None:
            self.on_status(status, reason or STATUS_REASONS[status])

    def _frame(self, image: np.ndarray) -> Frame:
        """Wrap a freshly read image; the first frame makes the source live."""
        frame = Frame(image=image, captured_at=self._clock(), index=self._index)
        self._index += 1
        self._set_status(SourceStatus.LIVE)
        return frame

    def _end(self) -> None:
        self._release()
        self._set_status(SourceStatus.ENDED)

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


DEFAULT_FPS = 15.0  # webcams at a door, the demo, and recordings that do not say


class Pacer:
    """Holds a finite source back to real time when asked to (`realtime=True`, for the headless demo).

    Otherwise frames go out as fast as they are read.
    """

    def __init__(self, fps: float, realtime: bool, clock: Clock, sleep: Sleep) -> None:
        self._period = 1.0 / fps if fps > 0 else 0.0
        self._realtime = realtime
        self._clock = clock
        self._sleep = sleep
        self._due: float | None = None

    def wait(self) -> None:
        if not self._realtime:
            return
        now = self._clock()
        if self._due is None or now - self._due > self._period:
            self._due = now         # the first frame, or far behind: start afresh instead of rushing
        elif self._due > now:
            self._sleep(self._due - now)
        self._due += self._period
