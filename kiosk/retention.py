"""Personal data is kept only as long as the retention setting says (BRIEF §7: 28 days by default)."""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.entry import utc_now
from kiosk.store import Store


def purge_expired(store: Store, retention_days: int, now: datetime | None = None) -> int:
    """Delete entries scanned more than `retention_days` ago; returns how many went."""
    now = now or utc_now()
    return store.purge(older_than=now - timedelta(days=retention_days))
