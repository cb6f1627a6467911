"""Helpers shared by the credential tests (this module holds no tests itself): a fixed clock, the checks
every answer of `parse` must pass, and signed codes made with test keys (never the demo keys)."""

import zlib
from datetime import datetime, timedelta, timezone
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from kiosk import base45, cose
from kiosk.credentials import Credential, ParseContext, Refusal, dcc, hd1, parse
from kiosk.reasons import PARSER_FAULT
from kiosk.trust import DeclarationKey, TrustList, signer_from_der

NOW = datetime(2025, 6, 1, 8, 0, tzinfo=timezone.utc)
# A fixed clock, so that "not in the future" and "expired" do not drift with the calendar.
CONTEXT = ParseContext(now=NOW)


def not_a_fault(result: Credential | Refusal) -> Credential | Refusal:
    """`result`, after checking that it is not a parser's crash turned into a refusal: a bug must fail the
    test that finds it, even though the door itself only shows a refusal."""
    assert not (isinstance(result, Refusal) and result.reason.code == PARSER_FAULT), "a parser raised (see log)"
    return result


def parsed(text: str, context: ParseContext = CONTEXT) -> Credential:
    result = not_a_fault(parse(text, context))
    assert isinstance(result, Credential), result
    return result


def refused(text: str, context: ParseContext = CONTEXT) -> Refusal:
    result = not_a_fault(parse(text, context))
    assert isinstance(result, Refusal), result
    return result


# --- signed codes: our declaration (HD1) and the EU certificate (HC1), signed with keys made here ----------

HD1_KEY = Ed25519PrivateKey.generate()
HD1_KID = b"test-hd1"
HC1_KEY = ec.generate_private_key(ec.SECP256R1())


def _signer_certificate() -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test document signer"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(HC1_KEY.public_key())
            .serial_number(1).not_valid_before(NOW - timedelta(days=365)).not_valid_after(NOW + timedelta(days=365))
            .sign(HC1_KEY, hashes.SHA256()).public_bytes(Encoding.DER))


HC1_SIGNER = signer_from_der(_signer_certificate(), "VN")
TRUST = TrustList(signers=(HC1_SIGNER,),
                  declaration_keys=(DeclarationKey(HD1_KID, HD1_KEY.public_key(), NOW - timedelta(days=30)),))
SIGNED_CONTEXT = ParseContext(now=NOW, trust=TRUST)


def hd1_claims(name: Any = "NGUYỄN VĂN AN", phone: Any = "0912345678", id_number: Any = "001099012345",
               answers: Any = None, replace: dict | None = None) -> dict:
    """The claims of a declaration as the server issues them; any value may be replaced by any type, and
    `replace` replaces (or adds) whole claims by their number."""
    declaration = [name, phone, id_number, int((NOW - timedelta(hours=1)).timestamp()),
                   {"sym": False, "con": False, "pos": False} if answers is None else answers]
    return {hd1.CLAIM_ISSUER: "VN", hd1.CLAIM_ISSUED: int((NOW - timedelta(hours=1)).timestamp()),
            hd1.CLAIM_EXPIRES: int((NOW + timedelta(days=1)).timestamp()), hd1.CLAIM_CTI: b"\x01" * 8,
            hd1.CLAIM_DECLARATION: declaration} | (replace or {})


def sign_hd1(payload: Any) -> str:
    """An HD1 code over `payload`: claims (encoded here) or ready CBOR bytes, signed with the test key."""
    data = payload if isinstance(payload, bytes) else cbor2.dumps(payload)
    return hd1.PREFIX + base45.encode(cose.sign(data, HD1_KEY, HD1_KID))


_ENTRIES = {
    "v": {"tg": "840539006", "vp": "J07BX03", "mp": "EU/1/20/1528", "ma": "ORG-100030215", "dn": 2, "sd": 2,
          "dt": "2021-09-01", "co": "VN", "is": "Ministry of Health", "ci": "URN:UVCI:01:VN:TEST0001"},
    "t": {"tg": "840539006", "tt": "LP6464-4", "sc": "2025-05-31T08:00:00Z", "tr": "260415000", "co": "VN",
          "is": "Ministry of Health", "ci": "URN:UVCI:01:VN:TEST0002"},
    "r": {"tg": "840539006", "fr": "2025-03-01", "df": "2025-03-11", "du": "2025-09-01", "co": "VN",
          "is": "Ministry of Health", "ci": "URN:UVCI:01:VN:TEST0003"},
}


def hc1_certificate(family: Any = "Nguyễn", family_standard: Any = "NGUYEN", given: Any = "Văn An",
                    given_standard: Any = "VAN<AN", kind: str = "v", **entry: Any) -> dict:
    """A certificate (schema 1.3) of `kind` v, t or r; `entry` replaces values of its one entry."""
    return {"ver": "1.3.0", "dob": "1990-01-31", kind: [_ENTRIES[kind] | entry],
            "nam": {"fn": family, "fnt": family_standard, "gn": given, "gnt": given_standard}}


def hc1_claims(certificate: Any = None, replace: dict | None = None) -> dict:
    return {1: "VN", 6: int((NOW - timedelta(days=1)).timestamp()), 4: int((NOW + timedelta(days=300)).timestamp()),
            -260: {1: hc1_certificate() if certificate is None else certificate}} | (replace or {})


def sign_hc1(payload: Any, compress: bool = True) -> str:
    """An HC1 code over `payload` (claims, or ready CBOR bytes), signed by the test document signer."""
    data = payload if isinstance(payload, bytes) else cbor2.dumps(payload)
    signed = cose.sign(data, HC1_KEY, HC1_SIGNER.kid)
    return dcc.PREFIX + base45.encode(zlib.compress(signed, 9) if compress else signed)
