"""The window's link to the central server: runs `kiosk.sync.SyncWorker` on its own thread and turns its
status into what the status line shows.

Nothing here blocks: rounds run on the worker's thread, `wake()` only sets an event, `close()` does not
wait for a request on the wire (the worker's thread is a daemon; what it had not sent stays queued; it
closes its connections when that request ends). `state()` reads the store (entries waiting, last sync),
so the window calls it on its door thread.
"""

from __future__ import annotations

from typing import Callable

from kiosk.door_screen import SyncState
from kiosk.settings import Settings
from kiosk.store import Store
from kiosk.sync import SyncClient, SyncWorker


class SyncLink:
    """`on_round` is called after every sync round and `on_config` when the server sent a new station
    config; both from the sync thread, so they should only post to the window (emit a signal)."""

    def __init__(self, settings: Settings, store: Store, on_round: Callable[[], None],
                 on_config: Callable[[], None]) -> None:
        client = SyncClient(store, settings, on_config=lambda _document: on_config())
        self._worker = SyncWorker(client, on_round=lambda _report: on_round())
        if client.configured:
            self._worker.start()

    def state(self) -> SyncState:
        return SyncState.from_status(self._worker.status())

    def wake(self) -> None:
        """A new entry is waiting: sync soon (the worker spaces its rounds out itself)."""
        self._worker.wake()

    def close(self) -> None:
        self._worker.stop(timeout=0)
