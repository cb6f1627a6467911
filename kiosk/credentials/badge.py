"""The printed meeting badge (`MB1:`): a participant's signed QR, issued by the server, verified offline.

The code itself is kiosk.meetings.badge_code (shared with the server that signs it); this module makes it
a credential. A badge names its event, its participant (a random id) and the name printed on it; it is
keyed `badge:<participant id>`, the same key the event's roster lists the participant by. Damaged,
forged, unknown-signer, revoked and expired badges are refused: the organiser's word is all a badge is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.credentials import fields as f
from kiosk.credentials.base import Credential
from kiosk.credentials.signed import IssuedParser
# Modules, read at call time: kiosk.meetings (shared with the server) imports from this package, whose
# registry imports this module.
from kiosk.meetings import badge_code, keys

FORMAT = "badge"
KIND = f.Kind(FORMAT, FORMAT)


def _credential(text: str, result: badge_code.BadgeCheck) -> Credential:
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
    return f.personal_credential(KIND, keys.badge_key(badge.participant), badge.name, values, text)


def _check(text: str, trust: Any, now: datetime) -> badge_code.BadgeCheck:
    return badge_code.check(text, trust, now)


# A badge is the organiser's own code: signed by a key the station does not know, it is refused outright.
PARSER = IssuedParser(FORMAT, "MB1:", _check, _credential, refuse_unknown_signer=True)  # badge_code.PREFIX
