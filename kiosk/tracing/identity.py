"""Which person keys a trace searches: what was typed, and every key linked to it for certain.

Each format keys a person its own way (kiosk.credentials): a chip ID card and a declaration by ID number
(`cccd:` for 12 digits, `id:` for an old 9-digit number), the national QR code by QID (`qid:`), a
health-insurance card by its number (`bhyt:`), an EU certificate by name and birth date (`dcc:`), a guard's
manual entry without an ID number by phone (`phone:`). A national QR code shown unmasked names both the QID
and the ID number: that is a link, and the only one made. A phone number can be a family's, a name and
birth date can be two people's: those are never linked. A QID seen with two ID numbers (or the reverse) is
linked to neither, and the answer says so: two people are never merged on a guess.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from kiosk.contract import is_hidden
from kiosk.tracing.masking import mask_person_key
from kiosk.messages import Message
from kiosk.tracing.request import TraceProblem

KINDS = ("cccd", "id", "qid", "bhyt", "dcc", "phone")
_LINKED_KINDS = ("cccd", "id")  # what a QID can be linked to
_KEY = re.compile(r"([a-z]+):([0-9A-Za-z]{1,64})", re.IGNORECASE)
_BHYT = re.compile(r"[A-Z]{2}[0-9][0-9]{12}")
MAX_KEYS = 16  # keys one trace may search after following links
SHOWN_AT_MOST = 40  # characters of a query repeated in an answer: a pasted page is not echoed back


@dataclass(frozen=True)
class Identity:
    searched: str  # as typed, masked
    keys: tuple[str, ...]  # the query's key first, then the linked ones
    notes: tuple[Message, ...] = ()


def keys_for_query(text: str) -> tuple[str, ...]:
    """The person key a typed query names: a key as the log shows it, or a bare number."""
    text = text.strip()
    key = _KEY.fullmatch(text)
    if key:
        kind = key.group(1).lower()
        if kind not in KINDS:
            raise TraceProblem(Message("trace.unknown-key-kind", kind=kind, kinds=", ".join(KINDS)))
        return (f"{kind}:{key.group(2)}",)
    if text.isascii() and text.isdigit():
        if len(text) == 12:
            return (f"cccd:{text}",)
        if len(text) == 9:
            return (f"id:{text}",)
        if len(text) == 10 and text.startswith("0"):
            # A phone number, or the social-insurance number of a card from provinces 01-09: two people.
            raise TraceProblem(Message("trace.phone-or-insurance", number=shown_query(text)))
        if 13 <= len(text) <= 20:
            return (f"qid:{text}",)
    if text.isascii() and _BHYT.fullmatch(text.upper()):
        return (f"bhyt:{text[-10:]}",)  # a card code: the card keys its holder by the last ten digits
    if text.isascii() and len(text) == 10 and text.isdigit():
        return (f"bhyt:{text}",)
    raise TraceProblem(Message("trace.person-not-recognised", searched=shown_query(text)))


def shown_query(text: str) -> str:
    """A query as an answer repeats it: masked, invisible characters named (U+200B), at most 40 characters."""
    masked = "".join(f"<U+{ord(ch):04X}>" if is_hidden(ch) else ch for ch in mask_person_key(text.strip()))
    return masked if len(masked) <= SHOWN_AT_MOST else "…" + masked[-SHOWN_AT_MOST:]


def link_of(format: str, person_key: str, fields: Mapping[str, Any]) -> tuple[str, str] | None:
    """The link an entry proves: an unmasked national QR code names its QID and its ID number."""
    if format != "vn-qr" or not person_key.startswith("qid:") or fields.get("id_number_masked"):
        return None
    number = str(fields.get("id_number") or "")
    if not (number.isascii() and number.isdigit() and len(number) in (9, 12)):
        return None
    return person_key, f"{'cccd' if len(number) == 12 else 'id'}:{number}"


def link_partners(links: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Each key and the keys linked to it (a QID and an ID number, either way round). A key with more than
    one partner is contested: it joins nobody, in a trace and in the door's counts alike."""
    partners: dict[str, set[str]] = defaultdict(set)
    for a, b in links:
        if a and b and a != b:
            partners[a].add(b)
            partners[b].add(a)
    return partners


def resolve(text: str, links: Iterable[tuple[str, str]]) -> Identity:
    """The query's key and the keys linked to it for certain; notes for what could not be linked."""
    start = keys_for_query(text)
    partners = link_partners(links)
    contested = {key for key, linked in partners.items() if len(linked) > 1}
    keys, notes = list(start), []
    for key in keys:
        if key in contested:
            notes.append(Message("trace.note.link-contested", key=mask_person_key(key)))
            continue
        for partner in sorted(partners.get(key, ())):
            if partner in contested:
                notes.append(Message("trace.note.link-contested", key=mask_person_key(partner)))
            elif partner not in keys and len(keys) < MAX_KEYS:
                keys.append(partner)
    if len(keys) > 1:
        notes.insert(0, Message("trace.note.linked", keys=", ".join(mask_person_key(k) for k in keys[1:])))
    notes.extend(_unlinkable(keys))
    return Identity(shown_query(text), tuple(keys), tuple(notes))


def _unlinkable(keys: list[str]) -> list[Message]:
    kinds = {key.partition(":")[0] for key in keys}
    notes = []
    if "qid" in kinds and not kinds & set(_LINKED_KINDS):
        notes.append(Message("trace.note.qid-only"))
    if kinds & {"cccd", "id"} and "qid" not in kinds:
        notes.append(Message("trace.note.id-without-qid"))
    for kind in sorted(kinds & {"dcc", "bhyt", "phone"}):
        notes.append(Message(f"trace.note.not-linked.{kind}"))
    return notes
