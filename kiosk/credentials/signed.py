"""What the two signed formats (EU `HC1:` and our `HD1:`) share: the stages of the chain and their words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Protocol, Sequence, TypeVar

import cbor2

from kiosk import base45, cose
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.reasons import Reason

SIGNATURE_VALID = "valid"
SIGNATURE_INVALID = "invalid"
SIGNATURE_UNKNOWN = "unknown-signer"
SIGNATURE_UNSIGNED = "unsigned"

# The stages of the chain, each worded in the catalogue as "stage.<name>".
STAGES = ("prefix", "base45", "zlib", "cose", "cbor", "schema")


@dataclass(frozen=True)
class SignedCheck:
    """What every signed code's check learns. `stage` names the failed stage; None when it decoded."""

    stage: str | None = None
    error: str = ""
    signature: str = SIGNATURE_UNSIGNED
    issuer: str = ""
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    expired: bool = False
    not_yet_valid: bool = False
    type_allowed: bool = True

    def inspect_json(self) -> dict[str, Any]:
        """The keys `kiosk inspect --json` adds; automation depends on these names."""
        return {
            "signature": self.signature,
            "expired": self.expired,
            "not_yet_valid": self.not_yet_valid,
            "type_allowed": self.type_allowed,
            "stage": self.stage,
        }


class KeyHolder(Protocol):
    @property
    def public_key(self) -> cose.PublicKey: ...


K = TypeVar("K", bound=KeyHolder)


class Malformed(Exception):
    """A stage of the chain failed; `stage` is one of STAGES. `signature` is what verification found before
    the failure (SIGNATURE_UNSIGNED when it failed before verification)."""

    def __init__(self, stage: str, message: str, signature: str = SIGNATURE_UNSIGNED) -> None:
        super().__init__(message)
        self.stage = stage
        self.signature = signature


def malformed_reason(code_prefix: str, stage: str) -> Reason:
    """"<prefix>.malformed.<stage>", worded by the catalogue's "*.malformed.*" naming the format by
    "kind.<prefix>.start" and the stage by "stage.<stage>"."""
    return Reason(f"{code_prefix}.malformed.{stage}", what=Reason(f"kind.{code_prefix}.start"),
                  stage=Reason(f"stage.{stage}"))


def unprefix(text: str, prefix: str) -> bytes:
    text = text.strip()
    if not text.startswith(prefix):
        raise Malformed("prefix", f"the text does not start with {prefix}")
    try:
        return base45.decode(text[len(prefix):])
    except base45.Base45Error as error:
        raise Malformed("base45", str(error)) from None


def parse_cose(data: bytes) -> cose.Sign1:
    try:
        return cose.parse_sign1(data)
    except cose.CoseError as error:
        raise Malformed("cose", str(error)) from None


def claims_of(message: cose.Sign1) -> Mapping[Any, Any]:
    try:
        claims = cose.decode_cbor(message.payload)
    except cose.CoseError as error:
        raise Malformed("cbor", str(error)) from None
    if not isinstance(claims, Mapping):
        raise Malformed("cbor", "the claims are not a CBOR map")
    _refuse_repeated_keys(message.payload)
    return claims


def _refuse_repeated_keys(payload: bytes) -> None:
    """A map that repeats a key says two things at once: cbor2 keeps the last value, another verifier
    (or the server) may keep the first. RFC 8949 lets a decoder refuse it; we do. The payload already
    decoded once, so the only failure left to find here is a repeated key."""
    try:
        cbor2.loads(payload, max_depth=cose.MAX_CBOR_DEPTH, allow_duplicate_keys=False)
    except cbor2.CBORDecodeError:
        raise Malformed("cbor", "a CBOR map repeats a key") from None


def claim_text(claims: Mapping[Any, Any], key: Any) -> str:
    """A text claim (absent → ""); any other type is malformed, never turned into text."""
    value = claims.get(key, "")
    if not isinstance(value, str):
        raise Malformed("schema", f"claim {key} is not text")
    return value


def claim_time(claims: Mapping[Any, Any], key: Any) -> datetime | None:
    """A CWT NumericDate claim as an aware UTC datetime; absent → None; anything else is malformed."""
    value = claims.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Malformed("schema", f"claim {key} is not a time")
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise Malformed("schema", f"claim {key} is out of range") from None


