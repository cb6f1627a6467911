"""What an entry keeps of a code's contents, per format, and what the door drops.

Everything a trace needs to reach a person (name, numbers, birth date, address, phone, and a declaration's
health answers) is kept, sealed to the authority. What neither the door nor a trace needs is dropped before
anything is written: the 2024 ID card's family members and old numbers (`extra`), the national QR code's
signature and its declarer's QID, an insurance card's layout, a badge's signature verdict. A code's raw text is never kept.
The door's own copy of what it shows is the masked display name.
"""

from __future__ import annotations

from typing import Any, Mapping

CONTENT_VERSION = 1

# Per format: the fields dropped at the door. Every other field is sealed.
DROPPED: Mapping[str, frozenset[str]] = {
    "cccd": frozenset({"extra"}),
    "vn-qr": frozenset({"extra", "signature", "declarer_qid"}),
    "bhyt": frozenset({"extra", "layout", "registered_facility"}),
    "hd1": frozenset(),
    "dcc": frozenset(),
    "manual": frozenset(),
    # A meeting badge: its printed name is sealed like any name; the ids (event, participant, badge) and
    # the dates are the organiser's, kept with it. Only the signature's verdict goes: a badge that did not
    # verify is never admitted, so it always says "valid".
    "badge": frozenset({"signature"}),
}
DROPPED_ELSEWHERE = frozenset({"extra"})  # a format not named above


def kept_fields(format: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    dropped = DROPPED.get(format, DROPPED_ELSEWHERE)
    return {name: value for name, value in fields.items() if name not in dropped}


def sealed_content(format: str, person_key: str, linked_key: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """What is sealed for one entry: who (the keys) and how to reach them (the kept fields), JSON values."""
    return {"v": CONTENT_VERSION, "format": format, "person_key": person_key, "linked_key": linked_key,
            "fields": kept_fields(format, fields)}
