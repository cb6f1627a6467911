"""Sync rounds on a background thread, spaced out, backing off while the server cannot be reached."""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from typing import Callable

from kiosk.store import StoreError
from kiosk.sync.round import SyncClient, SyncReport
from kiosk.sync.status import SyncState, SyncStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with full jitter: a random wait up to base·2^failures, at most `cap`."""

    base: float = 2.0
    cap: float = 300.0

    def delay(self, failures: int, floor: float | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(0, failures - 1))
        return max(random.uniform(0, ceiling), floor or 0.0)


class SyncWorker:
    """Runs sync rounds on a background thread: after `wake()` (call it when an entry is stored), or every
    `interval` seconds.

    After a round it lets `min_gap` seconds pass before the next one even if woken, so a morning rush of
    scans goes up as a few batches rather than a request per scan. After a failed round it waits out the
    back-off even if woken, so a kiosk whose server is down does not hammer it with every scan.

    `on_round(report)` is called on the worker's thread after every round, once `status()` tells its
    outcome; a window should only post from it to its own thread. `status()` is cheap and safe to call
    from any thread. The worker closes its client's connections when it stops.
    """

    def __init__(self, client: SyncClient, interval: float = 60.0, min_gap: float = 10.0,
                 backoff: Backoff = Backoff(),
                 on_round: Callable[[SyncReport], None] | None = None) -> None:
        self.client = client
        self.interval = interval
        self.min_gap = min_gap
        self.backoff = backoff
        self.on_round = on_round
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failures = 0
        self._state = SyncState.NEVER if client.configured else SyncState.UNCONFIGURED
        self._last_error: str | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to finish; a request on the wire ends by its own timeout. The thread closes the
        client's connections as it ends (at once when it never started)."""
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            self.client.close()
            return
        self._thread.join(timeout)
        self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def status(self) -> SyncStatus:
        with self._lock:
            state, error = self._state, self._last_error
        store = self.client.store
        try:
            waiting, held, last = store.pending_count(), store.held_count(), self.client.last_sync()
        except StoreError as problem:
            waiting, held, last, error = 0, 0, None, str(problem)
        return SyncStatus(state=state, waiting=waiting, last_sync=last, last_error=error, held=held)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._wake.clear()  # a wake-up during the round asks for another round right after it
                report = self._round()
                if report.ok:
                    self._stop.wait(self.min_gap)
                    self._wake.wait(max(0.0, self.interval - self.min_gap))
                else:
                    self._stop.wait(self.backoff.delay(self._failures, report.retry_after))
        finally:
            self.client.close()

    def _round(self) -> SyncReport:
        """Run one round, record its outcome and tell `on_round`. A bug must not end syncing for good: it is
        logged in full and the round counts as failed."""
        try:
            report = self.client.run_once()
        except Exception as bug:  # noqa: BLE001
            log.exception("sync round failed")
            report = SyncReport(error=f"Sync failed unexpectedly ({type(bug).__name__}); it will be retried.")
        self._record(report)
        if self.on_round is not None:
            try:
                self.on_round(report)
            except Exception:  # noqa: BLE001
                log.exception("the listener of sync rounds failed")
        return report

    def _record(self, report: SyncReport) -> None:
        with self._lock:
            if not self.client.configured:
                self._state = SyncState.UNCONFIGURED
            elif report.ok:
                self._state, self._failures = SyncState.ONLINE, 0
            else:
                self._state, self._failures = SyncState.OFFLINE, self._failures + 1
            self._last_error = report.error
        if report.error:
            log.info("sync round stopped: %s", report.error)
