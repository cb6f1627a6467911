"""An entry's personal fields sealed to the health authority's key of the week (HPKE, RFC 9180).

The sealed content is JSON (`kept.sealed_content`). HPKE's `info` binds it to the entry's id, so a sealed
box moved onto another entry does not open. The kid names the authority's key (`AuthorityKeySet.key_id`: the
first 16 digits of its fingerprint) and the week, which is all the authority needs to derive the private
key that opens it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from kiosk.sealing.authority import SUITE, AuthorityKeyError, AuthorityKeySet, AuthorityPrivateKey

LOCAL_KID = "local"  # a box the kiosk or server closed under its own key (kiosk.sealing.boxes), not sealed


class UnsealError(Exception):
    """A sealed entry the given authority key does not open; the message says why."""


@dataclass(frozen=True)
class Sealed:
    kid: str  # "<authority key id>/<week>", e.g. "3F2A9C01B7D4E655/2026-W49"
    box: bytes


def seal_entry(content: Mapping[str, Any], key_set: AuthorityKeySet, scanned_at: datetime,
               entry_id: str) -> Sealed | None:
    """Seal to the key of the week of `scanned_at` (AuthorityKeySet.key_for); None past the key set."""
    week_key = key_set.key_for(scanned_at)
    if week_key is None:
        return None
    plaintext = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    box = SUITE.encrypt(plaintext, week_key.public, info=_info(entry_id))
    return Sealed(f"{key_set.key_id}/{week_key.week}", box)


def open_entry(sealed: Sealed, authority: AuthorityPrivateKey, entry_id: str) -> dict[str, Any]:
    owner, _, week = sealed.kid.partition("/")
    if owner != authority.key_id:
        raise UnsealError("this entry was sealed to another authority key")
    try:
        private = authority.week_private(week)
    except (AuthorityKeyError, ValueError) as error:
        raise UnsealError(str(error)) from None
    try:
        plaintext = SUITE.decrypt(sealed.box, private, info=_info(entry_id))
        content = json.loads(plaintext.decode("utf-8"))
    except Exception:  # noqa: BLE001 - HPKE raises several types; every one means "does not open"
        raise UnsealError("the sealed entry does not open: damaged, or not this entry's") from None
    if not isinstance(content, dict):
        raise UnsealError("the sealed entry holds no fields")
    return content


def _info(entry_id: str) -> bytes:
    return b"kiosk-entry|" + entry_id.encode("ascii", "replace")
