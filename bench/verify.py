"""Verification time per signed credential, and the QR size of a typical declaration.

Usage: python bench/verify.py [--rounds 2000]

Times the whole check (Base45, zlib, COSE, signature, claims) of one HC1 code signed ES256, one signed
PS256 (RSA 2048) and one HD1 declaration (Ed25519), with keys made here. Prints medians in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cbor2  # noqa: E402
import qrcode  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from kiosk import base45, cose  # noqa: E402
from kiosk.credentials import dcc, hd1  # noqa: E402
from kiosk.trust import DeclarationKey, TrustList, signer_from_der  # noqa: E402

NOW = datetime(2021, 9, 20, 8, 0, tzinfo=timezone.utc)
CERTIFICATE = {
    "ver": "1.3.0", "nam": {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"}, "dob": "1990-01-31",
    "v": [{"tg": "840539006", "vp": "J07BX03", "mp": "EU/1/20/1528", "ma": "ORG-100030215", "dn": 2, "sd": 2,
           "dt": "2021-08-01", "co": "VN", "is": "Ministry of Health", "ci": "URN:UVCI:01:VN:BENCH0001"}],
}
DECLARATION = hd1.Declaration("NGUYỄN THỊ THANH HƯƠNG", "0912345678", "001099012345", NOW,
                              {"sym": False, "con": False, "pos": False})


def dcc_case(key) -> tuple[str, TrustList]:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench DSC")])
    der = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
           .serial_number(1).not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=1))
           .sign(key, hashes.SHA256()).public_bytes(Encoding.DER))
    signer = signer_from_der(der)
    claims = {1: "VN", 6: int(NOW.timestamp()), 4: int(NOW.timestamp()) + 86400, -260: {1: CERTIFICATE}}
    text = dcc.PREFIX + base45.encode(zlib.compress(cose.sign(cbor2.dumps(claims), key, signer.kid), 9))
    return text, TrustList(signers=(signer,))


def hd1_case() -> tuple[str, TrustList]:
    key = ed25519.Ed25519PrivateKey.generate()
    text = hd1.encode(DECLARATION, key=key, kid=b"bench-01", issuer="VN", issued_at=NOW,
                      expires_at=NOW + timedelta(days=1), cti=b"\x01" * 8)
    return text, TrustList(declaration_keys=(DeclarationKey(b"bench-01", key.public_key(), NOW - timedelta(1)),))


def median_ms(check, text: str, trust: TrustList, rounds: int) -> float:
    assert check(text, trust, NOW).signature == "valid"
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        check(text, trust, NOW)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    cases = [
        ("HC1 ES256", dcc.check, *dcc_case(ec.generate_private_key(ec.SECP256R1()))),
        ("HC1 PS256 (RSA 2048)", dcc.check, *dcc_case(rsa.generate_private_key(65537, 2048))),
        ("HD1 Ed25519", hd1.check, *hd1_case()),
    ]
    print(f"median time of a full check, {args.rounds} rounds:")
    for label, check, text, trust in cases:
        print(f"  {label:22} {median_ms(check, text, trust, args.rounds):.3f} ms")
    text = cases[-1][2]
    for level, name in ((qrcode.constants.ERROR_CORRECT_M, "M"), (qrcode.constants.ERROR_CORRECT_Q, "Q")):
        code = qrcode.QRCode(error_correction=level)
        code.add_data(text)
        code.make(fit=True)
        print(f"typical declaration ({len(text)} characters): QR version {code.version} at level {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
