"""Our own signed health declaration (`HD1:`), issued by the central server, verified offline here.

HD1: → Base45 (no zlib: the payload is small and already dense) → COSE_Sign1 (EdDSA/Ed25519, kid in the
protected header) → CBOR claims: 1 iss, 4 exp, 6 iat, 7 cti (random, for de-duplication and revocation),
and one private claim holding the declaration itself as a compact array so that it fits QR version 10-M.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Mapping

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import base45, cose
from kiosk.credentials import fields as f
from kiosk.credentials.base import Credential
from kiosk.credentials.signed import (
    CLAIM_CTI,
    CLAIM_EXPIRES,
    CLAIM_ISSUED,
    CLAIM_ISSUER,
    IssuedCheck,
    IssuedParser,
    Malformed,
    issued_values,
    open_issued,
)
from kiosk.trust import TrustList

FORMAT = "hd1"
KIND = f.Kind(FORMAT, FORMAT)
PREFIX = "HD1:"
CLAIM_DECLARATION = -65537  # first CWT claim key of the private-use range


@dataclass(frozen=True)
class Declaration:
    """What the visitor declared. `answers` maps a health question id to yes (True) or no (False)."""

    name: str
    phone: str
    id_number: str
    declared_at: datetime
    answers: Mapping[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))

    def to_cbor(self) -> list[Any]:
        # An array, not a map: five key names would cost the room of a longer Vietnamese name.
        return [self.name, self.phone, self.id_number, int(self.declared_at.timestamp()), dict(self.answers)]


def encode(declaration: Declaration, *, key: Ed25519PrivateKey, kid: bytes, issuer: str,
           issued_at: datetime, expires_at: datetime, cti: bytes) -> str:
    """The QR text of a signed declaration."""
    claims = {
        CLAIM_ISSUER: issuer,
        CLAIM_ISSUED: int(issued_at.timestamp()),
        CLAIM_EXPIRES: int(expires_at.timestamp()),
        CLAIM_CTI: cti,
        CLAIM_DECLARATION: declaration.to_cbor(),
    }
    return PREFIX + base45.encode(cose.sign(cbor2.dumps(claims), key, kid))


@dataclass(frozen=True)
class Hd1Check(IssuedCheck):
    """Everything learned from one HD1 text."""

    declaration: Declaration | None = None


def check(text: str, trust: TrustList | None, now: datetime) -> Hd1Check:
    """Run the whole chain; never raises for bad input."""
    try:
        issued = open_issued(text, PREFIX, trust, now, "declaration")
        declaration = _declaration(issued.claims.get(CLAIM_DECLARATION))
    except Malformed as error:
        return Hd1Check(stage=error.stage, error=str(error), signature=error.signature)
    return Hd1Check(declaration=declaration, **issued_values(issued, trust, now))


def _declaration(item: Any) -> Declaration:
    if not isinstance(item, (list, tuple)) or len(item) != 5:
        raise Malformed("schema", "the declaration claim is missing")
    name, phone, id_number, declared_at, answers = item
    if (not all(isinstance(value, str) for value in (name, phone, id_number))
            or not isinstance(answers, Mapping)
            or not all(isinstance(k, str) and isinstance(v, bool) for k, v in answers.items())
            or isinstance(declared_at, bool) or not isinstance(declared_at, int)):
        raise Malformed("schema", "the declaration has fields of the wrong type")
    # The ID number keys the person (de-duplication, watch list): an empty or odd one would make strangers
    # one person. The server issues only 9 or 12 ASCII digits and a name.
    if not name.strip() or not (id_number.isascii() and id_number.isdigit() and len(id_number) in (9, 12)):
        raise Malformed("schema", "the declaration has no name or no 9- or 12-digit ID number")
    try:
        moment = datetime.fromtimestamp(declared_at, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise Malformed("schema", "the declaration time is out of range") from None
    return Declaration(name, phone, id_number, moment, answers)


def _credential(text: str, result: Hd1Check) -> Credential:
    declaration = result.declaration
    assert declaration is not None  # check() returns a declaration whenever no stage failed
    fields: dict[str, Any] = {
        "signature": result.signature,
        "expired": result.expired,
        "not_yet_valid": result.not_yet_valid,
        "declaration_id": result.cti.hex(),
        "issuer": result.issuer,
        "issued_at": result.issued_at,
        "expires_at": result.expires_at,
        "declared_at": declaration.declared_at,
        "id_number": declaration.id_number,
        "phone": declaration.phone,
        "answers": dict(declaration.answers),
    }
    return f.personal_credential(KIND, _person_key(declaration.id_number), declaration.name, fields, text)


def _person_key(id_number: str) -> str:
    """Keyed like the chip ID card when the number is a 12-digit one, so a visitor is one person across
    both codes (de-duplication, watch list); an old 9-digit number keys on its own."""
    return f"cccd:{id_number}" if len(id_number) == 12 else f"id:{id_number}"


# Damaged, forged, revoked or past its expiry: the issuer's word is final, no rule can admit these. A
# declaration signed by a key the station does not know is weighed by the health rules.
PARSER = IssuedParser(FORMAT, PREFIX, check, _credential)
