"""Sending the station's entries to the central server, and fetching its configuration.

- `protocol`: the requests, their headers, what an answer means; `Connection` owns the HTTP session.
- `upload`: one round's upload, batch by batch, with refusals and 5xx failures read per entry.
- `held`: what the store remembers of entries the server fails on (strikes, when to send again).
- `round`: `SyncClient.run_once`, one round: the upload, then the configuration; a `SyncReport`.
- `worker`: `SyncWorker`, rounds on a background thread with back-off; `on_round` after each.
- `status`: `SyncStatus` and `describe`, the one sentence the door and the command line show.

Network errors, timeouts, 408, 429 and 5xx keep every entry queued; nothing leaves the queue unless the
server confirmed it, refused it for good (kept in the "rejected" table) or failed on it alone (held aside,
shown by `kiosk sync --held`, sent again later, never dropped).
"""

from kiosk.sync.held import held_retry_delay
from kiosk.sync.protocol import (
    QUEUE_LENGTH_HEADER,
    QUEUE_OLDEST_HEADER,
    STATION_TIME_HEADER,
    TIMEOUT,
)
from kiosk.sync.round import BATCH_SIZE, META_LAST_SYNC, SyncClient, SyncReport
from kiosk.sync.status import SyncState, SyncStatus, describe
from kiosk.sync.worker import Backoff, SyncWorker

__all__ = [
    "BATCH_SIZE",
    "META_LAST_SYNC",
    "QUEUE_LENGTH_HEADER",
    "QUEUE_OLDEST_HEADER",
    "STATION_TIME_HEADER",
    "TIMEOUT",
    "Backoff",
    "SyncClient",
    "SyncReport",
    "SyncState",
    "SyncStatus",
    "SyncWorker",
    "describe",
    "held_retry_delay",
]
