"""The station config's "meetings" part: the sessions this station checks in for, and their events'
rosters (kiosk.meetings.roster). The server writes it (server/meetings), the kiosk reads it; both through
this module, so the two agree on every name and limit.

    "meetings": {
      "events": [{"id": "3", "name": "Hội nghị tổng kết", "key": "<64 hex>",
                  "not_listed": "warn" | "refuse", "outside_hours": "warn" | "refuse",
                  "roster": {"<door tag>": "<closed card>", ...}}],
      "sessions": [{"id": "12", "event": "3", "name": "Phiên toàn thể", "room": "Hội trường A",
                    "opens": ISO 8601, "start": ISO 8601, "end": ISO 8601}]
    }

A session is open from `opens` (some time before `start`, for the queue: `opening`) to `end`. Everything here came
over the network: it is checked like any text a stranger sends, and a part that fails is refused whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import Enum
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from kiosk.contract import hidden_in
from kiosk.meetings.roster import KEY_BYTES, Card, door_tag, open_card

MAX_EVENTS = 50
MAX_SESSIONS = 500
MAX_ROSTER = 200_000  # door tags over all events (a 50,000-person event listed by ID, phone and badge)
MAX_TEXT = 200
MAX_CARD_HEX = 4_000
ACTIONS = ("warn", "refuse")  # what the door says to someone not on the list, or outside the session's hours
_ID = re.compile(r"[0-9A-Za-z_-]{1,40}")
_TAG = re.compile(r"[0-9a-f]{32}")


class MeetingPlanError(ValueError):
    """The "meetings" part cannot be used; the message names what is wrong (never a tag or a card)."""


@dataclass(frozen=True)
class PlannedSession:
    id: str
    event: str
    name: str
    room: str
    opens: datetime
    start: datetime
    end: datetime

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "event": self.event, "name": self.name, "room": self.room,
                "opens": self.opens.isoformat(), "start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class PlannedEvent:
    id: str
    name: str
    key: bytes = field(repr=False)
    not_listed: str = "warn"
    outside_hours: str = "warn"
    roster: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roster", MappingProxyType(dict(self.roster)))

    def card_for(self, person_keys: Iterable[str]) -> Card | None:
        """The participant one of these clear person keys names, or None: not on the list."""
        for person_key in person_keys:
            closed = self.roster.get(door_tag(self.key, person_key))
            card = open_card(self.key, person_key, closed) if closed else None
            if card is not None:
                return card
        return None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "key": self.key.hex(), "not_listed": self.not_listed,
                "outside_hours": self.outside_hours, "roster": dict(self.roster)}


class MomentKind(str, Enum):
    NONE = "none"            # no session of this station today: an ordinary door
    OPEN = "open"            # a session is open now
    NOT_YET = "not-yet"      # sessions today, the next one not open yet
    ENDED = "ended"          # sessions today, all of them over


@dataclass(frozen=True)
class Moment:
    kind: MomentKind
    session: PlannedSession | None = None  # the open one, the next one, or the last one that ended


@dataclass(frozen=True)
class MeetingPlan:
    events: Mapping[str, PlannedEvent] = field(default_factory=dict)
    sessions: tuple[PlannedSession, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", MappingProxyType(dict(self.events)))

    def __bool__(self) -> bool:
        return bool(self.sessions)

    def moment(self, now: datetime, zone: tzinfo | None = None) -> Moment:
        """Where the station stands at `now`: in a session, before one, after the day's last, or none
        today (`zone`: the door's, where its day starts; None is the machine's). The door asks at every
        tick, so an ordinary door, with no session at all, answers at once."""
        if not self.sessions:
            return Moment(MomentKind.NONE)
        open_now = [s for s in self.sessions if s.opens <= now < s.end]
        if open_now:
            return Moment(MomentKind.OPEN, max(open_now, key=lambda s: s.start))
        day = now.astimezone(zone).date()
        today = [s for s in self.sessions if s.start.astimezone(zone).date() == day]
        coming = [s for s in today if s.opens > now]
        if coming:
            return Moment(MomentKind.NOT_YET, min(coming, key=lambda s: s.opens))
        if today:
            return Moment(MomentKind.ENDED, max(today, key=lambda s: s.end))
        return Moment(MomentKind.NONE)

    def to_json(self) -> dict[str, Any]:
        return {"events": [event.to_json() for event in self.events.values()],
                "sessions": [session.to_json() for session in self.sessions]}

    @classmethod
    def from_json(cls, part: Any) -> "MeetingPlan":
        if part is None:
            return cls()
        if not isinstance(part, dict) or set(part) - {"events", "sessions"}:
            raise MeetingPlanError("meetings: expected an object with events and sessions")
        events_part, sessions_part = part.get("events") or [], part.get("sessions") or []
        if not isinstance(events_part, list) or len(events_part) > MAX_EVENTS:
            raise MeetingPlanError(f"meetings: events must be a list of at most {MAX_EVENTS}")
        if not isinstance(sessions_part, list) or len(sessions_part) > MAX_SESSIONS:
            raise MeetingPlanError(f"meetings: sessions must be a list of at most {MAX_SESSIONS}")
        events: dict[str, PlannedEvent] = {}
        listed = 0
        for item in events_part:
            event = _event(item)
            listed += len(event.roster)
            if event.id in events or listed > MAX_ROSTER:
                raise MeetingPlanError(f"meetings: event {event.id} twice, or more than {MAX_ROSTER} listed")
            events[event.id] = event
        sessions = tuple(_session(item, events) for item in sessions_part)
        return cls(events, sessions)


def opening(start: datetime, opens_before: timedelta, others: Iterable[tuple[datetime, datetime]]) -> datetime:
    """When a station opens for a session: `opens_before` ahead of its start for the queue, but not before
    an earlier session at the same station has ended (`others`: their (start, end)). Back to back in one
    room, the first session's people leave before the second one's arrivals count, and the two sessions'
    hours never overlap at a door."""
    opens = start - opens_before
    for other_start, other_end in others:
        if other_start < start and other_end <= start:
            opens = max(opens, other_end)
    return opens


def _event(item: Any) -> PlannedEvent:
    if not isinstance(item, dict):
        raise MeetingPlanError("meetings: an event is not an object")
    event_id = _identifier(item.get("id"), "event id")
    where = f"meetings: event {event_id}"
    key = item.get("key")
    if not (isinstance(key, str) and len(key) == 2 * KEY_BYTES and re.fullmatch(r"[0-9a-f]+", key)):
        raise MeetingPlanError(f"{where}: its key is not {KEY_BYTES} bytes in hex")
    roster = item.get("roster") or {}
    if not isinstance(roster, dict) or len(roster) > MAX_ROSTER:
        raise MeetingPlanError(f"{where}: the roster must map at most {MAX_ROSTER} tags to cards")
    for tag, card in roster.items():
        if not (_TAG.fullmatch(tag) and isinstance(card, str) and len(card) <= MAX_CARD_HEX
                and re.fullmatch(r"[0-9a-f]*", card)):
            raise MeetingPlanError(f"{where}: the roster holds something that is not a tag and a card")
    return PlannedEvent(event_id, _text(item.get("name"), f"{where}: name"), bytes.fromhex(key),
                        _action(item.get("not_listed", "warn"), f"{where}: not_listed"),
                        _action(item.get("outside_hours", "warn"), f"{where}: outside_hours"), roster)


def _session(item: Any, events: Mapping[str, PlannedEvent]) -> PlannedSession:
    if not isinstance(item, dict):
        raise MeetingPlanError("meetings: a session is not an object")
    session_id = _identifier(item.get("id"), "session id")
    where = f"meetings: session {session_id}"
    event = _identifier(item.get("event"), f"{where}: event")
    if event not in events:
        raise MeetingPlanError(f"{where}: its event {event} is not in the list")
    opens, start, end = (_moment(item.get(name), f"{where}: {name}") for name in ("opens", "start", "end"))
    if not opens <= start < end:
        raise MeetingPlanError(f"{where}: it must open before it starts and start before it ends")
    return PlannedSession(session_id, event, _text(item.get("name"), f"{where}: name"),
                          _text(item.get("room", ""), f"{where}: room", empty=True), opens, start, end)


def _identifier(value: Any, what: str) -> str:
    if not (isinstance(value, str) and _ID.fullmatch(value)):
        raise MeetingPlanError(f"meetings: the {what} is not a short identifier")
    return value


def _text(value: Any, what: str, empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or (not empty and not value.strip()):
        raise MeetingPlanError(f"{what}: expected a text of at most {MAX_TEXT} characters")
    if hidden_in(value):
        raise MeetingPlanError(f"{what}: holds a character no reader can see")
    return value


def _action(value: Any, what: str) -> str:
    if value not in ACTIONS:
        raise MeetingPlanError(f"{what}: expected one of {', '.join(ACTIONS)}")
    return value


def _moment(value: Any, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise MeetingPlanError(f"{what}: expected an ISO 8601 time with its zone")
    return moment
