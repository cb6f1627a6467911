"""EU Digital COVID Certificate (`HC1:`): the whole chain, each stage reported on its own.

HC1: → Base45 → zlib → COSE_Sign1 → CBOR claims (1 iss, 4 exp, 6 iat, -260 → 1 → the certificate).
`check` runs the chain and returns every status the guard, the log and `kiosk inspect` tell apart;
`PARSER` turns that into a Credential (the health rules weigh expiry and unknown signers) or a Refusal
(damaged, forged, or signed by a certificate not allowed for this type).
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from types import MappingProxyType
from typing import Any, Mapping

from kiosk.credentials import fields as f
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.credentials.signed import (
    SIGNATURE_INVALID,
    SIGNATURE_UNSIGNED,
    Malformed,
    SignedCheck,
    claim_text,
    claim_time,
    claims_of,
    malformed_reason,
    parse_cose,
    unprefix,
    verify_with,
)
from kiosk.reasons import Reason
from kiosk.trust import TrustList

FORMAT = "dcc"
KIND = f.Kind(FORMAT, FORMAT)
PREFIX = "HC1:"
# A real certificate decompresses to well under 2 KiB; the cap stops a zlib bomb early.
MAX_DECOMPRESSED_BYTES = 32 * 1024
CLAIM_ISSUER, CLAIM_EXPIRES, CLAIM_ISSUED = 1, 4, 6
CLAIM_HCERT, HCERT_DCC = -260, 1
TYPES = {"v": "vaccination", "t": "test", "r": "recovery"}
TEST_RESULTS = {"260415000": True, "260373001": False}  # SNOMED CT: not detected, detected


@dataclass(frozen=True)
class DccCheck(SignedCheck):
    """Everything learned from one HC1 text; `type_allowed` is the signing certificate's key usage."""

    compressed: bool = False
    signer_country: str = ""
    certificate_type: str | None = None
    certificate: Mapping[str, Any] = field(default_factory=dict)


def check(text: str, trust: TrustList | None, now: datetime) -> DccCheck:
    """Run the whole chain; never raises for bad input."""
    compressed, signature = False, SIGNATURE_UNSIGNED
    try:
        data = unprefix(text, PREFIX)
        data, compressed = _decompress(data)
        message = parse_cose(data)
        # The signature covers the payload bytes, so it is known even when the claims turn out broken.
        signature, signer = verify_with(message, (trust or TrustList()).signers_for(message.kid))
        claims = claims_of(message)
        certificate_type, certificate = _certificate(claims)
        issued_at = claim_time(claims, CLAIM_ISSUED)
        expires_at = claim_time(claims, CLAIM_EXPIRES)
        issuer = claim_text(claims, CLAIM_ISSUER)
    except Malformed as error:
        return DccCheck(stage=error.stage, error=str(error), compressed=compressed, signature=signature)
    return DccCheck(
        compressed=compressed,
        signature=signature,
        signer_country=signer.country if signer else "",
        certificate_type=certificate_type,
        certificate=MappingProxyType(dict(certificate)),
        issuer=issuer,
        issued_at=issued_at,
        expires_at=expires_at,
        expired=expires_at is not None and now > expires_at,
        not_yet_valid=issued_at is not None and now < issued_at,
        type_allowed=signer is None or signer.allows(certificate_type),
    )


def _decompress(data: bytes) -> tuple[bytes, bool]:
    """Inflate when the data carries a zlib header; some issuers skip compression, which is allowed."""
    if len(data) < 2 or data[0] & 0x0F != 8 or (data[0] * 256 + data[1]) % 31:
        return data, False
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_DECOMPRESSED_BYTES)
    except zlib.error as error:
        raise Malformed("zlib", f"broken zlib data: {error}") from None
    if inflater.unconsumed_tail:
        raise Malformed("zlib", f"decompresses to more than {MAX_DECOMPRESSED_BYTES} bytes")
    if not inflater.eof:
        raise Malformed("zlib", "the zlib data is cut off")
    if inflater.unused_data:
        raise Malformed("zlib", "bytes of garbage after the compressed data")
    return out, True


