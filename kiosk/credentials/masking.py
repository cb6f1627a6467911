"""How names and numbers are shown: enough for a guard to recognise a person, not enough to copy them.

- Names: the first word (the family name in Vietnamese order) is kept; every other word is reduced to its
  initial and a dot. "Nguyễn Văn An" → "Nguyễn V. A.", "NGUYEN VAN AN" → "NGUYEN V. A.". The guard sees the
  family name and the shape of the name, which together with the face and the photo ID is enough to
  recognise a visitor, while the full name never appears on screen.
- ID numbers: every character but the last three becomes `*`, keeping the length so an old 9-digit
  number still looks different from a 12-digit one: "001090012345" → "*********345".
- Phone numbers: the first three and last three digits stay: "0912345678" → "091****678".

These functions never fail: any string (already masked, empty, odd characters) gives a masked string.
"""

from __future__ import annotations

import unicodedata

MASK = "*"


def mask_name(name: str) -> str:
    words = unicodedata.normalize("NFC", name).split()
    if not words:
        return ""
    return " ".join([words[0], *(f"{word[0]}." for word in words[1:])])


def mask_id_number(number: str) -> str:
    number = number.strip()
    visible = 3 if len(number) > 4 else 0
    return MASK * (len(number) - visible) + number[len(number) - visible:]


def mask_phone(phone: str) -> str:
    phone = phone.strip()
    if len(phone) < 8:
        return MASK * len(phone)
    return phone[:3] + MASK * (len(phone) - 6) + phone[-3:]

