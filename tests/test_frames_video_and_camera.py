"""Video files and the watched camera, with recordings made here by cv2.VideoWriter (mp4v).

The camera plays recordings as its device: a frozen picture and a recording that stops stand for a
camera that was unplugged. A fake clock keeps the watchdog's seconds out of the tests' run time.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import pytest

from kiosk.decoding import Decoder
from kiosk.frames import (
    CameraSource, FrameSourceError, SourceStatus, VideoFileSource, open_source,
)
from kiosk.frames.demo import code_picture

FPS = 15
SIZE = (320, 240)
TEXT = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"


class FakeClock:
    """Time that moves only when someone sleeps or a frame is read (one frame period per read)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FramePacedCapture:
    """A real cv2.VideoCapture whose reads take one frame period of the fake clock, as a camera's do."""

    def __init__(self, path: str, clock: FakeClock) -> None:
        self._capture = cv2.VideoCapture(path)
        self._clock = clock

    def read(self):
        self._clock.now += 1 / FPS
        return self._capture.read()

    def release(self) -> None:
        self._capture.release()


def scene(number: int) -> np.ndarray:
    """A distinct picture per number, holding the code (a camera never gives two identical pictures)."""
    image = np.full((SIZE[1], SIZE[0], 3), 200, dtype=np.uint8)
    code = code_picture(TEXT, module_pixels=2)
    image[10:10 + code.shape[0], 60:60 + code.shape[1]] = code[..., None]
    cv2.putText(image, str(number), (5, 230), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2)
    return image


def write_video(path: Path, frames: list[np.ndarray]) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return write_video(tmp_path_factory.mktemp("video") / "clip.mp4", [scene(n) for n in range(20)])


@pytest.fixture(scope="module")
def frozen(tmp_path_factory) -> Path:
    """Five live pictures, then the same picture for 20 seconds: a driver repeating itself."""
    frames = [scene(n) for n in range(5)] + [scene(5)] * (20 * FPS)
    return write_video(tmp_path_factory.mktemp("video") / "frozen.mp4", frames)


def statuses(source, clock: Callable[[], float] = time.monotonic) -> list[tuple[SourceStatus, object, float]]:
    """What `source` reports, each with the time by `clock` (the one the source was given)."""
    heard: list[tuple[SourceStatus, object, float]] = []
    source.on_status = lambda status, reason: heard.append((status, reason, clock()))
    return heard


def fake_camera(path: Path, clock: FakeClock, opened: list[float] | None = None, **options) -> CameraSource:
    def opener(device):
        if opened is not None:
            opened.append(clock())
        return FramePacedCapture(str(device), clock)
    return CameraSource(str(path), opener=opener, clock=clock, sleep=clock.sleep, **options)


def read_until(source, condition, most_reads: int = 2000) -> int:
    for reads in range(1, most_reads + 1):
        source.read()
        if condition():
            return reads
    raise AssertionError(f"not reached in {most_reads} reads; status {source.status}")


# --- video files --------------------------------------------------------------------------------------

def test_a_video_plays_every_frame_once_then_ends(clip):
    source = open_source(str(clip))
    heard = statuses(source)
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    assert [f.index for f in frames] == list(range(20))
    assert all(a.captured_at <= b.captured_at for a, b in zip(frames, frames[1:]))
    assert frames[0].image.shape == (SIZE[1], SIZE[0], 3) and frames[0].image.dtype == np.uint8
    assert source.status is SourceStatus.ENDED
    assert [status for status, _, _ in heard] == [SourceStatus.LIVE, SourceStatus.ENDED]
    assert source.read() is None


def test_the_code_in_a_video_is_read_from_its_pixels(clip):
    with open_source(str(clip)) as source:
        frame = source.read()
        assert [d.text for d in Decoder().decode(frame.image)] == [TEXT]
    assert source.status is SourceStatus.ENDED


def test_realtime_video_is_paced_to_its_frame_rate(clip):
    clock = FakeClock()
    source = VideoFileSource(clip, realtime=True, clock=clock, sleep=clock.sleep)
    times = [source.read().captured_at for _ in range(6)]
    gaps = np.diff(times)
    assert gaps == pytest.approx([1 / FPS] * 5)


def test_missing_and_unreadable_videos_are_explained(tmp_path):
    with pytest.raises(FrameSourceError, match="No camera, file or folder named"):
        open_source(str(tmp_path / "nowhere.mp4"))
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("not a video")
    with pytest.raises(FrameSourceError, match="Cannot read .*notes.mp4 as a video"):
        open_source(str(bogus))


# --- the watched camera -------------------------------------------------------------------------------

