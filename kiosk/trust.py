"""Key material for the signed formats: EU signing certificates and our own declaration keys.

Two sources, one shape. The import file (for automation and manual import) is a JSON array of
`{"certificate": base64 DER, "country": "VN"}`; the station config the server pushes carries the same
array under `dcc_trust`, plus our declaration key set and the revoked declaration ids.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.cose import PublicKey
from kiosk.errors import KioskError, os_problem

log = logging.getLogger(__name__)

# Extended key usage identifiers that restrict which certificate types a signing certificate may sign
# (eu-dcc-hcert-spec A.4, plus the variant with an extra ".0" that several issuers put in real certificates).
_DCC_TYPE_OIDS = {
    "1.3.6.1.4.1.1847.2021.1.1": "t",
    "1.3.6.1.4.1.1847.2021.1.2": "v",
    "1.3.6.1.4.1.1847.2021.1.3": "r",
    "1.3.6.1.4.1.0.1847.2021.1.1": "t",
    "1.3.6.1.4.1.0.1847.2021.1.2": "v",
    "1.3.6.1.4.1.0.1847.2021.1.3": "r",
}
_EKU_OID_DER = bytes.fromhex("551d25")  # 2.5.29.37, extendedKeyUsage
CLOCK_SKEW = timedelta(hours=12)


class TrustError(KioskError, ValueError):
    """Trust material that cannot be used, with a message naming what is wrong and where."""


@dataclass(frozen=True)
class SignerCertificate:
    """An EU DCC document signer. `allowed_types` None means it may sign every type (v, t, r)."""

    kid: bytes
    country: str
    public_key: PublicKey
    certificate: bytes
    allowed_types: frozenset[str] | None

    def allows(self, certificate_type: str) -> bool:
        return self.allowed_types is None or certificate_type in self.allowed_types


@dataclass(frozen=True)
class DeclarationKey:
    """A public key the server signs declarations with, trusted from `valid_from` until `valid_until`."""

    kid: bytes
    public_key: ed25519.Ed25519PublicKey
    valid_from: datetime
    valid_until: datetime | None = None

    def trusted_at(self, moment: datetime) -> bool:
        # An offline kiosk's clock drifts: a key fresh from a rotation must not look "not yet valid".
        return self.valid_from - CLOCK_SKEW <= moment and (self.valid_until is None or moment < self.valid_until)

    def to_json(self) -> dict[str, Any]:
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {
            "kid": _b64(self.kid),
            "public_key": _b64(raw),
            "valid_from": _iso(self.valid_from),
            "valid_until": _iso(self.valid_until) if self.valid_until else None,
        }


@dataclass(frozen=True)
class TrustList:
    signers: tuple[SignerCertificate, ...] = ()
    declaration_keys: tuple[DeclarationKey, ...] = ()
    revoked: frozenset[bytes] = field(default_factory=frozenset)

    def signers_for(self, kid: bytes | None) -> tuple[SignerCertificate, ...]:
        """Every signer with this kid: kids are 8 bytes of a hash and do collide, so try them all."""
        return tuple(s for s in self.signers if s.kid == kid)

    def declaration_keys_for(self, kid: bytes | None) -> tuple[DeclarationKey, ...]:
        return tuple(k for k in self.declaration_keys if k.kid == kid)

    def public_keys(self) -> frozenset[bytes]:
        """Every key of the list, as the DER of its SubjectPublicKeyInfo (comparable across key types)."""
        return frozenset(public_key_bytes(item.public_key) for item in self.signers + self.declaration_keys)

    def without(self, public_keys: frozenset[bytes], where: str) -> "TrustList":
        """This list minus every signer and declaration key whose public key is one of `public_keys`,
        whatever kid or certificate carries it; each one left out is logged."""
        def kept(items: tuple[Any, ...]) -> tuple[Any, ...]:
            remaining = []
            for item in items:
                if public_key_bytes(item.public_key) in public_keys:
                    log.warning("%s: ignoring the key with kid %s: it is a demo key whose private half is "
                                "published, so it is never trusted outside demo mode", where, _b64(item.kid))
                else:
                    remaining.append(item)
            return tuple(remaining)
        return TrustList(kept(self.signers), kept(self.declaration_keys), self.revoked)

    def merged(self, other: "TrustList") -> "TrustList":
        return TrustList(
            self.signers + other.signers,
            self.declaration_keys + other.declaration_keys,
            self.revoked | other.revoked,
        )

    @classmethod
    def from_import(cls, entries: Any, where: str = "trust list") -> "TrustList":
        """Read the import format: a JSON array of {"certificate": base64 DER, "country": optional}."""
        if not isinstance(entries, list):
            raise TrustError(f"{where}: expected a JSON array of signing certificates")
        signers = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("certificate"), str):
                raise TrustError(f"{where}, entry {index + 1}: needs a \"certificate\" (base64 of the DER)")
            try:
                der = base64.b64decode(entry["certificate"], validate=True)
            except (binascii.Error, ValueError):
                raise TrustError(f"{where}, entry {index + 1}: the certificate is not base64") from None
            signers.append(signer_from_der(der, str(entry.get("country", "")), f"{where}, entry {index + 1}"))
        return cls(signers=tuple(signers))

    @classmethod
    def from_station_config(cls, config: dict[str, Any]) -> "TrustList":
        """Read the `dcc_trust`, `declaration_keys` and `revoked_declarations` parts of a station config."""
        signers = cls.from_import(config.get("dcc_trust", []), "station config dcc_trust").signers
        keys = []
        for index, item in enumerate(config.get("declaration_keys", [])):
            where = f"station config declaration_keys, entry {index + 1}"
            try:
                keys.append(DeclarationKey(
                    kid=_unb64(item["kid"]),
                    public_key=ed25519.Ed25519PublicKey.from_public_bytes(_unb64(item["public_key"])),
                    valid_from=datetime.fromisoformat(item["valid_from"]),
                    valid_until=datetime.fromisoformat(item["valid_until"]) if item.get("valid_until") else None,
                ))
            except (KeyError, TypeError, ValueError, binascii.Error) as error:
                raise TrustError(f"{where}: {error}") from None
        try:
            revoked = frozenset(_unb64(cti) for cti in config.get("revoked_declarations", []))
        except (TypeError, ValueError, binascii.Error):
            raise TrustError("station config revoked_declarations: not a list of base64 ids") from None
        return cls(signers, tuple(keys), revoked)


def load_trust_file(path: Path) -> TrustList:
    """Load a trust file: the import array, or a station config object holding the same parts."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise TrustError(f"cannot read {path}: {os_problem(error)}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise TrustError(f"{path} is not JSON: {error}") from None
    if isinstance(data, dict):
        return TrustList.from_station_config(data)
    return TrustList.from_import(data, str(path))


