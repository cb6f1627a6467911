"""The printed meeting badge (`MB1:`): a participant's signed QR, issued by the server, verified offline.

The code itself is kiosk.meetings.badge_code (shared with the server that signs it); this module makes it
a credential. A badge names its event, its participant (a random id) and the name printed on it; it is
keyed `badge:<participant id>`, the same key the event's roster lists the participant by. Damaged,
forged, unknown-signer, revoked and expired badges are refused: the organiser's word is all a badge is.
"""

from __future__ import annotations

from typing import Any

from kiosk.credentials import fields as f
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.credentials.signed import SIGNATURE_INVALID, SIGNATURE_UNKNOWN, malformed_reason
from kiosk.meetings.badge_code import PREFIX, BadgeCheck, check
from kiosk.meetings.keys import badge_key
from kiosk.reasons import Reason

FORMAT = "badge"
KIND = f.Kind(FORMAT, FORMAT)


class BadgeParser:
    format = FORMAT

    def claims(self, text: str) -> bool:
        return text.lstrip().startswith(PREFIX)

    def parse(self, text: str, context: ParseContext) -> Credential | Refusal:
        result = check(text, context.trust, context.now)
        reason = _refusal_reason(result)
        if reason is not None:
            return Refusal(FORMAT, reason, text)
        return _credential(text, result)


def _refusal_reason(result: BadgeCheck) -> Reason | None:
    if result.stage is not None:
        return malformed_reason(FORMAT, result.stage)
    if result.signature == SIGNATURE_INVALID:
        return Reason("badge.bad_signature")
    if result.signature == SIGNATURE_UNKNOWN:
        return Reason("badge.unknown_signer")
    if result.revoked:
        return Reason("badge.revoked")
    if result.expired:
        return Reason("badge.expired")
    return None


def _credential(text: str, result: BadgeCheck) -> Credential:
    badge = result.badge
    assert badge is not None  # check() returns a badge whenever no stage failed
    values: dict[str, Any] = {
        "signature": result.signature,
        "event": badge.event,
        "participant": badge.participant,
        "badge_id": result.cti.hex(),
        "issued_at": result.issued_at,
        "expires_at": result.expires_at,
    }
    # The printed name is kept in the fields like every format's name (sealed, kiosk.sealing.kept); the
    # screen and the entry show it masked.
    return f.personal_credential(KIND, badge_key(badge.participant), badge.name, values, text)


PARSER = BadgeParser()
