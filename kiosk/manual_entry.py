"""Visitors without a code: what the guard types (name, phone, optional ID number, note) becomes a
`Credential` of format "manual", which then goes through the same policy and store as a scanned code."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from kiosk.credentials.base import Credential
from kiosk.credentials.masking import mask_name
from kiosk.errors import KioskError
from kiosk.reasons import Reason

FORMAT = "manual"
_PHONE = re.compile(r"^\+?\d{9,12}$")
_ID_NUMBER = re.compile(r"^(\d{9}|\d{12})$")


class ManualEntryError(KioskError):
    """A field the guard must correct; `reason` says which and how, in both languages."""

    def __init__(self, field: str, reason: Reason) -> None:
        super().__init__(reason.en)
        self.field = field
        self.reason = reason


NAME_MISSING = Reason("manual.name", "Nhập họ và tên", "Enter the full name")
PHONE_INVALID = Reason("manual.phone", "Số điện thoại gồm 9–12 chữ số, ví dụ 0912345678",
                       "The phone number has 9–12 digits, e.g. 0912345678")
ID_INVALID = Reason("manual.id-number", "Số giấy tờ gồm 9 hoặc 12 chữ số (có thể để trống)",
                    "The ID number has 9 or 12 digits (or leave it empty)")


def manual_credential(name: str, phone: str, id_number: str = "", note: str = "") -> Credential:
    """Raises ManualEntryError naming the first field to correct."""
    name = " ".join(unicodedata.normalize("NFC", name).split())
    phone = re.sub(r"[\s.\-]", "", phone)
    id_number = id_number.strip()
    if not name:
        raise ManualEntryError("name", NAME_MISSING)
    if not _PHONE.match(phone):
        raise ManualEntryError("phone", PHONE_INVALID)
    if id_number and not _ID_NUMBER.match(id_number):
        raise ManualEntryError("id_number", ID_INVALID)
    # A 12-digit number is a chip ID card: key it as the card's scan would, so that de-duplication sees
    # one person whether the card was scanned or typed. Otherwise the person is their name and phone.
    if len(id_number) == 12:
        person_key = f"cccd:{id_number}"
    else:
        digest = hashlib.sha256(f"{name.casefold()}|{phone}".encode("utf-8")).hexdigest()[:20]
        person_key = f"manual:{digest}"
    fields = {"name": name, "phone": phone, "id_number": id_number, "note": note.strip()}
    return Credential(format=FORMAT, person_key=person_key, display_name=mask_name(name),
                      fields=fields, raw="")
