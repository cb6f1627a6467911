"""Signed sample codes (EU certificate, our health declaration, a meeting badge) for the demo camera and the
self-test.

They are signed with made-up keys fixed in this file, and `demo_trust()` is the trust list that accepts
them: only a station running on the demo camera uses it, so these keys can never admit anyone at a door.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from datetime import datetime, timedelta, timezone

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from kiosk import base45, cose
from kiosk.credentials import dcc, hd1
from kiosk.credentials.examples import AN, BINH, CUONG, Person, SamplePayload
from kiosk.entry import utc_now
from kiosk.meetings import badge_code
from kiosk.trust import DeclarationKey, TrustList, signer_from_der

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_DECLARATION_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"demo declaration key").digest())
_DECLARATION_KID = b"demo-hd1"
_SIGNER_KEY = ec.derive_private_key(
    int.from_bytes(hashlib.sha256(b"demo certificate signer").digest(), "big") % (_P256_ORDER - 1) + 1,
    ec.SECP256R1())
_VALID_FROM = datetime(2021, 1, 1, tzinfo=timezone.utc)


@functools.cache
def _signer_certificate() -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo document signer"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(_SIGNER_KEY.public_key()).serial_number(1)
                   .not_valid_before(_VALID_FROM).not_valid_after(datetime(2041, 1, 1, tzinfo=timezone.utc))
                   .sign(_SIGNER_KEY, hashes.SHA256(), ecdsa_deterministic=True))
    return certificate.public_bytes(Encoding.DER)     # the same bytes every run: the samples' kid is its hash


def demo_trust() -> TrustList:
    return TrustList(signers=(signer_from_der(_signer_certificate(), "VN"),),
                     declaration_keys=(DeclarationKey(_DECLARATION_KID, _DECLARATION_KEY.public_key(), _VALID_FROM),))


def declaration_payload(person: Person, now: datetime) -> str:
    declared = hd1.Declaration(person.full_name, person.phone, person.id_number, now - timedelta(hours=1),
                               {"sym": False, "con": False, "pos": False})
    cti = hashlib.sha256(f"{person.qid}{now:%Y%m%d}".encode()).digest()[:8]
    return hd1.encode(declared, key=_DECLARATION_KEY, kid=_DECLARATION_KID, issuer="VN",
                      issued_at=now - timedelta(hours=1), expires_at=now + timedelta(days=2), cti=cti)


DEMO_EVENT = "1"
DEMO_PARTICIPANT = "0123456789abcdef"  # made up, like every id here


def badge_payload(person: Person, now: datetime, event: str = DEMO_EVENT,
                  participant: str = DEMO_PARTICIPANT) -> str:
    """A meeting badge for `person` at the demo's event, valid for two days."""
    cti = hashlib.sha256(f"badge{person.qid}{event}".encode()).digest()[:8]
    return badge_code.encode(badge_code.Badge(event, participant, person.full_name), key=_DECLARATION_KEY,
                             kid=_DECLARATION_KID, issuer="VN", issued_at=now - timedelta(hours=1),
                             expires_at=now + timedelta(days=2), cti=cti)


def certificate_payload(person: Person, now: datetime) -> str:
    """A complete vaccination (two of two doses), the EU DCC schema 1.3 way."""
    surname, *given = person.ascii_name.split()
    vaccination = {"tg": "840539006", "vp": "J07BX03", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
                   "dn": 2, "sd": 2, "dt": "2021-09-01", "co": "VN", "is": "Demo Ministry of Health",
                   "ci": f"URN:UVCI:01:VN:DEMO{person.qid[-6:]}"}
    certificate = {"ver": "1.3.0", "dob": person.birth_date.isoformat(), "v": [vaccination],
                   "nam": {"fn": person.family_name, "fnt": surname, "gn": " ".join(person.full_name.split()[1:]),
                           "gnt": "<".join(given)}}
    claims = {1: "VN", 6: int((now - timedelta(days=1)).timestamp()), 4: int((now + timedelta(days=365)).timestamp()),
              -260: {1: certificate}}
    kid = signer_from_der(_signer_certificate()).kid
    return dcc.PREFIX + base45.encode(zlib.compress(cose.sign(cbor2.dumps(claims), _SIGNER_KEY, kid), 9))


def signed_samples(now: datetime | None = None) -> tuple[SamplePayload, ...]:
    now = now or utc_now()
    return (
        SamplePayload("EU COVID certificate (demo signer)", certificate_payload(AN, now), "dcc", True),
        SamplePayload("health declaration (demo key)", declaration_payload(BINH, now), "hd1", True),
        SamplePayload("meeting badge (demo key)", badge_payload(CUONG, now), "badge", True),
    )
