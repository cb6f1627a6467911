"""Keyed tags: a person matched without being named.

A tag is HMAC-SHA256 under a secret key, cut to 128 bits and written in hex. A plain hash would not do: a
12-digit ID number has a known structure (province, century and sex, birth year, serial), so its hash is
found again by trying every number in seconds. Without the key a tag says nothing; with the key, finding
the number behind a tag still means trying the numbers one by one, which is why the keys are kept where a
stolen disk or a stolen station token does not reach them (docs/privacy.md says where each one lives).

Labels separate the uses, so a tag made for one purpose never equals a tag made for another.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TAG_HEX = 32  # 128 bits
KEY_BYTES = 32
NONCE_BYTES = 12
TAGGED_MARK = "#"
WATCH_COST = 2**13  # scrypt's N for watch-list tags (see _watch_secret)


def derive(secret: bytes, label: str) -> bytes:
    """A 32-byte key for one use, derived from a secret (HMAC-SHA256 as a PRF)."""
    return hmac.new(secret, b"kiosk-derive|" + label.encode("utf-8"), hashlib.sha256).digest()


def person_tag(key: bytes, person_key: str) -> str:
    """The tag of a person key ("cccd:001099012345", "qid:...") under `key`; the same key, the same tag."""
    return _tag(key, "person", person_key)


def tagged_key(key: bytes, person_key: str) -> str:
    """What the kiosk and the server store where a person key was: its kind, readable, then its tag
    ("cccd:#3f2a9c01..."). Equal person keys give equal tagged keys, so de-duplication, visits, links and
    traces compare these as they compared person keys; nothing of the number itself is kept."""
    kind, separator, _ = person_key.partition(":")
    return f"{kind if separator else 'key'}:{TAGGED_MARK}{person_tag(key, person_key)}"


def is_tagged(stored: str) -> bool:
    return stored.partition(":")[2].startswith(TAGGED_MARK)


def watch_week_key(root: bytes, week: str) -> bytes:
    """The watch list's key of one week: stations get this week's and next week's, never the root."""
    return derive(root, f"watch-week|{week}")


def watch_tag(week_key: bytes, person_key: str) -> str:
    """The watch list's tag of a person key for one week. Slow on purpose (`_watch_secret`)."""
    return hmac.new(_watch_secret(week_key, person_key), b"watch-tag", hashlib.sha256).hexdigest()[:TAG_HEX]


def seal_note(week_key: bytes, person_key: str, note: str) -> str:
    """A watch-list note only a door that has just read this person's code can open (hex)."""
    nonce = os.urandom(NONCE_BYTES)
    box = AESGCM(_note_key(week_key, person_key)).encrypt(nonce, note.encode("utf-8"), b"watch-note")
    return (nonce + box).hex()


def open_note(week_key: bytes, person_key: str, sealed: str) -> str | None:
    """The note, or None when it does not open (not this person's, or damaged)."""
    try:
        data = bytes.fromhex(sealed)
        return AESGCM(_note_key(week_key, person_key)).decrypt(
            data[:NONCE_BYTES], data[NONCE_BYTES:], b"watch-note").decode("utf-8")
    except Exception:  # noqa: BLE001 - any failure to open is "not this person's note"
        return None


def _note_key(week_key: bytes, person_key: str) -> bytes:
    return hmac.new(_watch_secret(week_key, person_key), b"watch-note", hashlib.sha256).digest()


@lru_cache(maxsize=16)
def _watch_secret(week_key: bytes, person_key: str) -> bytes:
    """scrypt (N=2^13, r=8: about 16 ms and 8 MB per person key). Every station holds this week's watch
    key, so a stolen station token lets anyone try ID numbers against the listed tags: with HMAC that is
    millions of numbers a second; with this, tens. A door computes it for a scanned code only while the
    watch list has entries; the cache keeps the last few so a code read twice costs it once."""
    return hashlib.scrypt(person_key.encode("utf-8"), salt=b"kiosk-watch|" + week_key, n=WATCH_COST, r=8, p=1,
                          dklen=32)


def _tag(key: bytes, label: str, person_key: str) -> str:
    message = label.encode("ascii") + b"|" + person_key.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:TAG_HEX]
