"""The visit builder of one server process: a thread that drains the queue after stored batches
(server.tracing.queue.stored) and every few seconds besides (a batch stored by another process). A failure
is logged, without personal data, and tried again on the next round: it never stops the server.

Uploads come in bursts (kiosks catching up after an outage, thousands of entries a second): building during
one would take CPU and, on SQLite, the write lock from it. So the builder waits for a pause in the uploads
(or a minute at most) and then catches up; a trace drains the queue itself, so it never waits for this."""

from __future__ import annotations

import logging
import threading
import time
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from server.tracing import queue
from server.tracing.builder import DRAIN_LIMIT, drain_queue

logger = logging.getLogger("kiosk_server")
INTERVAL_SECONDS = 5.0
QUIET_SECONDS = 1.0  # build once no batch has been stored for this long...
PATIENCE_SECONDS = 60.0  # ...or once uploads have gone on this long without such a pause
# On SQLite the builder holds the one write lock while it works: small rounds let uploads in between.
SQLITE_LIMIT = 2_000


class VisitBuilder:
    def __init__(self, engine: Engine, zone: ZoneInfo, interval: float = INTERVAL_SECONDS,
                 quiet: float = QUIET_SECONDS, patience: float = PATIENCE_SECONDS) -> None:
        self.engine = engine
        self.zone = zone
        self.interval = interval
        self.quiet = quiet
        self.patience = patience
        self.limit = SQLITE_LIMIT if engine.dialect.name == "sqlite" else DRAIN_LIMIT
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="visit-builder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        queue.stored.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopping.is_set():
            queue.stored.wait(self.interval)
            self._wait_for_a_pause()
            if not self._stopping.is_set():
                self.drain()

    def _wait_for_a_pause(self) -> None:
        deadline = time.monotonic() + self.patience
        while queue.stored.is_set() and time.monotonic() < deadline and not self._stopping.is_set():
            queue.stored.clear()
            self._stopping.wait(self.quiet)  # a batch stored meanwhile sets `stored` again

    def drain(self) -> None:
        """Build until the queue is empty (or another process's builder has it)."""
        try:
            while not self._stopping.is_set() and drain_queue(self.engine, self.limit, zone=self.zone) == self.limit:
                pass
        except Exception as error:  # noqa: BLE001 - whatever it was, the server goes on and tries again
            original = getattr(error, "orig", None) or error
            code = getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None) or ""
            # The class and code only: a message can quote a row, and rows hold personal data.
            logger.error("building visits failed; the queued entries are kept and tried again",
                         extra={"fields": {"error": f"{type(original).__name__} {code}".strip()}})
