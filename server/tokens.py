"""Station bearer tokens: 32 random bytes shown once; the server keeps only their SHA-256.

A plain hash is enough (no salt, no slow hash) because the token is random and high-entropy, and it lets
the server find a station by its token with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "kst_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
