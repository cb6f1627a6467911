"""The visit builder of one server process: a thread that drains the queue at once after a stored batch
(server.tracing.queue.stored) and every few seconds besides (a batch stored by another process). A failure
is logged, without personal data, and tried again on the next round: it never stops the server."""

from __future__ import annotations

import logging
import threading
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from server.tracing import queue
from server.tracing.builder import DRAIN_LIMIT, drain_queue

logger = logging.getLogger("kiosk_server")
INTERVAL_SECONDS = 5.0
# On SQLite the builder holds the one write lock while it works: small rounds let uploads in between.
SQLITE_LIMIT = 2_000


class VisitBuilder:
    def __init__(self, engine: Engine, zone: ZoneInfo, interval: float = INTERVAL_SECONDS) -> None:
        self.engine = engine
        self.zone = zone
        self.interval = interval
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
            queue.stored.clear()
            if not self._stopping.is_set():
                self.drain()

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
