"""A meeting plan as the server sends it (ISSUE12: the station's roster and sessions), built with the shared
core (kiosk.meetings), and the codes a participant may bring to the room door: for the kiosk's tests."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.credentials import hd1
from kiosk.credentials.examples import AN, BINH, Person
from kiosk.credentials.masking import mask_name
from kiosk.meetings import badge_code
from kiosk.meetings.keys import badge_key, id_number_key, phone_key
from kiosk.meetings.roster import Card, close_card, door_tag, event_door_key
from kiosk.trust import DeclarationKey

ZONE = timezone(timedelta(hours=7))  # the door's (Hà Nội)
# Yesterday at the door: recent enough for every retention rule, and no test depends on the machine's clock.
DAY = (datetime.now(ZONE) - timedelta(days=1)).date()
EVENT, OTHER_EVENT = "3", "4"
MEETING_ROOT = bytes(range(50, 82))  # the server's "meeting-root" secret: never on a station
EVENT_KEY = event_door_key(MEETING_ROOT, EVENT)
SIGNER = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"test declaration key").digest())
KID = b"test-k01"
REVOKED_CTI = b"\x0b" * 8


def at(hour: int, minute: int = 0) -> datetime:
    """A time of the meeting's day at the door, in UTC as the station's clock gives it."""
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=ZONE).astimezone(timezone.utc)


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    organisation: str
    group: str
    id_number: str = ""
    phone: str = ""

    def card(self) -> Card:
        return Card(self.id, mask_name(self.name), self.organisation, self.group)

    def person_keys(self) -> list[str]:
        keys = [id_number_key(self.id_number) if self.id_number else None,
                phone_key(self.phone) if self.phone else None, badge_key(self.id)]
        return [key for key in keys if key]


# Made-up participants: AN by ID number, phone and badge; BINH by ID number and badge; DUNG by phone only.
AN_LISTED = Participant("a1b2c3d4e5f60718", AN.full_name, "Sở Y tế Hà Nội", "Bàn 4 · Ghế 12", AN.id_number, AN.phone)
BINH_LISTED = Participant("b1b2c3d4e5f60718", BINH.full_name, "Bệnh viện Bạch Mai", "Nhóm B", BINH.id_number)
DUNG = Participant("c1b2c3d4e5f60718", "Phạm Thị Dung", "UBND quận Đống Đa", "Bàn 7", phone="0901234567")
LISTED = (AN_LISTED, BINH_LISTED, DUNG)

PLENARY = {"id": "12", "event": EVENT, "name": "Phiên toàn thể", "room": "Hội trường A",
           "opens": at(8).isoformat(), "start": at(8, 30).isoformat(), "end": at(11, 30).isoformat()}
AFTERNOON = {"id": "13", "event": EVENT, "name": "Phiên chiều", "room": "Phòng 201",
             "opens": at(13).isoformat(), "start": at(13, 30).isoformat(), "end": at(16, 30).isoformat()}


def meetings_part(not_listed: str = "warn", outside_hours: str = "warn") -> dict[str, Any]:
    """The "meetings" part of a station named in the plenary and the afternoon session."""
    roster = {door_tag(EVENT_KEY, key): close_card(EVENT_KEY, key, person.card())
              for person in LISTED for key in person.person_keys()}
    event = {"id": EVENT, "name": "Hội nghị tổng kết năm", "key": EVENT_KEY.hex(), "not_listed": not_listed,
             "outside_hours": outside_hours, "roster": roster}
    return {"events": [event], "sessions": [dict(PLENARY), dict(AFTERNOON)]}


def station_document(**actions: str) -> dict[str, Any]:
    """The station config as the server sends it: the meetings, the declaration keys badges are signed
    with, and one revoked badge id."""
    key = DeclarationKey(KID, SIGNER.public_key(), at(0) - timedelta(days=30))
    return {"meetings": meetings_part(**actions), "declaration_keys": [key.to_json()],
            "revoked_declarations": [base64.b64encode(REVOKED_CTI).decode()]}


def badge(person: Participant, event: str = EVENT, key: Ed25519PrivateKey = SIGNER, cti: bytes = b"\x01" * 8,
          expires_at: datetime | None = None) -> str:
    """The printed badge's QR text, signed as the server signs it."""
    return badge_code.encode(badge_code.Badge(event, person.id, person.name), key=key, kid=KID, issuer="VN",
                             issued_at=at(0) - timedelta(days=2), expires_at=expires_at or at(23), cti=cti)


def declaration(person: Person) -> str:
    """A health declaration the server signed (HD1:), naming the person's ID number."""
    declared = hd1.Declaration(person.full_name, person.phone, person.id_number, at(7), {})
    return hd1.encode(declared, key=SIGNER, kid=KID, issuer="VN", issued_at=at(7), expires_at=at(23),
                      cti=hashlib.sha256(person.qid.encode()).digest()[:8])


class Clock:
    """The station's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def document_open_at(now: datetime, **actions: str) -> dict[str, Any]:
    """The station config with the plenary open at `now` (for a door on the machine's clock, the window's)."""
    document = station_document(**actions)
    document["meetings"]["sessions"] = [
        {**PLENARY, "opens": (now - timedelta(minutes=30)).isoformat(), "start": (now - timedelta(minutes=10)).isoformat(),
         "end": (now + timedelta(hours=2)).isoformat()}]
    return document
