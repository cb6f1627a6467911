"""The scanning loop: frames → decoder → one reading per visit → station → entry.

It runs on one thread (the headless door's, or the window's camera thread) and yields what happened, so the
caller decides how to show it. It stops within one frame once `stop` is set.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Union

import cv2
import numpy as np

from kiosk.decoding import Decoder, RepeatFilter, VisitFigures, VisitTiming
from kiosk.entry import Source
from kiosk.frames import FrameSource, SourceStatus
from kiosk.reasons import Reason
from kiosk.station import ScanResult, Station


@dataclass(frozen=True)
class Scanned:
    """A code came into view and the station decided. Times are time.monotonic() seconds."""

    result: ScanResult
    frame_captured_at: float
    decided_at: float


@dataclass(frozen=True)
class CameraChanged:
    status: SourceStatus
    reason: Reason


@dataclass(frozen=True)
class Preview:
    """A down-scaled copy of a frame for the window (BGR); dropping some is fine."""

    image: np.ndarray


@dataclass(frozen=True)
class VisitsChanged:
    """The camera's per-visit figure changed: a visit got its verdict, or one ended unread."""

    figures: VisitFigures


LoopEvent = Union[Scanned, CameraChanged, Preview, VisitsChanged]


class ScanLoop:
    def __init__(self, source: FrameSource, station: Station, decoder: Decoder | None = None,
                 repeats: RepeatFilter | None = None, preview_width: int | None = None,
                 preview_interval: float = 0.1, on_frame: Callable[[], None] | None = None) -> None:
        """`on_frame` is called on the loop's thread after every read, frame or not (the headless door's
        chance to do its other work between frames)."""
        self.source = source
        self.station = station
        self.decoder = decoder or Decoder(one_look_per_frame=True)
        self.repeats = repeats or RepeatFilter()
        self.visit_timing = VisitTiming(forget_after=self.repeats.forget_after)
        self._preview_width = preview_width
        self._preview_interval = preview_interval
        self._status_changes: list[CameraChanged] = []
        self._on_frame = on_frame

    def run(self, stop: threading.Event, max_frames: int | None = None) -> Iterator[LoopEvent]:
        """Yield events until `stop` is set, the source ends, or `max_frames` frames were read."""
        self.source.on_status = lambda status, reason: self._status_changes.append(CameraChanged(status, reason))
        next_preview = 0.0
        frames = 0
        try:
            while not stop.is_set() and (max_frames is None or frames < max_frames):
                frame = self.source.read()
                yield from self._drain_status_changes()
                if self._on_frame is not None:
                    self._on_frame()
                if frame is None:
                    if self.source.status is SourceStatus.ENDED:
                        break
                    continue
                frames += 1
                decided_at = None
                for reading in self.repeats.new_readings(self.decoder.decode(frame.image), frame.captured_at):
                    result = self.station.check_text(reading.text, Source.CAMERA)
                    decided_at = time.monotonic()
                    yield Scanned(result, frame.captured_at, decided_at)
                if self.visit_timing.frame(frame.captured_at, self.decoder.saw_symbol, decided_at):
                    yield VisitsChanged(self.visit_timing.figures())
                if self._preview_width and frame.captured_at >= next_preview:
                    next_preview = frame.captured_at + self._preview_interval
                    yield Preview(_downscaled(frame.image, self._preview_width))
        finally:
            self.source.close()
        yield from self._drain_status_changes()

    def _drain_status_changes(self) -> Iterator[CameraChanged]:
        while self._status_changes:
            change = self._status_changes.pop(0)
            if change.status is SourceStatus.LIVE:
                self.repeats.forget()  # a reopened camera starts a new visit for whatever is in view
            yield change


def _downscaled(image: np.ndarray, width: int) -> np.ndarray:
    height, current = image.shape[:2]
    if current <= width:
        return image
    return cv2.resize(image, (width, round(height * width / current)), interpolation=cv2.INTER_AREA)
