"""HD1 health declarations verified offline: genuine ones admitted, forged, expired and revoked ones refused."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import cbor2
import pytest
import qrcode
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import base45, cose, credentials
from kiosk.credentials import hd1
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.health_rules import HealthRules, evaluate
from kiosk.trust import DeclarationKey, TrustList
from kiosk.verdict import Outcome

NOW = datetime(2021, 9, 20, 8, 0, tzinfo=timezone.utc)
KEY = Ed25519PrivateKey.generate()
KID = b"hd-key-1"
TRUST = TrustList(declaration_keys=(DeclarationKey(KID, KEY.public_key(), NOW - timedelta(days=30)),))


def declaration(**answers: bool) -> hd1.Declaration:
    return hd1.Declaration("NGUYỄN VĂN AN", "0912345678", "001099012345", NOW,
                           {"sym": False, "con": False, "pos": False} | answers)


def issue(decl: hd1.Declaration | None = None, key=KEY, kid=KID, cti: bytes = b"\x01" * 8,
          lifetime: timedelta = timedelta(days=1)) -> str:
    return hd1.encode(decl or declaration(), key=key, kid=kid, issuer="VN", issued_at=NOW,
                      expires_at=NOW + lifetime, cti=cti)


def parse(text: str, trust: TrustList = TRUST, now: datetime = NOW + timedelta(hours=1)):
    return hd1.PARSER.parse(text, ParseContext(now=now, trust=trust))


def test_genuine_declaration_is_admitted():
    credential = parse(issue())
    assert isinstance(credential, Credential)
    assert credential.fields["signature"] == "valid"
    assert credential.display_name == "NGUYỄN V. A."
    assert "001099012345" not in credential.display_name
    assert evaluate(credential, HealthRules(), NOW + timedelta(hours=1)) == (Outcome.ADMIT, ())


def test_declaration_and_chip_id_card_are_the_same_person():
    card = credentials.parse("001099012345|012345678|Nguyễn Văn An|31011999|Nam|Phường Láng Hạ, Hà Nội|15042021",
                             ParseContext(now=NOW))
    declared = credentials.parse(issue(), ParseContext(now=NOW, trust=TRUST))
    assert declared.format == "hd1" and declared.person_key == card.person_key


def test_declaration_read_from_a_qr_image_fits_version_10_m():
    text = issue()
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    assert code.version <= 10
    [read] = zxingcpp.read_barcodes(code.make_image().get_image())
    assert isinstance(parse(read.text), Credential)


def test_answer_that_needs_attention_warns_and_names_the_question():
    outcome, reasons = evaluate(parse(issue(declaration(sym=True))), HealthRules(), NOW)
    assert outcome is Outcome.WARN
    assert "fever" in reasons[0].en and "sốt" in reasons[0].vi


def test_declaration_older_than_the_rules_allow_is_refused():
    credential = parse(issue(lifetime=timedelta(days=7)), now=NOW + timedelta(days=3))
    outcome, reasons = evaluate(credential, HealthRules(), NOW + timedelta(days=3))
    assert outcome is Outcome.REFUSE
    assert reasons[0].en.startswith("Declaration is 3 days old")


def test_unknown_key_warns_by_default():
    credential = parse(issue(), trust=TrustList())
    assert credential.fields["signature"] == "unknown-signer"
    assert evaluate(credential, HealthRules(), NOW)[0] is Outcome.WARN


def test_key_past_its_trust_window_is_no_longer_trusted():
    retired = TrustList(declaration_keys=(
        DeclarationKey(KID, KEY.public_key(), NOW - timedelta(days=30), NOW),))
    assert parse(issue(), trust=retired).fields["signature"] == "unknown-signer"


# --- forgeries and hostile input ---------------------------------------------------------------------

def _refusal_code(text: str, **kwargs) -> str:
    result = parse(text, **kwargs)
    assert isinstance(result, Refusal)
    return result.reason.code


def test_resigned_with_a_foreign_key_under_our_kid_is_refused():
    assert _refusal_code(issue(key=Ed25519PrivateKey.generate())) == "hd1.bad_signature"


def test_edited_claims_under_a_valid_signature_are_refused():
    message = cose.parse_sign1(base45.decode(issue()[4:]))
    claims = cbor2.loads(message.payload)
    claims[hd1.CLAIM_DECLARATION][4]["pos"] = False
    claims[hd1.CLAIM_EXPIRES] += 86400 * 365
    forged = cbor2.dumps(cbor2.CBORTag(18, [message.protected_bytes, {}, cbor2.dumps(claims), message.signature]))
    assert _refusal_code(hd1.PREFIX + base45.encode(forged)) == "hd1.bad_signature"


def test_expired_declaration_is_refused():
    assert _refusal_code(issue(), now=NOW + timedelta(days=2)) == "hd1.expired"


def test_revoked_declaration_is_refused_and_a_replay_after_revocation_too():
    text = issue(cti=b"\x07" * 8)
    assert isinstance(parse(text), Credential)
    revoked = TrustList(TRUST.signers, TRUST.declaration_keys, frozenset({b"\x07" * 8}))
    assert _refusal_code(text, trust=revoked) == "hd1.revoked"
    assert isinstance(parse(issue(cti=b"\x08" * 8), trust=revoked), Credential)


def test_truncated_declaration_is_refused_as_damaged():
    text = issue()
    body_length = len(text) - len(hd1.PREFIX)
    # Base45 never leaves a single character over: such a cut is a Base45 error whatever the signature
    # (unless the cut ends in a space, which is Base45 too but stripped as a scanner's: then cut further).
    impossible = next(cut for cut in range(1, 30)
                      if (body_length - cut) % 3 == 1 and not text[:-cut].endswith(" "))
    assert _refusal_code(text[:-impossible]) == "hd1.malformed.base45"
    for cut in (1, 2, 3, 10):
        assert _refusal_code(text[:-cut]).startswith("hd1.malformed.")


def test_huge_kid_is_refused():
    assert _refusal_code(issue(kid=os.urandom(500))) == "hd1.malformed.cose"


def test_deeply_nested_claims_are_refused():
    nested = cose.sign(b"\x81" * 3000 + b"\x00", KEY, KID)
    assert _refusal_code(hd1.PREFIX + base45.encode(nested)) == "hd1.malformed.cbor"


@pytest.mark.parametrize("claims", [
    {1: "VN"},
    {1: "VN", 4: 1, 6: 1, 7: b"\x01", -65537: ["A", "B", "C", "not a time", {}]},
    {1: "VN", 4: 1, 6: 1, 7: b"", -65537: ["A", "B", "C", 1, {}]},
    {1: "VN", 4: "soon", 6: 1, 7: b"\x01", -65537: ["A", "B", "C", 1, {}]},
])
def test_signed_but_incomplete_claims_fail_the_schema_stage(claims):
    text = hd1.PREFIX + base45.encode(cose.sign(cbor2.dumps(claims), KEY, KID))
    assert _refusal_code(text) == "hd1.malformed.schema"


def test_inspect_json_keys():
    assert hd1.check(issue(), TRUST, NOW).inspect_json() == {
        "signature": "valid", "expired": False, "not_yet_valid": False, "type_allowed": True,
        "stage": None, "revoked": False}
