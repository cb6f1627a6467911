"""A box a party keeps for itself: AES-256-GCM under one of its own keys, bound to what it belongs to.

The kiosk keeps an entry's person keys this way until they are uploaded (the server tags them on arrival),
and an entry's personal fields when no authority key was there to seal them to; the server keeps the
fields of old kiosks this way until the authority publishes a key. `bound_to` (an entry id) is
authenticated, so a box copied onto another entry does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class BoxError(Exception):
    """A box that does not open: another key, another entry, or damaged."""


def close_box(key: bytes, content: bytes, bound_to: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, content, bound_to.encode("utf-8"))


def open_box(key: bytes, box: bytes, bound_to: str) -> bytes:
    try:
        return AESGCM(key).decrypt(box[:NONCE_BYTES], box[NONCE_BYTES:], bound_to.encode("utf-8"))
    except (InvalidTag, ValueError):
        raise BoxError("the box does not open with this key for this entry") from None
