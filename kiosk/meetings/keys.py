"""The person keys a participant is listed by, written as the door's credentials write them.

A participant file gives an ID number and/or a phone; the server adds the participant's badge. A scanned
code gives its person key and the ID number or phone it shows (kiosk.watch_list.person_keys_of): the same
function turns both into the same keys, so a chip card, a national QR code, a declaration, a guard's typed
entry and the badge all find the same participant.
"""

from __future__ import annotations

import re

from kiosk.credentials.masking import mask_id_number, mask_name, mask_phone

PARTICIPANT_ID = re.compile(r"[0-9a-f]{16}")  # random, not personal: it goes on the badge and in reasons
_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"0[0-9]{9,10}")


def id_number_key(number: str) -> str | None:
    """The person key an ID number stands for ("001099012345" → "cccd:001099012345"; an old 9-digit
    number → "id:…"), None for anything that is not a full 9- or 12-digit number (a masked one, say)."""
    number = number.strip()
    if number.isascii() and number.isdigit() and len(number) in (9, 12):
        return f"{'cccd' if len(number) == 12 else 'id'}:{number}"
    return None


def phone_number(phone: str) -> str | None:
    """A Vietnamese phone number as 0 and 9–10 digits ("+84 912.345.678" → "0912345678"), else None."""
    digits = _SEPARATORS.sub("", phone.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if digits.isascii() and _PHONE.fullmatch(digits) else None


def phone_key(phone: str) -> str | None:
    """The person key of a phone number ("phone:0912345678"), as a guard's typed entry is keyed."""
    number = phone_number(phone)
    return f"phone:{number}" if number else None


def badge_key(participant_id: str) -> str:
    """The person key of a participant's printed badge."""
    return f"badge:{participant_id}"


def door_name(name: str) -> str:
    """A participant's name as the door shows it: masked as every name at the door is
    (kiosk.credentials.masking, "Nguyễn Văn An" → "Nguyễn V. A."), for the roster's cards."""
    return mask_name(name)


def id_number_hint(number: str) -> str:
    """An ID number as an organiser's list shows it ("001099012345" → "*********345")."""
    return mask_id_number(number) if number else ""


def phone_hint(phone: str) -> str:
    """A phone number as an organiser's list shows it ("0912345678" → "091****678")."""
    return mask_phone(phone) if phone else ""
