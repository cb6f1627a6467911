"""Station config parts built as the server builds them (ISSUE11: "Station config"), for the kiosk's tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.sealing.tags import seal_note, watch_tag, watch_week_key
from kiosk.sealing.weeks import weeks_from

TEST_TAG_KEY = bytes(range(32))  # the kiosk's own tag key in tests (tests/conftest.py)
WATCH_ROOT = bytes(range(100, 132))  # the server's "watch-root" secret: never on a station


def watch_part(now: datetime, listed: dict[str, tuple[str, str]], root: bytes = WATCH_ROOT) -> dict[str, Any]:
    """The "watch" part for this week and the next: `listed` maps a clear person key to (action, note)."""
    weeks = {week: watch_week_key(root, week) for week in weeks_from(now, 2)}
    return {
        "weeks": {week: key.hex() for week, key in weeks.items()},
        "entries": [{"week": week, "tag": watch_tag(key, person), "action": action,
                     "note": seal_note(key, person, note) if note else ""}
                    for week, key in weeks.items() for person, (action, note) in listed.items()],
    }
