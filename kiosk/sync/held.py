"""What the store remembers of entries the server fails on (5xx): how many rounds running the batch starting
with the same entry failed, and when an entry held aside is sent again.

One failure could be the server's own trouble, so a batch is taken apart only after `STRIKES_TO_ISOLATE`
rounds running; an entry the server then fails on alone is held, sent again after `held_retry_delay`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from kiosk.entry import Entry
from kiosk.store import Store

log = logging.getLogger(__name__)

META_FAILING_BATCH = "sync.failing_batch"  # "<strikes> <id of the batch's first entry>"
STRIKES_TO_ISOLATE = 2
HELD_RETRY_FIRST = timedelta(hours=1)
HELD_RETRY_CAP = timedelta(days=1)
HELD_RETRIES_PER_ROUND = 20


def held_retry_delay(attempts: int) -> timedelta:
    """How long a held entry waits after its `attempts`-th failed send: 1 h, 2 h, 4 h ... at most a day."""
    return min(HELD_RETRY_CAP, HELD_RETRY_FIRST * 2 ** min(attempts - 1, 16))


def strike(store: Store, batch: list[Entry]) -> int:
    """Count one more 5xx for the batch starting with this entry; returns the rounds running it failed."""
    strikes, _, first = (store.get_meta(META_FAILING_BATCH) or "0 ").partition(" ")
    count = int(strikes) + 1 if first == batch[0].id else 1
    store.set_meta(META_FAILING_BATCH, f"{count} {batch[0].id}")
    return count


def clear_strikes(store: Store, batch: list[Entry] | None = None) -> None:
    """Forget the strikes of the batch starting with this entry (of any batch, without one)."""
    if batch is None or (store.get_meta(META_FAILING_BATCH) or "").endswith(f" {batch[0].id}"):
        store.set_meta(META_FAILING_BATCH, "")


def hold(store: Store, entry: Entry, reason: str, attempts: int, now: datetime) -> None:
    """Put an entry the server failed on alone aside (`attempts`: its failed sends before this one)."""
    store.mark_held(entry.id, reason, at=now, retry_at=now + held_retry_delay(attempts + 1))
    log.warning("entry %s held: the server failed on it alone (%s)", entry.id, reason)
