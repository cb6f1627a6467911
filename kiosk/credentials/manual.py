"""A visitor without a code, typed in by the guard: name, phone, optional ID number and a note.

Not in the registry (nothing scans to it). The person key matches the chip ID card's when a 12-digit ID
number is given, so the same person later scanning their card is recognised as already checked in.
"""

from __future__ import annotations

import re
import unicodedata

from kiosk.credentials.base import Credential, Refusal
from kiosk.credentials.masking import mask_name
from kiosk.credentials.other import checked
from kiosk.reasons import Reason

FORMAT = "manual"
_PHONE = re.compile(r"\+?\d{9,12}", re.ASCII)


def manual_credential(name: str, phone: str, id_number: str = "", note: str = "") -> Credential | Refusal:
    name = " ".join(unicodedata.normalize("NFC", name).split())
    phone = re.sub(r"[\s.\-()]", "", phone)
    id_number = id_number.strip()
    raw = f"{name}|{phone}|{id_number}"
    if not name:
        return Refusal(FORMAT, Reason("manual.no-name"), raw)
    if not _PHONE.fullmatch(phone):
        return Refusal(FORMAT, Reason("manual.bad-phone"), raw)
    if id_number and not (id_number.isascii() and id_number.isdigit() and len(id_number) in (9, 12)):
        return Refusal(FORMAT, Reason("manual.bad-id"), raw)
    person_key = f"cccd:{id_number}" if len(id_number) == 12 else f"phone:{phone}"
    fields = {"name": name, "phone": phone, "id_number": id_number, "note": note.strip()}
    # A name pasted from a chat can carry a zero-width space or a direction mark like a forged code can.
    return checked(Credential(FORMAT, person_key, mask_name(name), fields, raw))
