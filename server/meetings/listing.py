"""A participant as the database keeps them, computed while their numbers are at hand in clear.

Their ID number and phone become person keys (kiosk.meetings.keys), stored only tagged (the server's
"person-tag" secret, as entries' person_key, so entries match participants by equality) and as masked
hints; the stations' roster gets a door tag and a closed card per person key (kiosk.meetings.roster) under
the event's door key. Nothing here logs: what passes through is personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kiosk.meetings.badge_code import MAX_NAME
from kiosk.meetings.keys import (badge_key, door_name, id_number_hint, id_number_key, phone_hint, phone_key,
                                 phone_number)
from kiosk.meetings.roster import Card, close_card, door_tag, event_door_key
from kiosk.sealing.tags import tagged_key
from server.meetings.errors import MeetingError, Words
from server.meetings.texts import folded, typed_text
from server.secret_keys import secret

NAME = Words("họ tên", "name")
ORGANISATION = Words("đơn vị", "organisation")
GROUP = Words("nhóm / chỗ ngồi", "group or seat")
_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class Person:
    """One participant as typed or read from the organiser's file, numbers in clear ("" for none)."""

    name: str
    organisation: str = ""
    group: str = ""
    id_number: str = ""
    phone: str = ""


@dataclass(frozen=True)
class EventKeys:
    """The secrets one event's participants are stored with, read once per request."""

    tag: bytes  # the server's "person-tag" secret
    door: bytes  # the event's door key (kiosk.meetings.roster.event_door_key of "meeting-root")

    @classmethod
    def of(cls, event_id: int) -> "EventKeys":
        return cls(secret("person-tag"), event_door_key(secret("meeting-root"), str(event_id)))


def checked_person(name: str, organisation: str = "", group: str = "", id_number: str = "",
                   phone: str = "") -> Person:
    """A participant as typed (or as a file's row gives them); MeetingError naming what to fix."""
    number = _SEPARATORS.sub("", id_number or "")
    if number and id_number_key(number) is None:
        raise MeetingError("Số định danh phải có 9 hoặc 12 chữ số.", "An ID number has 9 or 12 digits.")
    normal_phone = phone_number(phone) if (phone or "").strip() else ""
    if normal_phone is None:
        raise MeetingError("Số điện thoại không hợp lệ (0 và 9–10 chữ số, hoặc +84).",
                           "The phone number is not valid (0 and 9-10 digits, or +84).")
    return Person(typed_text(name, NAME, longest=MAX_NAME), typed_text(organisation, ORGANISATION, required=False),
                  typed_text(group, GROUP, required=False), number, normal_phone)


def match_key(person: Person, tag: bytes) -> str:
    """What finds the same participant in a later import: their tagged ID key, else their tagged phone
    key, else a tag of their name and organisation (case and accents aside)."""
    number_keys = _number_keys(person)
    return tagged_key(tag, number_keys[0]) if number_keys else _name_key(person, tag)


def stored_columns(person: Person, participant_id: str, tag: bytes) -> dict[str, Any]:
    """The participants columns that describe the person (all but door, event, source and times)."""
    tagged = [tagged_key(tag, key) for key in person_keys(person, participant_id)]
    return {"name": person.name, "organisation": person.organisation, "group_name": person.group,
            "id_hint": id_number_hint(person.id_number), "phone_hint": phone_hint(person.phone),
            # the ID's or phone's tagged key when there is one: the first of person_keys
            "match_key": tagged[0] if len(tagged) > 1 else _name_key(person, tag), "person_keys": tagged}


def door_cards(person: Person, participant_id: str, event_key: bytes) -> dict[str, str]:
    """The participant's part of the stations' roster: {door tag: closed card} for each person key."""
    card = Card(participant_id, door_name(person.name), person.organisation, person.group)
    return {door_tag(event_key, key): close_card(event_key, key, card)
            for key in person_keys(person, participant_id)}


def person_keys(person: Person, participant_id: str) -> list[str]:
    """The clear person keys: ID number, phone, badge (each that exists)."""
    return [*_number_keys(person), badge_key(participant_id)]


def _name_key(person: Person, tag: bytes) -> str:
    return tagged_key(tag, f"name:{folded(person.name)}|{folded(person.organisation)}")


def _number_keys(person: Person) -> list[str]:
    keys = (id_number_key(person.id_number) if person.id_number else None,
            phone_key(person.phone) if person.phone else None)
    return [key for key in keys if key]
