"""COSE_Sign1 (RFC 9052) for signed credentials: strict decoding, verification and signing.

Only what the kiosk's formats use: ES256 (EU certificates), PS256 (EU certificates, Vietnam's issuer) and
EdDSA with Ed25519 (our own declarations), all with `cryptography` directly.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Mapping

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

ES256 = -7
EDDSA = -8
PS256 = -37

HEADER_ALG = 1
HEADER_KID = 4
TAG_SIGN1 = 18
TAG_CWT = 61

# Real key ids are 8 bytes (EU) or shorter (ours); anything longer is an attempt to make us do work.
MAX_KID_BYTES = 64
# Credentials are flat: claims, a certificate entry, a name. Deeper nesting is hostile.
MAX_CBOR_DEPTH = 16

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


class CoseError(ValueError):
    """The bytes are not a well-formed COSE_Sign1, or its CBOR is broken."""


def decode_cbor(data: bytes) -> Any:
    """Decode exactly one CBOR item that fills the whole buffer (cbor2.loads ignores trailing bytes)."""
    stream = io.BytesIO(data)
    try:
        item = cbor2.CBORDecoder(stream, max_depth=MAX_CBOR_DEPTH).decode()
    except (cbor2.CBORDecodeError, RecursionError, ValueError, TypeError, OverflowError) as error:
        raise CoseError(f"broken CBOR: {error}") from None
    if stream.tell() != len(data):
        raise CoseError(f"{len(data) - stream.tell()} bytes of garbage after the CBOR item")
    return item


@dataclass(frozen=True)
class Sign1:
    protected_bytes: bytes
    protected: Mapping[Any, Any]
    unprotected: Mapping[Any, Any]
    payload: bytes
    signature: bytes

    @property
    def alg(self) -> Any:
        return self.protected.get(HEADER_ALG, self.unprotected.get(HEADER_ALG))

    @property
    def kid(self) -> bytes | None:
        """The key id; the protected header wins over the unprotected one."""
        kid = self.protected.get(HEADER_KID, self.unprotected.get(HEADER_KID))
        return kid if isinstance(kid, bytes) else None

    def to_be_signed(self) -> bytes:
        return cbor2.dumps(["Signature1", self.protected_bytes, b"", self.payload])


def parse_sign1(data: bytes) -> Sign1:
    """Read a COSE_Sign1 (tag 18, optionally wrapped in CWT tag 61, or untagged)."""
    item = decode_cbor(data)
    for expected in (TAG_CWT, TAG_SIGN1):
        if isinstance(item, cbor2.CBORTag) and item.tag == expected:
            item = item.value
    if isinstance(item, cbor2.CBORTag):
        raise CoseError(f"CBOR tag {item.tag} is not a COSE_Sign1")
    if not isinstance(item, (list, tuple)) or len(item) != 4:
        raise CoseError("not a COSE_Sign1 array of four items")
    protected_bytes, unprotected, payload, signature = item
    if not isinstance(protected_bytes, bytes) or not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise CoseError("COSE_Sign1 parts have the wrong types")
    protected = decode_cbor(protected_bytes) if protected_bytes else {}
    if not isinstance(protected, Mapping) or not isinstance(unprotected, Mapping):
        raise CoseError("COSE headers are not maps")
    for headers in (protected, unprotected):
        kid = headers.get(HEADER_KID)
        if kid is not None and (not isinstance(kid, bytes) or len(kid) > MAX_KID_BYTES):
            raise CoseError("the key id is not a short byte string")
    return Sign1(protected_bytes, protected, unprotected, payload, signature)


def verify(message: Sign1, key: PublicKey) -> bool:
    """True when the signature is good for this key and the message's algorithm fits the key."""
    alg = message.alg
    data = message.to_be_signed()
    try:
        if alg == ES256 and isinstance(key, ec.EllipticCurvePublicKey):
            if len(message.signature) != 64:
                return False
            r = int.from_bytes(message.signature[:32], "big")
            s = int.from_bytes(message.signature[32:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        elif alg == PS256 and isinstance(key, rsa.RSAPublicKey):
            key.verify(message.signature, data, _pss(), hashes.SHA256())
        elif alg == EDDSA and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(message.signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def sign(payload: bytes, key: PrivateKey, kid: bytes, unprotected: Mapping[Any, Any] | None = None) -> bytes:
    """A tagged COSE_Sign1 over `payload`, the algorithm chosen by the key type, kid protected."""
    alg = _algorithm_for(key)
    protected_bytes = cbor2.dumps({HEADER_ALG: alg, HEADER_KID: kid})
    to_be_signed = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    if isinstance(key, ec.EllipticCurvePrivateKey):
        # RFC 6979: the nonce comes from the key and the message, so no weak random source can leak the
        # key, and a sample payload signed twice is the same code (the door set is the same every run).
        r, s = decode_dss_signature(key.sign(to_be_signed, ec.ECDSA(hashes.SHA256(), deterministic_signing=True)))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(to_be_signed, _pss(), hashes.SHA256())
    else:
        signature = key.sign(to_be_signed)
    item = [protected_bytes, dict(unprotected or {}), payload, signature]
    return cbor2.dumps(cbor2.CBORTag(TAG_SIGN1, item))


def _algorithm_for(key: PrivateKey) -> int:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return ES256
    if isinstance(key, rsa.RSAPrivateKey):
        return PS256
    return EDDSA


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
