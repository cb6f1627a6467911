"""The people a guard added to a session as walk-ins (behind the PIN), so that their next scans at the
room door (the exit, coming back) say "walk-in" rather than "not on the list".

Kept as tagged keys under the kiosk's own tag key (kiosk.watch_list.kiosk_tag_key, like the typed watch
list): in memory and in the store's meta table, so a restart keeps them; never a number in clear.
"""

from __future__ import annotations

import json
import logging
from typing import Iterable

from kiosk import watch_list
from kiosk.errors import KioskError
from kiosk.sealing import tags
from kiosk.store import Store

log = logging.getLogger(__name__)

META_WALK_INS = "meetings.walk_ins"
MAX_SESSIONS_KEPT = 50  # the latest sessions' walk-ins: older sessions are over


class WalkIns:
    """Walk-ins per session id, read from and written to `store`'s meta table."""

    def __init__(self, store: Store, tag_key: watch_list.TagKey | None = None) -> None:
        self._store = store
        self._tag_key = tag_key
        self._key: bytes | None = None
        self._read: dict[str, set[str]] | None = None  # read on first use: on the door's thread, never the GUI's

    @property
    def _sessions(self) -> dict[str, set[str]]:
        if self._read is None:
            self._read = {}
            try:
                stored = json.loads(self._store.get_meta(META_WALK_INS) or "{}")
                self._read = {str(session): {str(tag) for tag in items} for session, items in stored.items()}
            except (KioskError, ValueError, AttributeError, TypeError) as error:
                log.error("the walk-ins kept for the sessions could not be read: %s", type(error).__name__)
        return self._read

    def knows(self, session_id: str, person_keys: Iterable[str]) -> bool:
        kept = self._sessions.get(session_id)
        return bool(kept) and any(self._tagged(key) in kept for key in person_keys)

    def add(self, session_id: str, person_keys: Iterable[str]) -> None:
        """Keep these keys as walk-ins of the session (in memory at once; on disk unless the disk refuses)."""
        self._sessions.setdefault(session_id, set()).update(self._tagged(key) for key in person_keys)
        while len(self._sessions) > MAX_SESSIONS_KEPT:
            del self._sessions[next(iter(self._sessions))]
        try:
            self._store.set_meta(META_WALK_INS, json.dumps({s: sorted(keys) for s, keys in self._sessions.items()}))
        except KioskError as error:
            log.error("walk-ins not saved (kept in memory): %s", error)

    def _tagged(self, person_key: str) -> str:
        if self._key is None:
            self._key = (self._tag_key or watch_list.kiosk_tag_key)()
        return tags.tagged_key(self._key, person_key)
