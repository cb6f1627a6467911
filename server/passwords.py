"""Administrator passwords: salted scrypt hashes in the form scrypt$n$r$p$salt$hash, and the policy a new
password must pass. A hash starting with "!" belongs to a disabled administrator (as in /etc/shadow)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import unicodedata
from functools import cache
from pathlib import Path

_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 10
DISABLED_MARK = "!"
_COMMON = Path(__file__).parent / "common_passwords.json"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


@cache
def dummy_hash() -> str:
    """A hash no password matches, checked for unknown or disabled users so they take as long as known ones."""
    return hash_password(secrets.token_urlsafe(32))


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(json.loads(_COMMON.read_text(encoding="utf-8"))["passwords"])


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def password_problem(username: str, password: str) -> str | None:
    """Why this password may not be used by this administrator, or None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password needs at least {MIN_PASSWORD_LENGTH} characters."
    if username.strip() and _folded(username.strip()) in _folded(password):
        return "The password must not contain the user name."
    if _folded(password) in _common_passwords():
        return "This password is on the list of the most common passwords; choose another."
    return None