def signer_from_der(der: bytes, country: str = "", where: str = "certificate") -> SignerCertificate:
    try:
        certificate = x509.load_der_x509_certificate(der)
        public_key = certificate.public_key()
    except ValueError as error:
        raise TrustError(f"{where}: not an X.509 certificate ({error})") from None
    return SignerCertificate(
        kid=key_id(der),
        country=country,
        public_key=public_key,  # type: ignore[arg-type]
        certificate=der,
        allowed_types=_allowed_types(_extended_key_usage(certificate, der)),
    )


def public_key_bytes(key: Any) -> bytes:
    """A public key (EC, RSA or Ed25519) as the DER of its SubjectPublicKeyInfo."""
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def key_id(der: bytes) -> bytes:
    """The EU kid: the first 8 bytes of the SHA-256 of the certificate's DER."""
    return hashlib.sha256(der).digest()[:8]


def _allowed_types(oids: Iterable[str]) -> frozenset[str] | None:
    types = frozenset(_DCC_TYPE_OIDS[oid] for oid in oids if oid in _DCC_TYPE_OIDS)
    return types or None


def _extended_key_usage(certificate: x509.Certificate, der: bytes) -> list[str]:
    # cryptography refuses the extensions of some real signing certificates (e.g. an explicit cA=FALSE);
    # the key usage is still there, so read it from the DER ourselves.
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        return [oid.dotted_string for oid in usage]
    except x509.ExtensionNotFound:
        return []
    except ValueError:
        return _extended_key_usage_from_der(der)


def _extended_key_usage_from_der(der: bytes) -> list[str]:
    """Walk Certificate → tbsCertificate → [3] extensions → extendedKeyUsage; [] if anything is odd."""
    try:
        _, certificate, _ = _tlv(der, 0)
        _, tbs, _ = _tlv(certificate, 0)
        for tag, content in _children(tbs):
            if tag != 0xA3:
                continue
            _, extensions, _ = _tlv(content, 0)
            for _, extension in _children(extensions):
                parts = list(_children(extension))
                if parts and parts[0] == (0x06, _EKU_OID_DER):
                    _, usages, _ = _tlv(parts[-1][1], 0)
                    return [_oid_text(value) for tag, value in _children(usages) if tag == 0x06]
    except (IndexError, ValueError):
        pass
    return []


def _tlv(data: bytes, offset: int) -> tuple[int, bytes, int]:
    tag = data[offset]
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    end = offset + length
    if end > len(data):
        raise ValueError("DER value runs past its container")
    return tag, data[offset:end], end


def _children(data: bytes) -> Iterable[tuple[int, bytes]]:
    offset = 0
    while offset < len(data):
        tag, value, offset = _tlv(data, offset)
        yield tag, value


def _oid_text(value: bytes) -> str:
    numbers, current = [], 0
    for byte in value:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            numbers.append(current)
            current = 0
    first = numbers[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(n) for n in head + numbers[1:])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