def verify_with(message: cose.Sign1, candidates: Sequence[K]) -> tuple[str, K | None]:
    """Try every key that carries the message's kid (8-byte kids collide); the first that verifies wins."""
    if not candidates:
        return SIGNATURE_UNKNOWN, None
    for candidate in candidates:
        if cose.verify(message, candidate.public_key):
            return SIGNATURE_VALID, candidate
    return SIGNATURE_INVALID, None


CLAIM_ISSUER, CLAIM_EXPIRES, CLAIM_ISSUED, CLAIM_CTI = 1, 4, 6, 7
MAX_CTI_BYTES = 32


@dataclass(frozen=True)
class Issued:
    """The envelope our server's own signed codes share (`HD1:` declarations, `MB1:` meeting badges): the
    signature's verdict, the claims, and who issued the code, when, until when, under which id (cti)."""

    signature: str
    claims: Mapping[Any, Any]
    cti: bytes
    issuer: str
    issued_at: datetime
    expires_at: datetime


def open_issued(text: str, prefix: str, trust: Any, now: datetime, what: str) -> Issued:
    """Verify a code our server signed with a declaration key (`trust.declaration_keys_for`) and read its
    envelope. Raises Malformed (carrying the signature's verdict) for a damaged code; `what` names the
    code in the messages ("declaration", "badge")."""
    message = parse_cose(unprefix(text, prefix))
    keys = tuple(k for k in trust.declaration_keys_for(message.kid) if k.trusted_at(now)) if trust else ()
    signature, _ = verify_with(message, keys)
    try:
        claims = claims_of(message)
        cti = claims.get(CLAIM_CTI)
        if not isinstance(cti, bytes) or not 0 < len(cti) <= MAX_CTI_BYTES:
            raise Malformed("schema", f"the {what} id (cti) is missing")
        issued_at = claim_time(claims, CLAIM_ISSUED)
        expires_at = claim_time(claims, CLAIM_EXPIRES)
        if issued_at is None or expires_at is None:
            raise Malformed("schema", "issue or expiry time missing")
        issuer = claim_text(claims, CLAIM_ISSUER)
    except Malformed as error:
        raise Malformed(error.stage, str(error), signature) from None
    return Issued(signature, claims, cti, issuer, issued_at, expires_at)


@dataclass(frozen=True)
class IssuedCheck(SignedCheck):
    """What the check of one of our own signed codes learns beyond a signed code's: its id (cti) and whether
    the server revoked it."""

    cti: bytes = b""
    revoked: bool = False

    def inspect_json(self) -> dict[str, Any]:
        return {**super().inspect_json(), "revoked": self.revoked}


def issued_values(issued: Issued, trust: Any, now: datetime) -> dict[str, Any]:
    """The `IssuedCheck` values of an opened code, for a subclass's constructor."""
    return {"signature": issued.signature, "cti": issued.cti, "issuer": issued.issuer,
            "issued_at": issued.issued_at, "expires_at": issued.expires_at, "expired": now > issued.expires_at,
            "not_yet_valid": now < issued.issued_at, "revoked": trust is not None and issued.cti in trust.revoked}


C = TypeVar("C", bound=IssuedCheck)


class IssuedParser:
    """The parser of a code our server signs (a registry entry): damaged, forged, revoked or past its
    expiry, it is refused with "<format>.<problem>" and no rule can admit it; signed by a key the station
    does not know, it is refused too when `refuse_unknown_signer` (else the policy weighs it)."""

    def __init__(self, format: str, prefix: str, check: Callable[[str, Any, datetime], C],
                 credential: Callable[[str, C], Credential], refuse_unknown_signer: bool = False) -> None:
        self.format = format
        self._prefix = prefix
        self._check = check
        self._credential = credential
        self._refuse_unknown_signer = refuse_unknown_signer

    def claims(self, text: str) -> bool:
        return text.lstrip().startswith(self._prefix)

    def parse(self, text: str, context: ParseContext) -> Credential | Refusal:
        result = self._check(text, context.trust, context.now)
        reason = self._refusal(result)
        return Refusal(self.format, reason, text) if reason is not None else self._credential(text, result)

    def _refusal(self, result: IssuedCheck) -> Reason | None:
        if result.stage is not None:
            return malformed_reason(self.format, result.stage)
        if result.signature == SIGNATURE_INVALID:
            return Reason(f"{self.format}.bad_signature")
        if self._refuse_unknown_signer and result.signature == SIGNATURE_UNKNOWN:
            return Reason(f"{self.format}.unknown_signer")
        if result.revoked:
            return Reason(f"{self.format}.revoked")
        if result.expired:
            return Reason(f"{self.format}.expired")
        return None
