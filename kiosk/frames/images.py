"""Still images as a camera: one file, or every image of a folder in name order.

Each image is shown for `repeat` frames so that a code "stays in view" the way it does in front of a
camera (and the repeat filter sees one reading, not one per image).
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from kiosk.errors import os_problem
from kiosk.frames.base import DEFAULT_FPS, Clock, Frame, FrameSource, FrameSourceError, Pacer, Sleep

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"})
DEFAULT_REPEAT = 15


def read_image(path: Path) -> np.ndarray:
    """Decode an image file as BGR; works with non-ASCII paths (cv2.imread does not on Windows)."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise FrameSourceError(f"Cannot read {path}: {os_problem(exc)}") from exc
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise FrameSourceError(f"Cannot read {path} as an image (unknown or damaged format)")
    return image


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


class ImageSource(FrameSource):
    """Shows each image `repeat` times, then ENDS. Images are decoded one at a time, when reached: the
    first at opening, so a bad first file fails `open_source`; a bad later one raises FrameSourceError
    (naming the file) from `read()`."""

    def __init__(self, paths: list[Path], repeat: int = DEFAULT_REPEAT, realtime: bool = False,
                 fps: float = DEFAULT_FPS, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        super().__init__(clock, sleep)
        if not paths:
            raise FrameSourceError("No images to show")
        if repeat < 1:
            raise FrameSourceError(f"Each image must be shown at least once (repeat={repeat})")
        self.paths = list(paths)
        self.repeat = repeat
        self._pacer = Pacer(fps, realtime, clock, sleep)
        self._position = 0                       # frames delivered so far
        self._current = read_image(self.paths[0])  # fail now, not at the first read, on a bad first file

    @classmethod
    def from_folder(cls, folder: Path, **options: object) -> "ImageSource":
        paths = image_files(folder)
        if not paths:
            suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
            raise FrameSourceError(f"The folder {folder} holds no images ({suffixes})")
        return cls(paths, **options)  # type: ignore[arg-type]

    def read(self) -> Frame | None:
        number, shown = divmod(self._position, self.repeat)
        if number >= len(self.paths) or self._current is None:
            self._end()
            return None
        if shown == 0 and number > 0:
            self._current = read_image(self.paths[number])
        self._position += 1
        self._pacer.wait()
        return self._frame(self._current.copy())

    def _release(self) -> None:
        self._current = None
