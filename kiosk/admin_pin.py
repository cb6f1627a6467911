"""The admin PIN: stored only as a salted scrypt hash, and locked for a minute after five wrong tries.

The hash string is self-describing (`scrypt$n$r$p$salt$hash`, base64 parts) so that the cost parameters can
be raised later without breaking PINs that are already stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Callable

from kiosk.reasons import Reason

PIN_MIN_LENGTH = 4
PIN_MAX_LENGTH = 12
MAX_TRIES = 5
LOCK_SECONDS = 60.0

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32


class PinError(ValueError):
    """A PIN the admin chose that cannot be used; `reason` says why in both languages."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.en)
        self.reason = reason


PIN_NOT_DIGITS = Reason("pin_not_digits", shortest=PIN_MIN_LENGTH, longest=PIN_MAX_LENGTH)


def check_new_pin(pin: str) -> None:
    """Raise PinError unless `pin` is 4–12 ASCII digits."""
    if not (PIN_MIN_LENGTH <= len(pin) <= PIN_MAX_LENGTH and pin.isascii() and pin.isdigit()):
        raise PinError(PIN_NOT_DIGITS)


PINS_DIFFER = Reason("pin_mismatch")


def new_pin_hash(pin: str, repeat: str, required: bool) -> str | None:
    """The hash to store for a PIN typed twice; None when both are empty and a PIN is not required
    (keep the old one). Raises PinError when the PIN is not usable or the two differ."""
    if not pin and not repeat and not required:
        return None
    check_new_pin(pin)
    if pin != repeat:
        raise PinError(PINS_DIFFER)
    return hash_pin(pin)


def hash_pin(pin: str) -> str:
    """A new salted hash of `pin`, ready to store in the settings."""
    check_new_pin(pin)
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(pin, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return "$".join(
        ["scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(digest)]
    )


def verify_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches the stored hash; False for a wrong PIN or an unreadable hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _scrypt(pin, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_HASH_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class PinAttempt:
    """The answer to one try: accepted, or how many tries are left, or how long the lock still lasts."""

    accepted: bool
    tries_left: int
    locked_for: float = 0.0  # seconds; > 0 means the PIN was not even checked

    @property
    def locked(self) -> bool:
        return self.locked_for > 0


class PinLock:
    """Counts wrong tries against one stored hash; after `max_tries` wrong ones refuses all tries for
    `lock_seconds`. The clock is injectable (monotonic seconds) so that tests need not wait a minute."""

    def __init__(
        self,
        stored_hash: str,
        clock: Callable[[], float] = time.monotonic,
        max_tries: int = MAX_TRIES,
        lock_seconds: float = LOCK_SECONDS,
    ) -> None:
        self._stored = stored_hash
        self._clock = clock
        self._max_tries = max_tries
        self._lock_seconds = lock_seconds
        self._wrong = 0
        self._locked_until: float | None = None

    def set_hash(self, stored_hash: str) -> None:
        """A new PIN was chosen: forget the wrong tries made against the old one."""
        self._stored = stored_hash
        self._wrong = 0
        self._locked_until = None

    def locked_for(self) -> float:
        """Seconds until tries are accepted again (0 when not locked)."""
        if self._locked_until is None:
            return 0.0
        remaining = self._locked_until - self._clock()
        if remaining <= 0:
            self._locked_until = None
            self._wrong = 0
            return 0.0
        return remaining

    def attempt(self, pin: str) -> PinAttempt:
        remaining = self.locked_for()
        if remaining > 0:
            return PinAttempt(accepted=False, tries_left=0, locked_for=remaining)
        if verify_pin(pin, self._stored):
            self._wrong = 0
            return PinAttempt(accepted=True, tries_left=self._max_tries)
        self._wrong += 1
        if self._wrong >= self._max_tries:
            self._locked_until = self._clock() + self._lock_seconds
            return PinAttempt(accepted=False, tries_left=0, locked_for=self._lock_seconds)
        return PinAttempt(accepted=False, tries_left=self._max_tries - self._wrong)
