"""Whether something has come into the camera's view: each frame against the door's settled view.

Most frames at a door show the same empty entrance, and a camera's decoder gives those one whole-frame
look each, in turn (decoder.CAMERA_TURNS). A frame in which something new is in view (a visitor, the
phone they hold up) may hold a code the first pass cannot make out, and then reading it in this frame
rather than when the turn comes round is what shortens the time to verdict: on the visits bench, twelve
visits (dim and dark-mode phone screens most of them) were read 1-17 frames sooner, one more was read
at all, and the median time to verdict fell from 202 to 184-188 ms (bench/visits.py, docs/decoding.md).

The settled view is a running average of a coarse copy of the frames (every 8th pixel of every 8th
row: 40 µs for a 720p frame), so a visitor who stays, or a light switched on, becomes part of it within
a second and the cheap rotation resumes. A change of exposure (the webcam's own, or a cloud) brightens
or darkens the whole frame at once; the frame is scaled to the settled view's mean brightness before
it is compared, so that alone is not a change.
"""

from __future__ import annotations

import cv2
import numpy as np

STEP = 8                    # pixels between the samples compared, across and down
LEVELS = 24                 # grey levels a sample must differ from the settled view by, more than sensor noise
LEAST_CHANGED = 0.003       # share of the samples that must differ: a phone across the room, not a moth
SETTLING = 1 / 16           # weight of each frame in the settled view: what stays still is part of it in 25-40 frames


class ViewChange:
    """Tells, frame after frame, whether something new is in view. The first frame, and the first of a
    new size, only set the settled view."""

    def __init__(self) -> None:
        self._settled: np.ndarray | None = None

    def changed(self, gray: np.ndarray) -> bool:
        """Whether `gray` (one 8-bit channel) shows something the settled view does not; the frame then
        becomes part of the settled view by SETTLING."""
        sample = gray[::STEP, ::STEP].astype(np.float32)
        if self._settled is None or self._settled.shape != sample.shape:
            self._settled = sample
            return False
        sample *= cv2.mean(self._settled)[0] / max(cv2.mean(sample)[0], 1.0)     # the same exposure
        differing = cv2.countNonZero(cv2.compare(cv2.absdiff(sample, self._settled), LEVELS, cv2.CMP_GT))
        cv2.accumulateWeighted(sample, self._settled, SETTLING)
        return differing >= LEAST_CHANGED * sample.size
