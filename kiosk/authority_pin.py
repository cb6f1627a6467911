"""Which health authority key set this kiosk seals to: the one whose signing key it pinned.

The server hands every station the authority's weekly public keys, signed by the authority
(kiosk.sealing.authority). The signature alone proves nothing against a server (or whoever sits between it
and the station) that signs keys of its own, so the kiosk pins the signing key the first time it accepts a
key set, unless the setting `authority_fingerprint` names the one to expect. A key set signed by another key
is refused: the station keeps sealing to the set it accepted before, and its status says, in words a guard
can pass on, that the key changed. An administrator accepts a new authority key on purpose with
`kiosk authority trust FINGERPRINT`.

Two things are compared. Before a first set is accepted, only a fingerprint is known (the setting, `trust`):
a set is taken when its signing key has that fingerprint, all 32 digits. From the first accepted set on,
the kiosk keeps the WHOLE signing key and takes only sets signed by that very key; the fingerprint it shows
is the pinned key's.

What was decided is kept in the store's meta table, next to the station config it came with.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kiosk.messages import Message
from kiosk.sealing.authority import AuthorityKeyError, AuthorityKeySet
from kiosk.sealing.authority import fingerprint as key_fingerprint
from kiosk.setting_specs import checked_fingerprint
from kiosk.store import Store

log = logging.getLogger(__name__)

META_PINNED = "authority.pinned_fingerprint"  # the fingerprint expected, as shown
META_PINNED_KEY = "authority.pinned_signing_key"  # base64 of the whole signing key of the accepted set
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
class Pin:
    """What a key set must be signed by: the key with `fingerprint`, and once one was accepted, exactly the
    signing key `key` (None before)."""

    fingerprint: str
    key: bytes | None = None

    def admits(self, key_set: AuthorityKeySet) -> bool:
        if self.key is not None:
            return key_set.signing_key == self.key
        return same_fingerprint(key_set.fingerprint, self.fingerprint)


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
    pin = _pin(store, store.get_meta(META_PINNED) or "")
    return AuthorityState(_accepted(store, pin), pin.fingerprint, store.get_meta(META_REFUSED) or "")


def settle(store: Store, offered: AuthorityKeySet | None, expected: str = "") -> AuthorityState:
    """Accept the offered key set if it is signed by the expected key (`expected`: the setting
    `authority_fingerprint`, else the pinned one; the first set seen is pinned when there is neither),
    else refuse it and keep the previous one. Returns what is now in force."""
    pin = _pin(store, shown_fingerprint(expected) if _bare(expected) else store.get_meta(META_PINNED) or "")
    if offered is not None and (not pin.fingerprint or pin.admits(offered)):
        if pin.key is None:
            log.info("pinned the health authority's signing key %s", offered.fingerprint)
        _set(store, META_PINNED, offered.fingerprint)
        _set(store, META_PINNED_KEY, base64.b64encode(offered.signing_key).decode("ascii"))
        _set(store, META_ACCEPTED, json.dumps(offered.to_json()))
        _set(store, META_REFUSED, "")
        return AuthorityState(offered, offered.fingerprint, "")
    refused = offered.fingerprint if offered is not None else ""
    if refused and refused != store.get_meta(META_REFUSED):
        log.error("refused the health authority key set signed by %s: this station expects %s; the key set "
                  "accepted before stays in use (`kiosk authority trust` accepts a new key)", refused,
                  pin.fingerprint)
    _set(store, META_REFUSED, refused)
    _set(store, META_PINNED, pin.fingerprint)
    return AuthorityState(_accepted(store, pin), pin.fingerprint, refused)


def trust(store: Store, fingerprint: str, offered: AuthorityKeySet | None, expected: str = "") -> AuthorityState:
    """An administrator accepts the authority key `fingerprint` on purpose; the key set the server offers
    is taken at once when it is signed by that key."""
    try:
        fingerprint = checked_fingerprint(fingerprint)
    except ValueError as problem:
        raise AuthorityPinError(f"{fingerprint!r} is not a fingerprint: {problem}") from None
    if _bare(expected) and not same_fingerprint(expected, fingerprint):
        raise AuthorityPinError(f"the setting authority_fingerprint names {shown_fingerprint(expected)}: "
                                "change it in the settings instead")
    store.set_meta(META_PINNED, fingerprint)
    return settle(store, offered)


def _pin(store: Store, fingerprint: str) -> Pin:
    """The pin for `fingerprint`: with the whole signing key accepted before when it has that fingerprint
    (a fingerprint named anew, by the setting or `trust`, has no key until a set signed by it arrives)."""
    stored = store.get_meta(META_PINNED_KEY)
    key = base64.b64decode(stored) if stored else None
    if key is not None and same_fingerprint(key_fingerprint(key), fingerprint):
        return Pin(fingerprint, key)
    return Pin(fingerprint)


def _accepted(store: Store, pin: Pin) -> AuthorityKeySet | None:
    """The accepted set, verified again, and only if it is signed by the key expected now."""
    stored = store.get_meta(META_ACCEPTED)
    if not stored or not pin.fingerprint:
        return None
    try:
        key_set = AuthorityKeySet.from_json(json.loads(stored))
    except (AuthorityKeyError, ValueError) as error:
        log.error("the stored health authority key set is not used: %s", error)
        return None
    return key_set if pin.admits(key_set) else None


def _set(store: Store, key: str, value: str) -> None:
    if (store.get_meta(key) or "") != value:
        store.set_meta(key, value)


def _bare(fingerprint: str) -> str:
    return "".join(fingerprint.split()).upper()
