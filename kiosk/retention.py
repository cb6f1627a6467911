"""Personal data is kept only as long as the retention setting says (BRIEF §7: 28 days by default)."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Callable

from kiosk.entry import utc_now
from kiosk.store import Store, StoreError

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 3600.0


def purge_expired(store: Store, retention_days: int, now: datetime | None = None) -> int:
    """Delete entries scanned more than `retention_days` ago; returns how many went."""
    now = now or utc_now()
    return store.purge(older_than=now - timedelta(days=retention_days))


class RetentionSchedule:
    """Purges at most once per `interval` seconds, with the retention in force at that moment (the server
    may push a shorter one). The first call purges at once."""

    def __init__(self, store: Store, interval: float = PURGE_INTERVAL_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._interval = interval
        self._monotonic = monotonic
        self._clock = clock
        self._next = 0.0

    def run_if_due(self, retention_days: int) -> int:
        """How many entries went; 0 when not due or when the store refused (logged, tried again later)."""
        now = self._monotonic()
        if now < self._next:
            return 0
        self._next = now + self._interval
        try:
            return purge_expired(self._store, retention_days, self._clock())
        except StoreError as error:
            log.error("retention purge failed: %s", error)
            return 0
        except Exception:  # noqa: BLE001 - a bug must not stop the door that calls this; tried again later
            log.exception("bug: retention purge failed")
            return 0
