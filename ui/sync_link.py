"""What the status line says about the central server, whatever does the syncing.

The window asks `SyncLink.state(pending)` on the door thread. With no server URL the answer is "not
configured"; otherwise the server is online when it accepts a connection (checked at most every
`probe_seconds`), and the number of entries waiting comes from the store.
"""

from __future__ import annotations

import socket
import time
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

from kiosk.door_screen import SyncKind, SyncState
from kiosk.settings import Settings


class SyncLink:
    def __init__(self, settings: Settings, probe_seconds: float = 10.0, timeout: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._url = settings.server_url.strip()
        self._probe_seconds = probe_seconds
        self._timeout = timeout
        self._clock = clock
        self._checked_at: float | None = None
        self._reachable = False
        self._last_seen: datetime | None = None

    def state(self, pending: int) -> SyncState:
        if not self._url:
            return SyncState(SyncKind.NOT_CONFIGURED, waiting=pending)
        now = self._clock()
        if self._checked_at is None or now - self._checked_at >= self._probe_seconds:
            self._checked_at = now
            self._reachable = self._probe()
            if self._reachable:
                self._last_seen = datetime.now(timezone.utc)
        if self._reachable:
            return SyncState(SyncKind.ONLINE, waiting=pending, last_sync=self._last_seen)
        return SyncState(SyncKind.OFFLINE, waiting=pending)

    def _probe(self) -> bool:
        parts = urlsplit(self._url)
        if not parts.hostname:
            return False
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname, port), timeout=self._timeout):
                return True
        except OSError:
            return False