def _certificate(claims: Mapping[Any, Any]) -> tuple[str, Mapping[str, Any]]:
    hcert = claims.get(CLAIM_HCERT)
    certificate = hcert.get(HCERT_DCC) if isinstance(hcert, Mapping) else None
    if certificate is None:
        raise Malformed("schema", "no EU certificate under claim -260 → 1")
    if not isinstance(certificate, Mapping):
        raise Malformed("cbor", "the EU certificate under claim -260 → 1 is not a CBOR map")
    present = [key for key in TYPES if key in certificate]
    if len(present) != 1:
        raise Malformed("schema", "a certificate holds exactly one of v, t, r")
    entries = certificate[present[0]]
    if not isinstance(entries, (list, tuple)) or len(entries) != 1 or not isinstance(entries[0], Mapping):
        raise Malformed("schema", f"{present[0]} must hold exactly one entry")
    if not isinstance(certificate.get("nam"), Mapping) or not isinstance(certificate.get("dob"), str):
        raise Malformed("schema", "name or date of birth missing")
    _texts(certificate["nam"], ("fn", "fnt", "gn", "gnt"))
    if not certificate["nam"].get("fnt"):
        # The schema requires it, and the person key is made from it: without it, one key for a birthday.
        raise Malformed("schema", "no standardised family name (nam.fnt)")
    _texts(entries[0], _TEXT_ENTRY_KEYS)
    return present[0], certificate


# Values the credential keeps as text or looks up: the schema makes them strings, anything else is refused.
_TEXT_ENTRY_KEYS = ("co", "tr")


def _texts(mapping: Mapping[Any, Any], keys: tuple[str, ...]) -> None:
    wrong = [key for key in keys if key in mapping and not isinstance(mapping[key], str)]
    if wrong:
        raise Malformed("schema", f"{', '.join(wrong)} must be text")


class DccParser:
    format = FORMAT

    def claims(self, text: str) -> bool:
        return text.lstrip().startswith(PREFIX)

    def parse(self, text: str, context: ParseContext) -> Credential | Refusal:
        result = check(text, context.trust, context.now)
        if result.stage is not None:
            reason = malformed_reason(FORMAT, result.stage)
            return Refusal(FORMAT, reason, text)
        if result.signature == SIGNATURE_INVALID:
            return Refusal(FORMAT, Reason("dcc.bad_signature"), text)
        if not result.type_allowed:
            kind = Reason(f"dcc.type.{TYPES[result.certificate_type]}")
            return Refusal(FORMAT, Reason("dcc.type_not_allowed", kind=kind), text)
        return _credential(text, result)


def _credential(text: str, result: DccCheck) -> Credential:
    certificate = result.certificate
    name = certificate["nam"]
    family = (name.get("fn") or name.get("fnt", "")).replace("<", " ")
    given = (name.get("gn") or name.get("gnt", "")).replace("<", " ")
    full_name = " ".join(part for part in (family, given) if part)
    standard = f"{name.get('fnt', '')}|{name.get('gnt', '')}|{certificate['dob']}"
    entry = certificate[result.certificate_type][0]
    fields: dict[str, Any] = {
        "signature": result.signature,
        "expired": result.expired,
        "not_yet_valid": result.not_yet_valid,
        "type_allowed": result.type_allowed,
        "certificate_type": TYPES[result.certificate_type],
        "issuer_country": result.issuer,
        "signer_country": result.signer_country,
        "issued_at": result.issued_at,
        "expires_at": result.expires_at,
        "country": entry.get("co", ""),
        "birth_date": str(certificate["dob"]),
        **_entry_fields(result.certificate_type, entry),
    }
    # The certificate names no ID number; its standardised name and birth date identify the holder.
    person_key = "dcc:" + hashlib.sha256(standard.encode()).hexdigest()[:16]
    return f.personal_credential(KIND, person_key, full_name, fields, text, decoded={"certificate": certificate})


def _entry_fields(kind: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """Typed facts the health rules need; values that do not parse are left out, not guessed."""
    if kind == "v":
        return {
            "dose_number": _dose_count(entry.get("dn")),
            "doses_total": _dose_count(entry.get("sd")),
            "vaccinated_on": _date(entry.get("dt")),
        }
    if kind == "t":
        return {
            "test_negative": TEST_RESULTS.get(entry.get("tr")),  # None: no result the kiosk knows
            "sampled_at": _datetime(entry.get("sc")),
        }
    return {
        "first_positive_on": _date(entry.get("fr")),
        "valid_from": _date(entry.get("df")),
        "valid_until": _date(entry.get("du")),
    }


# Dose counts are 1–9 in the schema; a 5,000-digit "dose" kept as it is would break the entry's JSON.
_MAX_DOSES = 99


def _dose_count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_DOSES else None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _datetime(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


PARSER = DccParser()
