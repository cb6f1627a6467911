"""COSE_Sign1 and Base45 building blocks: round trips, and the strictness the credential chain relies on."""

from __future__ import annotations

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kiosk import base45, cose
from kiosk.credentials import signed_examples


@pytest.mark.parametrize("data", [b"", b"\x00", b"ab", b"\xff\xff\xff", bytes(range(256))])
def test_base45_round_trip(data):
    assert base45.decode(base45.encode(data)) == data


def test_base45_known_value():
    assert base45.encode(b"AB") == "BB8" and base45.decode("%69 VD92EX0") == b"Hello!!"


@pytest.mark.parametrize("text", ["A", "GGW", "ab", "BB8A"])
def test_base45_rejects_bad_text(text):
    with pytest.raises(base45.Base45Error):
        base45.decode(text)


@pytest.mark.parametrize("key", [
    ec.generate_private_key(ec.SECP256R1()),
    rsa.generate_private_key(65537, 2048),
    ed25519.Ed25519PrivateKey.generate(),
], ids=["ES256", "PS256", "EdDSA"])
def test_sign_then_verify_and_a_flipped_bit_fails(key):
    message = cose.parse_sign1(cose.sign(b"payload", key, b"kid"))
    assert message.kid == b"kid" and cose.verify(message, key.public_key())
    tampered = cose.Sign1(message.protected_bytes, message.protected, message.unprotected, b"payloaD",
                          message.signature)
    assert not cose.verify(tampered, key.public_key())


def test_es256_signature_depends_on_key_and_message_only():
    """RFC 6979: no random nonce, so a weak random source cannot leak the signer's key, and a sample
    payload signed twice is the same code."""
    key = ec.generate_private_key(ec.SECP256R1())
    first, second = cose.sign(b"payload", key, b"kid"), cose.sign(b"payload", key, b"kid")
    assert first == second and cose.verify(cose.parse_sign1(first), key.public_key())
    assert cose.sign(b"payloaD", key, b"kid") != first


def test_the_demo_signer_certificate_and_so_the_samples_kid_are_the_same_every_run():
    build = signed_examples._signer_certificate.__wrapped__
    assert build() == build()


def test_algorithm_must_fit_the_key():
    ec_key = ec.generate_private_key(ec.SECP256R1())
    message = cose.parse_sign1(cose.sign(b"x", ed25519.Ed25519PrivateKey.generate(), b"k"))
    assert not cose.verify(message, ec_key.public_key())


def test_cwt_tag_around_sign1_is_accepted():
    inner = cbor2.loads(cose.sign(b"x", ed25519.Ed25519PrivateKey.generate(), b"k"))
    assert cose.parse_sign1(cbor2.dumps(cbor2.CBORTag(61, inner))).payload == b"x"


@pytest.mark.parametrize("data, words", [
    (cbor2.dumps(cbor2.CBORTag(98, [])), "tag 98"),
    (cbor2.dumps([b"", {}, b""]), "four items"),
    (cbor2.dumps([b"", {}, "text", b""]), "wrong types"),
    (b"\x84\x40\xa0\x40", "broken CBOR"),
])
def test_malformed_sign1(data, words):
    with pytest.raises(cose.CoseError, match=words):
        cose.parse_sign1(data)
