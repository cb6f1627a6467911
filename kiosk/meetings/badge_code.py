"""The printed badge's QR (`MB1:`): who it is for at which event, signed by the server, checked offline.

MB1: → Base45 (no zlib) → COSE_Sign1 (EdDSA/Ed25519 with the declaration signing keys, kid in the
protected header) → CBOR claims: 1 iss, 4 exp (the event's end), 6 iat, 7 cti (random: revocation), and
one private claim [event id, participant id, the name printed on the badge]. Nothing else of the person is
in it: no ID number, no phone. The kiosks verify it against the key set and the revoked ids they already
download for declarations (kiosk.trust), so a badge works at a room door with no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import base45, cose
from kiosk.credentials.signed import (
    CLAIM_CTI,
    CLAIM_EXPIRES,
    CLAIM_ISSUED,
    CLAIM_ISSUER,
    IssuedCheck,
    Malformed,
    issued_values,
    open_issued,
)
from kiosk.meetings import keys  # a module, read at call time: keys and the badge parser import each other's packages

PREFIX = "MB1:"
CLAIM_BADGE = -65538  # the private-use claim after the declaration's (-65537)
MAX_NAME = 120
MAX_EVENT_ID = 40


@dataclass(frozen=True)
class Badge:
    event: str
    participant: str
    name: str

    def to_cbor(self) -> list[str]:
        return [self.event, self.participant, self.name]


@dataclass(frozen=True)
class BadgeCheck(IssuedCheck):
    badge: Badge | None = None


def encode(badge: Badge, *, key: Ed25519PrivateKey, kid: bytes, issuer: str, issued_at: datetime,
           expires_at: datetime, cti: bytes) -> str:
    """The QR text of a signed badge."""
    claims = {CLAIM_ISSUER: issuer, CLAIM_ISSUED: int(issued_at.timestamp()),
              CLAIM_EXPIRES: int(expires_at.timestamp()), CLAIM_CTI: cti, CLAIM_BADGE: badge.to_cbor()}
    return PREFIX + base45.encode(cose.sign(cbor2.dumps(claims), key, kid))


def check(text: str, trust: Any, now: datetime) -> BadgeCheck:
    """Run the whole chain; never raises for bad input. `trust` is a kiosk.trust.TrustList (or None)."""
    try:
        issued = open_issued(text, PREFIX, trust, now, "badge")
        badge = _badge(issued.claims.get(CLAIM_BADGE))
    except Malformed as error:
        return BadgeCheck(stage=error.stage, error=str(error), signature=error.signature)
    return BadgeCheck(badge=badge, **issued_values(issued, trust, now))


def _badge(item: Any) -> Badge:
    if not isinstance(item, (list, tuple)) or len(item) != 3 or not all(isinstance(v, str) for v in item):
        raise Malformed("schema", "the badge claim is missing")
    event, participant, name = item
    if not (0 < len(event) <= MAX_EVENT_ID and event.isascii() and event.isalnum()):
        raise Malformed("schema", "the badge names no event")
    if not keys.PARTICIPANT_ID.fullmatch(participant) or not name.strip() or len(name) > MAX_NAME:
        raise Malformed("schema", "the badge names no participant")
    return Badge(event, participant, name)