def test_a_frozen_camera_is_disconnected_after_the_watchdog_time_and_comes_back(frozen):
    clock = FakeClock()
    camera = fake_camera(frozen, clock, watchdog_seconds=2.0, backoff_initial=0.5)
    heard = statuses(camera, clock)

    last_new_picture_at, previous = 0.0, None
    while (frame := camera.read()) is not None:
        if previous is None or not np.array_equal(frame.image, previous):
            last_new_picture_at = frame.captured_at
        previous = frame.image
    assert camera.status is SourceStatus.DISCONNECTED
    status, reason, lost_at = heard[-1]
    assert (reason.en, reason.vi) == ("camera disconnected", "Mất kết nối camera")
    assert 2.0 < lost_at - last_new_picture_at <= 2.0 + 2 / FPS

    read_until(camera, lambda: camera.status is SourceStatus.LIVE)   # reopened: pictures flow again
    assert [s for s, _, _ in heard] == [SourceStatus.LIVE, SourceStatus.DISCONNECTED, SourceStatus.LIVE]
    assert heard[-1][2] - lost_at >= 0.5     # not before the back-off


def test_frames_keep_coming_while_frozen_until_the_watchdog_decides(frozen):
    clock = FakeClock()
    camera = fake_camera(frozen, clock, watchdog_seconds=2.0)
    frames = [camera.read() for _ in range(20)]     # about 1.3 s of a frozen picture
    assert all(frame is not None for frame in frames)
    assert camera.status is SourceStatus.LIVE


def test_a_camera_that_stops_delivering_is_disconnected_not_ended(clip):
    clock = FakeClock()
    camera = fake_camera(clip, clock, watchdog_seconds=1.0)
    heard = statuses(camera, clock)
    read_until(camera, lambda: camera.status is SourceStatus.DISCONNECTED)
    assert heard[-1][1].en == "camera disconnected"
    assert camera.status is not SourceStatus.ENDED      # a camera never ends by itself
    read_until(camera, lambda: camera.status is SourceStatus.LIVE)
    camera.close()
    assert camera.status is SourceStatus.ENDED and camera.read() is None


def test_an_unplugged_camera_is_retried_with_growing_but_capped_pauses():
    clock = FakeClock()
    attempts: list[float] = []

    def unplugged(device):
        attempts.append(clock())
        return None

    camera = CameraSource(0, opener=unplugged, backoff_initial=0.5, backoff_max=4.0,
                          clock=clock, sleep=clock.sleep)
    heard = statuses(camera, clock)
    for _ in range(200):
        assert camera.read() is None
    gaps = np.diff(attempts[:7])
    assert gaps == pytest.approx([0.5, 1.0, 2.0, 4.0, 4.0, 4.0])
    assert max(clock.sleeps) <= 0.5          # a read never keeps the caller waiting long
    assert [s for s, _, _ in heard] == [SourceStatus.DISCONNECTED]
    assert heard[0][1].en == "Cannot open camera 0"


def test_the_back_off_starts_afresh_once_the_camera_is_live_again(tmp_path):
    short = write_video(tmp_path / "short.mp4", [scene(n) for n in range(3)])
    clock = FakeClock()
    opened: list[float] = []
    camera = fake_camera(short, clock, opened, watchdog_seconds=0.5, backoff_initial=0.5, backoff_max=8.0)
    for _ in range(4):
        read_until(camera, lambda: camera.status is SourceStatus.DISCONNECTED)
        read_until(camera, lambda: camera.status is SourceStatus.LIVE)
    # each round is three pictures, the watchdog time, then the first pause again (not a longer one):
    # the camera delivered in between
    rounds = np.diff(opened)
    assert rounds == pytest.approx([3 / FPS + 0.5 + 0.5] * 4, abs=0.1)


def test_the_watchdog_works_on_the_real_clock(tmp_path):
    short = write_video(tmp_path / "short.mp4", [scene(n) for n in range(5)])
    camera = CameraSource(str(short), watchdog_seconds=0.3, backoff_initial=0.05)
    heard = statuses(camera)
    deadline = time.monotonic() + 20
    while [s for s, _, _ in heard][-3:] != [SourceStatus.LIVE, SourceStatus.DISCONNECTED, SourceStatus.LIVE]:
        assert time.monotonic() < deadline, heard
        camera.read()
    camera.close()


def test_a_recording_can_stand_in_for_the_camera(clip):
    with open_source(f"camera:{clip}", watchdog_seconds=1.0) as camera:
        assert isinstance(camera, CameraSource)
        assert camera.read() is not None and camera.status is SourceStatus.LIVE


def test_camera_settings_mistakes_are_explained(tmp_path):
    with pytest.raises(FrameSourceError, match="Unknown camera backend 'quicktime'"):
        open_source("camera:0", backend="quicktime")
    with pytest.raises(FrameSourceError, match="No camera named"):
        open_source("camera:")
    with pytest.raises(FrameSourceError, match="No camera number or recording"):
        open_source(f"camera:{tmp_path / 'missing.mp4'}")
