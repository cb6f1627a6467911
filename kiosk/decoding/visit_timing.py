"""The door's per-visit figure: the share of visits read, and the time from a code coming into view to
the verdict.

A visit starts at the first frame in which the decoder saw a QR symbol (read or not: zxing found its
finder patterns) and ends once no symbol was seen for `forget_after` seconds. It is read if a verdict
came during it. A code so washed out that no finder pattern shows is not seen until it is, so the time
counts from the first frame with evidence of a code: the figure can only flatter by that much.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class VisitFigures:
    visits: int                      # visits ended or decided, of the last `keep`
    read: int
    median_ms_to_verdict: float | None

    @property
    def share_read(self) -> float | None:
        return self.read / self.visits if self.visits else None


@dataclass
class _Visit:
    started: float
    last_seen: float
    verdicts: int = 0
    ms_to_verdict: float | None = None      # the first verdict's


class VisitTiming:
    """Fed by the scanning loop once per frame; not thread-safe (the loop's thread feeds it, others
    read `figures()`, which only copies).

    In a queue the next visitor's code may come into view before the last one's has been gone for
    `forget_after`: each further verdict in one stretch of symbols counts as a visit read, without a
    time (its code's first sight is not known), so the median is taken over the visits that have one."""

    def __init__(self, forget_after: float = 1.5, keep: int = 200) -> None:
        self.forget_after = forget_after
        # Per visit, latest last: (read, ms to verdict or None when not read or not timed).
        self._ended: deque[tuple[bool, float | None]] = deque(maxlen=keep)
        self._open: _Visit | None = None

    def frame(self, captured_at: float, symbol_seen: bool, decided_at: float | None = None) -> bool:
        """One frame's outcome: whether a symbol was in it, and when the verdict came if it gave one
        (times in seconds of the same clock, e.g. time.monotonic()). True when that changed `figures()`:
        a visit got its verdict, or one ended unread."""
        visit = self._open
        if visit is not None and not symbol_seen and decided_at is None \
                and captured_at - visit.last_seen > self.forget_after:
            self._open = None
            if not visit.verdicts:
                self._ended.append((False, None))
                return True
            return False
        if not symbol_seen and decided_at is None:
            return False
        if visit is None:
            visit = self._open = _Visit(captured_at, captured_at)
        visit.last_seen = captured_at
        if decided_at is None:
            return False
        visit.verdicts += 1
        if visit.verdicts == 1:
            visit.ms_to_verdict = max(decided_at - visit.started, 0.0) * 1000
        self._ended.append((True, visit.ms_to_verdict if visit.verdicts == 1 else None))
        return True

    def figures(self) -> VisitFigures:
        outcomes = list(self._ended)
        times = [ms for _, ms in outcomes if ms is not None]
        return VisitFigures(len(outcomes), sum(read for read, _ in outcomes),
                            statistics.median(times) if times else None)
