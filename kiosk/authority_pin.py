"""Which health authority key set this kiosk seals to: the one whose signing key it pinned.

The server hands every station the authority's weekly public keys, signed by the authority
(kiosk.sealing.authority). The signature alone proves nothing against a server (or whoever sits between it
and the station) that signs keys of its own, so the kiosk pins the signing key's fingerprint the first time
it accepts a key set, unless the setting `authority_fingerprint` names the one to expect. A key set signed
by another key is refused: the station keeps sealing to the set it accepted before, and its status says,
in words a guard can pass on, that the key changed. An administrator accepts a new authority key on purpose
with `kiosk authority trust FINGERPRINT`.

What was decided is kept in the store's meta table, next to the station config it came with.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kiosk.messages import Message
from kiosk.sealing.authority import AuthorityKeyError, AuthorityKeySet
from kiosk.store import Store

log = logging.getLogger(__name__)

META_PINNED = "authority.pinned_fingerprint"
META_ACCEPTED = "authority.accepted_key_set"  # the accepted set's JSON, as the authority signed it
META_REFUSED = "authority.refused_fingerprint"  # the set the server offers and this kiosk refused
EXPIRY_NOTICE = timedelta(days=14)

CHANGED = Message("authority.changed")
NO_KEY = Message("authority.none")


class AuthorityPinError(ValueError):
    """An administrator's request about the pinned key that cannot be done; the message says why."""


def same_fingerprint(first: str, second: str) -> bool:
    """Fingerprints as people type them: groups, spaces and case do not matter."""
    return _bare(first) == _bare(second) != ""


def shown_fingerprint(text: str) -> str:
    """"abcd1234..." → "ABCD 1234 ...", as `AuthorityKeySet.fingerprint` writes it."""
    bare = _bare(text)
    return " ".join(bare[i:i + 4] for i in range(0, len(bare), 4))


@dataclass(frozen=True)
class AuthorityState:
    """What the station seals with and why: the accepted key set (None: entries stay sealed on the kiosk
    until one arrives), the fingerprint it expects ("" before the first), and the fingerprint of a key set
    it refused ("" when none)."""

    key_set: AuthorityKeySet | None = None
    pinned: str = ""
    refused: str = ""

    def notice(self, now: datetime) -> Message | None:
        """What the door's status says, or None when all is well: a refused key, no key for now, or keys
        that run out within `EXPIRY_NOTICE`."""
        if self.refused:
            return CHANGED
        if self.key_set is None or self.key_set.key_for(now) is None:
            return NO_KEY
        if self.key_set.last_day - now <= EXPIRY_NOTICE:
            last = self.key_set.last_day - timedelta(days=1)
            return Message("authority.expiring", day=f"{last:%Y-%m-%d}")  # the last day it seals (UTC)
        return None

    def coverage(self) -> str:
        """The weeks the accepted set covers, for an administrator ("2026-W49 … 2027-W22, until 2027-06-07")."""
        if self.key_set is None:
            return "none"
        weeks = [key.week for key in self.key_set.weeks]
        return f"{weeks[0]} … {weeks[-1]}, until {self.key_set.last_day:%Y-%m-%d %H:%M} UTC"


def offered_key_set(document: Any) -> AuthorityKeySet | None:
    """The key set a station config offers ("authority"), verified against its own signature; None when
    there is none or it does not verify (logged: the previous accepted set stays in use)."""
    part = document.get("authority") if isinstance(document, dict) else None
    if part is None:
        return None
    try:
        return AuthorityKeySet.from_json(part if isinstance(part, dict) else {})
    except AuthorityKeyError as error:
        log.error("station config authority keys not used: %s", error)
        return None


def current(store: Store) -> AuthorityState:
    """What was decided last (`settle`), as the store keeps it."""
    pinned = store.get_meta(META_PINNED) or ""
    return AuthorityState(_accepted(store, pinned), pinned, store.get_meta(META_REFUSED) or "")


def settle(store: Store, offered: AuthorityKeySet | None, expected: str = "") -> AuthorityState:
    """Accept the offered key set if it is signed by the expected key (`expected`: the setting
    `authority_fingerprint`, else the pinned one; the first set seen is pinned when there is neither),
    else refuse it and keep the previous one. Returns what is now in force."""
    pinned = shown_fingerprint(expected) if _bare(expected) else store.get_meta(META_PINNED) or ""
    if offered is not None and (not pinned or same_fingerprint(offered.fingerprint, pinned)):
        if not pinned:
            log.info("pinned the health authority's signing key %s", offered.fingerprint)
        pinned = offered.fingerprint
        _set(store, META_PINNED, pinned)
        _set(store, META_ACCEPTED, json.dumps(offered.to_json()))
        _set(store, META_REFUSED, "")
        return AuthorityState(offered, pinned, "")
    refused = offered.fingerprint if offered is not None else ""
    if refused and refused != store.get_meta(META_REFUSED):
        log.error("refused the health authority key set signed by %s: this station expects %s; the key set "
                  "accepted before stays in use (`kiosk authority trust` accepts a new key)", refused, pinned)
    _set(store, META_REFUSED, refused)
    _set(store, META_PINNED, pinned)
    return AuthorityState(_accepted(store, pinned), pinned, refused)


def trust(store: Store, fingerprint: str, offered: AuthorityKeySet | None, expected: str = "") -> AuthorityState:
    """An administrator accepts the authority key `fingerprint` on purpose; the key set the server offers
    is taken at once when it is signed by that key."""
    if len(_bare(fingerprint)) != 16 or any(ch not in "0123456789ABCDEF" for ch in _bare(fingerprint)):
        raise AuthorityPinError(f"{fingerprint!r} is not a fingerprint: 16 hex digits, as "
                                "`kiosk-server authority keygen` prints it (e.g. 3F2A 9C01 77B4 0E12)")
    if _bare(expected) and not same_fingerprint(expected, fingerprint):
        raise AuthorityPinError(f"the setting authority_fingerprint names {shown_fingerprint(expected)}: "
                                "change it in the settings instead")
    store.set_meta(META_PINNED, shown_fingerprint(fingerprint))
    return settle(store, offered)


def _accepted(store: Store, pinned: str) -> AuthorityKeySet | None:
    """The accepted set, verified again, and only if it is signed by the key expected now."""
    stored = store.get_meta(META_ACCEPTED)
    if not stored:
        return None
    try:
        key_set = AuthorityKeySet.from_json(json.loads(stored))
    except (AuthorityKeyError, ValueError) as error:
        log.error("the stored health authority key set is not used: %s", error)
        return None
    return key_set if same_fingerprint(key_set.fingerprint, pinned) else None


def _set(store: Store, key: str, value: str) -> None:
    if (store.get_meta(key) or "") != value:
        store.set_meta(key, value)


def _bare(fingerprint: str) -> str:
    return "".join(fingerprint.split()).upper()
