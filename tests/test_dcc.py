"""EU DCC (HC1:) verification with certificates and keys made here: good codes admitted, forgeries refused."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import zlib
from pathlib import Path
from datetime import datetime, timedelta, timezone

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import qrcode
import zxingcpp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from kiosk import base45, cose, credentials
from kiosk.credentials import dcc
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.health_rules import HealthRules, evaluate
from kiosk.trust import TrustError, TrustList, load_trust_file, signer_from_der
from kiosk.verdict import Outcome
from tests.test_credentials_support import not_a_fault

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2021, 6, 1, 12, 0, tzinfo=timezone.utc)
OID_TEST, OID_VACCINATION = "1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.1847.2021.1.2"


def make_signer(kind: str = "ec", eku: tuple[str, ...] = (), explicit_ca_false: bool = False):
    """A document signer's key and certificate; `explicit_ca_false` writes "not a CA" out in full, as some
    real signing certificates do although DER forbids it (cryptography then refuses the extensions)."""
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test DSC"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW - timedelta(days=365)).not_valid_after(NOW + timedelta(days=365)))
    if explicit_ca_false:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.ObjectIdentifier(oid) for oid in eku]), critical=False)
    der = builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)
    if explicit_ca_false:  # BasicConstraints' value SEQUENCE {} becomes SEQUENCE { BOOLEAN FALSE }
        der = der_replaced(der, bytes.fromhex("04023000"), bytes.fromhex("04053003010100"))
    return key, der


def der_replaced(der: bytes, old: bytes, new: bytes) -> bytes:
    """`der` with each element equal to `old` replaced by `new`, the lengths of the elements around it
    written again (the certificate's signature no longer matches; a trust list does not check it)."""
    out = b""
    offset = 0
    while offset < len(der):
        tag, length = der[offset], der[offset + 1]
        start = offset + 2
        if length & 0x80:
            start += length & 0x7F
            length = int.from_bytes(der[offset + 2:start], "big")
        end = start + length
        if der[offset:end] == old:
            out += new
        elif tag & 0x20:  # constructed: its content is elements too
            content = der_replaced(der[start:end], old, new)
            size = len(content)
            long_size = size.to_bytes((size.bit_length() + 7) // 8, "big")
            head = bytes([size]) if size < 0x80 else bytes([0x80 | len(long_size)]) + long_size
            out += bytes([tag]) + head + content
        else:
            out += der[offset:end]
        offset = end
    return out


def vaccination(dose: int = 2, of: int = 2, on: str = "2021-05-01") -> dict:
    return {"ver": "1.3.0", "nam": {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"},
            "dob": "1990-01-31",
            "v": [{"tg": "840539006", "vp": "J07BX03", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
                   "dn": dose, "sd": of, "dt": on, "co": "VN", "is": "Ministry of Health",
                   "ci": "URN:UVCI:01:VN:TEST0001"}]}


def claims(certificate: dict, issued: datetime = NOW - timedelta(days=1),
           expires: datetime = NOW + timedelta(days=300)) -> bytes:
    return cbor2.dumps({1: "VN", 6: int(issued.timestamp()), 4: int(expires.timestamp()),
                        -260: {1: certificate}})


def hc1(cose_bytes: bytes, compress: bool = True) -> str:
    return dcc.PREFIX + base45.encode(zlib.compress(cose_bytes, 9) if compress else cose_bytes)


def signed(key, der: bytes, certificate: dict | None = None, **times) -> str:
    return hc1(cose.sign(claims(certificate or vaccination(), **times), key, dcc_kid(der)))


def dcc_kid(der: bytes) -> bytes:
    return signer_from_der(der).kid


def sign_with_headers(payload: bytes, key: ec.EllipticCurvePrivateKey, protected: dict, unprotected: dict) -> bytes:
    """An ES256 COSE_Sign1 with the headers laid out by hand (the kid where a test wants it)."""
    protected_bytes = cbor2.dumps(protected)
    tbs = cose.Sign1(protected_bytes, protected, unprotected, payload, b"").to_be_signed()
    r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(18, [protected_bytes, unprotected, payload, signature]))


def parse(text: str, trust: TrustList, now: datetime = NOW) -> Credential | Refusal:
    return dcc.PARSER.parse(text, ParseContext(now=now, trust=trust))


@pytest.fixture(scope="module")
def ec_signer():
    return make_signer("ec")


@pytest.fixture(scope="module")
def trust(ec_signer):
    return TrustList(signers=(signer_from_der(ec_signer[1], "VN"),))


def test_valid_es256_certificate_is_admitted_with_masked_name(ec_signer, trust):
    credential = parse(signed(*ec_signer), trust)
    assert isinstance(credential, Credential)
    assert credential.fields["signature"] == "valid"
    assert credential.fields["certificate_type"] == "vaccination"
    assert credential.fields["signer_country"] == "VN"
    assert credential.display_name == "Nguyễn V. A."
    assert evaluate(credential, HealthRules(), NOW) == (Outcome.ADMIT, ())


def test_registry_hands_hc1_codes_to_this_parser(ec_signer, trust):
    assert credentials.parse(" " + signed(*ec_signer) + "\r\n", ParseContext(now=NOW, trust=trust)).format == "dcc"


def test_valid_ps256_certificate_verifies():
    key, der = make_signer("rsa")
    result = dcc.check(signed(key, der), TrustList(signers=(signer_from_der(der),)), NOW)
    assert (result.stage, result.signature) == (None, "valid")


def test_uncompressed_payload_is_accepted_and_reported(ec_signer, trust):
    key, der = ec_signer
    result = dcc.check(hc1(cose.sign(claims(vaccination()), key, dcc_kid(der)), compress=False), trust, NOW)
    assert (result.signature, result.compressed) == ("valid", False)


def test_code_read_from_a_qr_image_verifies(ec_signer, trust):
    text = signed(*ec_signer)
    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_Q).get_image()
    [read] = zxingcpp.read_barcodes(image)
    assert dcc.check(read.text, trust, NOW).signature == "valid"


@pytest.mark.parametrize("protected_kid, unprotected_kid, expected", [
    (None, "right", "valid"),
    ("right", "wrong", "valid"),
    ("wrong", "right", "unknown-signer"),  # the protected header wins
    (None, "wrong", "unknown-signer"),
])
def test_kid_locations(ec_signer, trust, protected_kid, unprotected_kid, expected):
    key, der = ec_signer
    kids = {"right": dcc_kid(der), "wrong": b"\x00" * 8}
    protected = {1: cose.ES256} | ({4: kids[protected_kid]} if protected_kid else {})
    unprotected = {4: kids[unprotected_kid]} if unprotected_kid else {}
    text = hc1(sign_with_headers(claims(vaccination()), key, protected, unprotected))
    assert dcc.check(text, trust, NOW).signature == expected


def test_colliding_kids_are_all_tried(ec_signer):
    key, der = ec_signer
    other_key, other_der = make_signer("ec")
    impostor = signer_from_der(other_der)
    genuine = signer_from_der(der)
    collided = type(impostor)(genuine.kid, "XX", impostor.public_key, other_der, None)
    result = dcc.check(signed(key, der), TrustList(signers=(collided, genuine)), NOW)
    assert result.signature == "valid"


def test_expired_and_not_yet_valid_against_the_given_clock(ec_signer, trust):
    text = signed(*ec_signer, issued=NOW - timedelta(days=10), expires=NOW - timedelta(days=1))
    credential = parse(text, trust)
    assert credential.fields["expired"] is True
    outcome, reasons = evaluate(credential, HealthRules(), NOW)
    assert outcome is Outcome.WARN and reasons[0].code == "health.certificate_expired"
    assert parse(text, trust, NOW - timedelta(days=5)).fields["expired"] is False
    future = parse(signed(*ec_signer, issued=NOW + timedelta(hours=1)), trust)
    assert future.fields["not_yet_valid"] is True


def test_signer_limited_to_tests_cannot_sign_vaccinations():
    key, der = make_signer("ec", eku=(OID_TEST,))
    refusal = parse(signed(key, der), TrustList(signers=(signer_from_der(der),)))
    assert isinstance(refusal, Refusal) and refusal.reason.code == "dcc.type_not_allowed"
    assert dcc.check(signed(key, der), TrustList(signers=(signer_from_der(der),)), NOW).type_allowed is False
    key, der = make_signer("ec", eku=(OID_VACCINATION, "1.3.6.1.5.5.7.3.4"))
    assert isinstance(parse(signed(key, der), TrustList(signers=(signer_from_der(der),))), Credential)


def test_a_signer_certificate_cryptography_refuses_still_has_its_key_usage_read():
    key, der = make_signer("ec", eku=(OID_TEST, "1.3.6.1.4.1.0.1847.2021.1.3"), explicit_ca_false=True)
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(der).extensions
    assert signer_from_der(der).allowed_types == frozenset({"t", "r"})
    refusal = parse(signed(key, der), TrustList(signers=(signer_from_der(der),)))
    assert isinstance(refusal, Refusal) and refusal.reason.code == "dcc.type_not_allowed"


def test_unknown_signer_parses_and_warns_by_default(ec_signer):
    credential = parse(signed(*ec_signer), TrustList())
    assert credential.fields["signature"] == "unknown-signer"
    outcome, reasons = evaluate(credential, HealthRules(), NOW)
    assert outcome is Outcome.WARN and [r.code for r in reasons] == ["health.unknown_signer"]
    strict = HealthRules(unknown_signer=Outcome.REFUSE)
    assert evaluate(credential, strict, NOW)[0] is Outcome.REFUSE


# --- forgeries and hostile input: each refused with its own reason, nothing raises -------------------

def test_resigned_with_a_foreign_key_under_a_trusted_kid_is_refused(ec_signer, trust):
    _, der = ec_signer
    foreign = ec.generate_private_key(ec.SECP256R1())
    refusal = parse(hc1(cose.sign(claims(vaccination()), foreign, dcc_kid(der))), trust)
    assert isinstance(refusal, Refusal) and refusal.reason.code == "dcc.bad_signature"


def test_edited_claims_under_a_valid_signature_are_refused(ec_signer, trust):
    key, der = ec_signer
    original = cose.parse_sign1(cose.sign(claims(vaccination(dose=1)), key, dcc_kid(der)))
    edited = claims(vaccination(dose=2))
    forged = cbor2.dumps(cbor2.CBORTag(18, [original.protected_bytes, {}, edited, original.signature]))
    refusal = parse(hc1(forged), trust)
    assert isinstance(refusal, Refusal) and refusal.reason.code == "dcc.bad_signature"


def test_truncated_base45_is_refused_as_damaged(ec_signer, trust):
    text = signed(*ec_signer)
    for cut in (1, 2, len(text) // 2):
        refusal = parse(text[:-cut], trust)
        assert isinstance(refusal, Refusal) and refusal.reason.code.startswith("dcc.malformed.")
    # Base45 never leaves a single character over: such a cut is a Base45 error whatever the signature
    # (unless the cut ends in a space, which is Base45 too but stripped as a scanner's: then cut further;
    # a whole code never ends in one, its last character being at most "W").
    impossible = next(cut for cut in range(1, 30)
                      if (len(text) - len(dcc.PREFIX) - cut) % 3 == 1 and not text[:-cut].endswith(" "))
    assert parse(text[:-impossible], trust).reason.code == "dcc.malformed.base45"


def test_zlib_bomb_is_capped(trust):
    bomb = zlib.compress(b"\x00" * (50 * 1024 * 1024), 9)
    result = dcc.check(dcc.PREFIX + base45.encode(bomb), trust, NOW)
    assert result.stage == "zlib" and "more than" in result.error


def test_deeply_nested_cbor_is_refused(ec_signer, trust):
    key, der = ec_signer
    nested = b"\x81" * 5000 + b"\x00"
    result = dcc.check(hc1(cose.sign(nested, key, dcc_kid(der))), trust, NOW)
    assert result.stage == "cbor" and result.signature == "valid"


def test_huge_kid_is_refused(ec_signer, trust):
    key, _ = ec_signer
    refusal = parse(hc1(cose.sign(claims(vaccination()), key, b"K" * 2000)), trust)
    assert refusal.reason.code == "dcc.malformed.cose"


def test_trailing_bytes_after_the_cose_item_are_refused(ec_signer, trust):
    key, der = ec_signer
    result = dcc.check(hc1(cose.sign(claims(vaccination()), key, dcc_kid(der)) + b"\x00"), trust, NOW)
    assert result.stage == "cose" and "garbage" in result.error


def test_certificate_with_two_types_fails_the_schema_stage(ec_signer, trust):
    both = vaccination() | {"t": [{"tr": "260415000"}]}
    result = dcc.check(signed(*ec_signer, certificate=both), trust, NOW)
    assert (result.stage, result.signature) == ("schema", "valid")


@pytest.mark.parametrize("text", ["", "HC1:", "HC1:%%%", "HC1:" + "A" * 9999, "HC2:6BF", "hc1:abc"])
def test_garbage_never_raises(text, trust):
    result = dcc.check(text, trust, NOW)
    assert result.stage is not None


# --- trust material ------------------------------------------------------------------------------

def test_trust_import_file_computes_the_kid(tmp_path, ec_signer):
    key, der = ec_signer
    path = tmp_path / "trust.json"
    path.write_text(json.dumps([{"certificate": base64.b64encode(der).decode(), "country": "VN"}]))
    trust = load_trust_file(path)
    assert trust.signers[0].kid == dcc_kid(der) and trust.signers[0].country == "VN"
    assert dcc.check(signed(key, der), trust, NOW).signature == "valid"


@pytest.mark.parametrize("content, words", [
    ("{not json", "not JSON"),
    ('[{"country": "VN"}]', "entry 1"),
    ('[{"certificate": "!!!"}]', "not base64"),
    ('[{"certificate": "AAAA"}]', "not an X.509 certificate"),
])
def test_bad_trust_file_gives_a_plain_message(tmp_path, content, words):
    path = tmp_path / "trust.json"
    path.write_text(content)
    with pytest.raises(TrustError, match=words):
        load_trust_file(path)


def test_station_config_fragment_carries_dcc_signers(ec_signer):
    key, der = ec_signer
    fragment = {"dcc_trust": [{"certificate": base64.b64encode(der).decode(), "country": "VN"}]}
    trust = TrustList.from_station_config(json.loads(json.dumps(fragment)))
    assert dcc.check(signed(key, der), trust, NOW).signature == "valid"


def test_inspect_json_keys(ec_signer, trust):
    assert dcc.check(signed(*ec_signer), trust, NOW).inspect_json() == {
        "signature": "valid", "expired": False, "not_yet_valid": False, "type_allowed": True, "stage": None}
    assert dcc.check("HC1:A", trust, NOW).inspect_json()["stage"] == "base45"



@pytest.mark.slow
def test_kiosk_inspect_reports_the_signature_against_a_trust_file(tmp_path, ec_signer):
    key, der = ec_signer
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(json.dumps([{"certificate": base64.b64encode(der).decode()}]))
    text = signed(key, der, expires=NOW + timedelta(days=1))

    def inspect(*extra: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "kiosk", "inspect", text, "--json", *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    result = inspect("--trust", str(trust_file), "--at", "2021-06-01T12:00:00Z")
    assert (result["format"], result["signature"], result["expired"], result["stage"]) == ("dcc", "valid", False, None)
    assert inspect("--trust", str(trust_file), "--at", "2021-06-03T12:00:00Z")["expired"] is True
    assert inspect()["signature"] == "unknown-signer"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), replacement=st.sampled_from(base45.ALPHABET), cut=st.integers(0, 40))
def test_any_edit_of_a_genuine_code_is_refused_or_flagged_never_raises(ec_signer, trust, position, replacement, cut):
    text = signed(*ec_signer)
    index = len(dcc.PREFIX) + position % (len(text) - len(dcc.PREFIX))
    edited = (text[:index] + replacement + text[index + 1:])[:len(text) - cut]
    result = dcc.check(edited, trust, NOW)
    if edited != text:
        assert result.stage is not None or result.signature == "invalid"


@settings(max_examples=150, deadline=None)
@given(payload=st.binary(max_size=400))
def test_random_payloads_never_raise(payload):
    for prefix in (dcc.PREFIX, "HD1:"):
        text = prefix + base45.encode(payload)
        result = not_a_fault(credentials.parse(text, ParseContext(now=NOW, trust=TrustList())))
        assert result.format in ("dcc", "hd1")


def test_garbage_after_the_compressed_data_is_refused(ec_signer, trust):
    key, der = ec_signer
    packed = zlib.compress(cose.sign(claims(vaccination()), key, dcc_kid(der))) + b"\x00\x01"
    assert dcc.check(dcc.PREFIX + base45.encode(packed), trust, NOW).stage == "zlib"


def test_signed_positive_test_certificate_is_refused_by_the_rules(ec_signer, trust):
    positive = {key: value for key, value in vaccination().items() if key != "v"} | {"t": [{
        "tg": "840539006", "tt": "LP6464-4", "sc": "2021-06-01T08:00:00Z", "tr": "260373001",
        "tc": "Test centre", "co": "VN", "is": "Ministry of Health", "ci": "URN:UVCI:01:VN:TEST0002"}]}
    credential = parse(signed(*ec_signer, certificate=positive), trust)
    outcome, reasons = evaluate(credential, HealthRules(), NOW)
    assert outcome is Outcome.REFUSE and reasons[0].code == "health.test_positive"


# --- certificates in the wild: what the EU schema lets an issuer leave out ---------------------------------
# The schema requires only the standardised family name (nam.fnt); the shared test data (dgc-testdata)
# holds certificates without gnt, without gn and gnt, and with a birth date of only a year or year-month.

def certificate_with(name: dict, dob: str = "1990-01-31") -> dict:
    return vaccination() | {"nam": name, "dob": dob}


@pytest.mark.parametrize(
    ("name", "dob", "shown", "standard"),
    [
        ({"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An"}, "1990-01-31", "Nguyễn V. A.", "NGUYEN||1990-01-31"),
        ({"fn": "Nguyễn", "fnt": "NGUYEN", "gnt": "VAN<AN"}, "1990-01-31", "Nguyễn V. A.",
         "NGUYEN|VAN<AN|1990-01-31"),
        ({"fn": "Nguyễn", "fnt": "NGUYEN"}, "1990-01-31", "Nguyễn", "NGUYEN||1990-01-31"),
        ({"fnt": "NGUYEN<TRAN"}, "1990", "NGUYEN T.", "NGUYEN<TRAN||1990"),
        ({"fnt": "NGUYEN", "gnt": "VAN<AN"}, "1990-01", "NGUYEN V. A.", "NGUYEN|VAN<AN|1990-01"),
        ({"fnt": "NGUYEN", "gnt": "VAN<AN"}, "", "NGUYEN V. A.", "NGUYEN|VAN<AN|"),
    ],
    ids=["no gnt", "no gn", "no given name", "fnt only, birth year", "birth year-month", "no birth date"],
)
def test_certificate_without_optional_names_or_full_birth_date_is_admitted(ec_signer, trust, name, dob, shown,
                                                                           standard):
    credential = parse(signed(*ec_signer, certificate_with(name, dob)), trust)
    assert isinstance(credential, Credential), credential
    assert credential.display_name == shown
    assert credential.person_key == "dcc:" + hashlib.sha256(standard.encode()).hexdigest()[:16]
    assert credential.fields["birth_date"] == dob


def test_the_person_key_does_not_depend_on_the_optional_names(ec_signer, trust):
    full = parse(signed(*ec_signer), trust)
    without = parse(signed(*ec_signer, certificate_with({"fnt": "NGUYEN", "gnt": "VAN<AN"})), trust)
    assert full.person_key == without.person_key
