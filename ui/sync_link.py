"""What the status line says about the central server, whatever does the syncing.

With no server URL the answer is "not configured". Otherwise a thread of its own checks every
`probe_seconds` whether the server accepts a connection, so that a slow network never holds up the
door's thread; `state()` only reads the last answer. The number of entries waiting comes from the store.
"""

from __future__ import annotations

import socket
import threading
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

from kiosk.door_screen import SyncKind, SyncState
from kiosk.settings import Settings


class SyncLink:
    """`on_change` is called (from the link's thread) whenever the answer changes."""

    def __init__(self, settings: Settings, on_change: Callable[[], None] = lambda: None,
                 probe_seconds: float = 10.0, timeout: float = 3.0) -> None:
        self._url = settings.server_url.strip()
        self._on_change = on_change
        self._probe_seconds = probe_seconds
        self._timeout = timeout
        self._lock = threading.Lock()
        self._kind = SyncKind.CONNECTING if self._url else SyncKind.NOT_CONFIGURED
        self._last_seen: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._url:
            self._thread = threading.Thread(target=self._watch, name="sync-link", daemon=True)
            self._thread.start()

    def state(self, pending: int) -> SyncState:
        """Cheap: safe to call from any thread, at any rate."""
        with self._lock:
            return SyncState(self._kind, waiting=pending, last_sync=self._last_seen)

    def close(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.is_set():
            reachable = self._probe()
            kind = SyncKind.ONLINE if reachable else SyncKind.OFFLINE
            with self._lock:
                changed, self._kind = kind is not self._kind, kind
                if reachable:
                    self._last_seen = datetime.now(timezone.utc)
            if changed:
                self._on_change()
            self._stop.wait(self._probe_seconds)

    def _probe(self) -> bool:
        parts = urlsplit(self._url)
        if not parts.hostname:
            return False
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            with socket.create_connection((parts.hostname, port), timeout=self._timeout):
                return True
        except (OSError, ValueError):  # ValueError: a port out of range in the URL
            return False
