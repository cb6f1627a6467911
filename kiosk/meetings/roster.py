"""A participant list as a station holds it: nobody readable without that person's own code.

For each person key of each participant (kiosk.meetings.keys) the station gets a door tag (HMAC under the
event's door key) and a card (the masked name, the organisation, the seat or group, the participant id)
closed under a key derived from the event's door key and that person key. A door that reads a code
computes the tags of the code's keys, finds the card and opens it with the same key; a stolen station
token yields tags and closed cards only: naming a participant means trying ID numbers one by one.

The event's door key is derived by the server from a secret in its keys directory (never in the database)
and sent only to the stations its sessions name.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.sealing.tags import TAG_HEX, derive

KEY_BYTES = 32
NONCE_BYTES = 12
MAX_CARD_TEXT = 200  # each of the card's texts, in characters


@dataclass(frozen=True)
class Card:
    """What the door shows of a participant: `name` already masked (kiosk.credentials.masking)."""

    participant: str  # the participant id (kiosk.meetings.keys.PARTICIPANT_ID)
    name: str
    organisation: str = ""
    group: str = ""  # group, seat or table, as the organiser's file gives it


def event_door_key(root: bytes, event_id: str) -> bytes:
    """An event's door key, from the server's meeting root secret."""
    return derive(root, f"meeting-event|{event_id}")


def door_tag(event_key: bytes, person_key: str) -> str:
    """The tag a station finds a participant by (hex, 128 bits)."""
    return hmac.new(derive(event_key, "door-tag"), person_key.encode("utf-8"), hashlib.sha256).hexdigest()[:TAG_HEX]


def close_card(event_key: bytes, person_key: str, card: Card) -> str:
    """The card, closed so that only a door holding `person_key` opens it (hex: nonce, then AES-GCM)."""
    nonce = os.urandom(NONCE_BYTES)
    data = json.dumps(asdict(card), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return (nonce + AESGCM(_card_key(event_key, person_key)).encrypt(nonce, data, b"meeting-card")).hex()


def open_card(event_key: bytes, person_key: str, closed: str) -> Card | None:
    """The card, or None when it does not open (another person's, or damaged) or is not a card."""
    try:
        raw = bytes.fromhex(closed)
        data = AESGCM(_card_key(event_key, person_key)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                                                b"meeting-card")
        item = json.loads(data.decode("utf-8"))
        card = Card(**item)
    except Exception:  # noqa: BLE001 - whatever fails to open is "not this person's card"
        return None
    texts = (card.participant, card.name, card.organisation, card.group)
    if not all(isinstance(text, str) and len(text) <= MAX_CARD_TEXT for text in texts):
        return None
    return card


def _card_key(event_key: bytes, person_key: str) -> bytes:
    return hmac.new(derive(event_key, "card"), person_key.encode("utf-8"), hashlib.sha256).digest()
