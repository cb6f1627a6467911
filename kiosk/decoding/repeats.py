"""One reading per visit: a code that stays in view is reported once, not once per frame.

A code counts as gone once it has not been read for `forget_after` seconds; shown again after that, it
is reported again (the station decides whether that is the same person too soon). Frames in which the
code is in view but not read (motion blur, glare) do not end its visit as long as the gap is shorter.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

from kiosk.decoding.decoder import Decoded


class RepeatFilter:
    def __init__(self, forget_after: float = 1.5, clock: Callable[[], float] = time.monotonic) -> None:
        self.forget_after = forget_after
        self._clock = clock
        self._last_seen: dict[str, float] = {}

    def new_readings(self, decoded: Sequence[Decoded], now: float | None = None) -> list[Decoded]:
        """Of the codes read in one frame, those not already in view. Call it for every frame, also
        for frames where nothing was read; `now` defaults to the clock (pass the frame's capture time)."""
        now = self._clock() if now is None else now
        self._last_seen = {text: seen for text, seen in self._last_seen.items()
                           if now - seen <= self.forget_after}
        fresh = [item for item in decoded if item.text not in self._last_seen]
        for item in decoded:
            self._last_seen[item.text] = now
        return fresh

    def forget(self) -> None:
        """Treat every code as gone (e.g. after the camera was reopened)."""
        self._last_seen.clear()
