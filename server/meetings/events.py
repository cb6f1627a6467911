"""Events and their sessions: when each session is, in which room, and which stations check in for it.

Two sessions at one station may not overlap from start to end: the door could not tell which one a person
came for. Back to back they may: a station opens for a session the event's opens_before_minutes ahead of
its start, but never before the previous session there has ended (kiosk.meetings.plan.opening).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.meetings.plan import ACTIONS
from server.database import writing
from server.meetings.errors import MeetingError, Words
from server.meetings.texts import typed_text
from server.stations import as_utc, name_key
from server.tables import event_session_stations, event_sessions, events, participants, stations
from server.tracing.rules import server_zone

EVENT_NAME = Words("tên sự kiện", "event's name")
SESSION_NAME = Words("tên phiên", "session's name")
ROOM = Words("phòng", "room")
LONGEST_MINUTES = 24 * 60
KNOWN_SHOWN = 20  # station names listed when one is unknown


@dataclass(frozen=True)
class EventRecord:
    id: int
    name: str
    created_at: datetime
    not_listed: str  # "warn" or "refuse": what the door says to someone not on the list
    outside_hours: str  # likewise, outside a session's hours
    opens_before_minutes: int
    late_after_minutes: int
    early_leave_minutes: int

    @property
    def opens_before(self) -> timedelta:
        return timedelta(minutes=self.opens_before_minutes)


@dataclass(frozen=True)
class EventSummary:
    id: int
    name: str
    sessions: int
    participants: int
    first_start: datetime | None
    last_end: datetime | None


@dataclass(frozen=True)
class SessionRecord:
    id: int
    name: str
    room: str
    starts_at: datetime
    ends_at: datetime
    stations: tuple[str, ...]


def add_event(engine: Engine, name: str, *, not_listed: str = "warn", outside_hours: str = "warn") -> int:
    """A new event; its name must not be another event's (the command line finds events by name)."""
    name = typed_text(name, EVENT_NAME)
    values = {"not_listed": _action(not_listed, "--not-listed"), "outside_hours": _action(outside_hours,
                                                                                          "--outside-hours")}
    with writing(engine) as conn:
        if conn.execute(sa.select(events.c.id).where(events.c.name == name)).first():
            raise MeetingError(f"Đã có sự kiện tên «{name}».", f"An event named {name!r} exists already.")
        return conn.execute(events.insert().values(name=name, created_at=datetime.now(timezone.utc), **values)
                            .returning(events.c.id)).scalar_one()


def set_event(engine: Engine, event_id: int, *, not_listed: str | None = None, outside_hours: str | None = None,
              opens_before: int | None = None, late_after: int | None = None,
              early_leave: int | None = None) -> EventRecord:
    """Change an event's settings (None: unchanged); stations get them at their next sync."""
    values = {}
    if not_listed is not None:
        values["not_listed"] = _action(not_listed, "--not-listed")
    if outside_hours is not None:
        values["outside_hours"] = _action(outside_hours, "--outside-hours")
    for column, minutes, option in (("opens_before_minutes", opens_before, "--opens-before"),
                                    ("late_after_minutes", late_after, "--late-after"),
                                    ("early_leave_minutes", early_leave, "--early-leave")):
        if minutes is not None:
            values[column] = _minutes(minutes, option)
    with writing(engine) as conn:
        event = event_in(conn, event_id)
        if values:
            conn.execute(events.update().where(events.c.id == event.id).values(**values))
        return event_in(conn, event.id)


def find_event(engine: Engine, ref: str) -> EventRecord:
    """The event whose id or exact name is `ref`."""
    with engine.connect() as conn:
        wanted = ref.strip()
        by_id = event_in(conn, int(wanted), missing_ok=True) if wanted.isascii() and wanted.isdigit() else None
        by_name = conn.execute(sa.select(events).where(events.c.name == typed_text(wanted, EVENT_NAME))).all()
    found = {event.id: event for event in [*([by_id] if by_id else []), *map(_event, by_name)]}
    if len(found) > 1:
        raise MeetingError(f"«{wanted}» vừa là mã vừa là tên của sự kiện khác nhau; dùng mã.",
                           f"{wanted!r} is the id of one event and the name of another; use the id.")
    if not found:
        raise MeetingError(f"Không có sự kiện nào có mã hoặc tên «{wanted}».",
                           f"No event has the id or name {wanted!r}.")
    return next(iter(found.values()))


def event_in(conn: Connection, event_id: int, *, missing_ok: bool = False) -> EventRecord | None:
    row = conn.execute(sa.select(events).where(events.c.id == event_id)).first()
    if row is None and not missing_ok:
        raise MeetingError(f"Không có sự kiện mã {event_id}.", f"No event has the id {event_id}.")
    return _event(row) if row else None


def list_events(engine: Engine) -> list[EventSummary]:
    """Every event, with how many sessions and participants it has and when it runs, oldest first."""
    session_counts = (sa.select(event_sessions.c.event_id, sa.func.count().label("sessions"),
                                sa.func.min(event_sessions.c.starts_at).label("first_start"),
                                sa.func.max(event_sessions.c.ends_at).label("last_end"))
                      .group_by(event_sessions.c.event_id).subquery())
    participant_counts = (sa.select(participants.c.event_id, sa.func.count().label("participants"))
                          .group_by(participants.c.event_id).subquery())
    query = (sa.select(events.c.id, events.c.name, session_counts.c.sessions, session_counts.c.first_start,
                       session_counts.c.last_end, participant_counts.c.participants)
             .outerjoin(session_counts, session_counts.c.event_id == events.c.id)
             .outerjoin(participant_counts, participant_counts.c.event_id == events.c.id)
             .order_by(events.c.id))
    with engine.connect() as conn:
        return [EventSummary(row.id, row.name, row.sessions or 0, row.participants or 0,
                             as_utc(row.first_start), as_utc(row.last_end)) for row in conn.execute(query)]


def add_session(engine: Engine, event_id: int, name: str, start: datetime, end: datetime, stations: Sequence[str],
                room: str = "") -> int:
    """A session of the event at these stations (active ones, by name). Refused, with nothing stored, when
    it ends before it starts, its name is taken in the event, or it overlaps another session at one of
    its stations. A time without a zone is in the server's."""
    name = typed_text(name, SESSION_NAME)
    room = typed_text(room, ROOM, required=False)
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise MeetingError(f"Phiên «{name}» kết thúc trước khi bắt đầu.", f"The session {name!r} ends before it "
                                                                          "starts.")
    with writing(engine) as conn:
        event = event_in(conn, event_id)
        station_ids = _station_ids(conn, stations)
        if conn.execute(sa.select(event_sessions.c.id).where(event_sessions.c.event_id == event.id,
                                                             event_sessions.c.name == name)).first():
            raise MeetingError(f"Sự kiện đã có phiên «{name}».", f"The event has a session named {name!r} already.")
        _refuse_overlap(conn, station_ids, start, end)
        session_id = conn.execute(event_sessions.insert().values(
            event_id=event.id, name=name, room=room, starts_at=start, ends_at=end).returning(event_sessions.c.id)
        ).scalar_one()
        conn.execute(event_session_stations.insert(), [{"session_id": session_id, "station_id": station_id}
                                                       for station_id in station_ids.values()])
    return session_id


def sessions_of(engine: Engine, event_id: int) -> list[SessionRecord]:
    """The event's sessions by start time, each with its stations' names."""
    with engine.connect() as conn:
        event_in(conn, event_id)
        rows = conn.execute(sa.select(event_sessions).where(event_sessions.c.event_id == event_id)
                            .order_by(event_sessions.c.starts_at, event_sessions.c.id)).all()
        names: dict[int, list[str]] = {row.id: [] for row in rows}
        for link in conn.execute(sa.select(event_session_stations.c.session_id, stations.c.name)
                                 .join(stations, stations.c.id == event_session_stations.c.station_id)
                                 .where(event_session_stations.c.session_id.in_(names))
                                 .order_by(stations.c.name)):
            names[link.session_id].append(link.name)
    return [SessionRecord(row.id, row.name, row.room, as_utc(row.starts_at), as_utc(row.ends_at),
                          tuple(names[row.id])) for row in rows]


def local_moment(text: str, option: str, zone: tzinfo) -> datetime:
    """A time typed as ISO 8601 ("2026-12-03T08:00"); without a zone, in `zone` (the server's)."""
    try:
        moment = datetime.fromisoformat(text.strip())
        moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
        moment.astimezone(timezone.utc)  # stored in UTC: nothing before the year 1 or after 9999 there
    except (ValueError, OverflowError):
        raise MeetingError(f"{option}: «{text[:40]}» không phải thời điểm ISO 8601 (vd. 2026-12-03T08:00).",
                           f"{option}: {text[:40]!r} is not an ISO 8601 time (e.g. 2026-12-03T08:00).") from None
    return moment


def _station_ids(conn: Connection, names: Sequence[str]) -> dict[str, int]:
    """The active stations named, by name; MeetingError naming the unknown ones and the known ones."""
    active = {name_key(row.name): (row.name, row.id) for row in conn.execute(
        sa.select(stations.c.id, stations.c.name).where(stations.c.revoked_at.is_(None)))}
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if not wanted:
        raise MeetingError("Một phiên cần ít nhất một trạm.", "A session needs at least one station.")
    unknown = [name for name in wanted if name_key(name) not in active]
    if unknown:
        known = sorted(name for name, _ in active.values())
        shown = ", ".join(known[:KNOWN_SHOWN]) + (", …" if len(known) > KNOWN_SHOWN else "")
        raise MeetingError(f"Không có trạm đang hoạt động tên {', '.join(unknown)}; các trạm: {shown or 'chưa có'}.",
                           f"No active station is named {', '.join(unknown)}; the stations are: {shown or 'none'}.")
    return {active[name_key(name)][0]: active[name_key(name)][1] for name in wanted}


def _refuse_overlap(conn: Connection, station_ids: dict[str, int], start: datetime, end: datetime) -> None:
    """MeetingError when another session at one of these stations runs at some time in [start, end)."""
    row = conn.execute(
        sa.select(event_sessions.c.name, events.c.name.label("event"), stations.c.name.label("station"))
        .join(events, events.c.id == event_sessions.c.event_id)
        .join(event_session_stations, event_session_stations.c.session_id == event_sessions.c.id)
        .join(stations, stations.c.id == event_session_stations.c.station_id)
        .where(event_session_stations.c.station_id.in_(list(station_ids.values())),
               event_sessions.c.ends_at > start, event_sessions.c.starts_at < end)
        .order_by(event_sessions.c.starts_at)).first()
    if row is not None:
        raise MeetingError(
            f"Trạm {row.station} đã dùng cho phiên «{row.name}» ({row.event}) trong khoảng thời gian này.",
            f"The station {row.station} checks in for the session {row.name!r} ({row.event}) at that time.")


def _event(row: sa.Row) -> EventRecord:
    return EventRecord(row.id, row.name, as_utc(row.created_at), row.not_listed, row.outside_hours,
                       row.opens_before_minutes, row.late_after_minutes, row.early_leave_minutes)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=server_zone())
    return moment.astimezone(timezone.utc)


def _action(value: str, option: str) -> str:
    if value not in ACTIONS:
        raise MeetingError(f"{option} chỉ nhận {' hoặc '.join(ACTIONS)}.", f"{option} takes {' or '.join(ACTIONS)}.")
    return value


def _minutes(value: int, option: str) -> int:
    if not 0 <= value <= LONGEST_MINUTES:
        raise MeetingError(f"{option}: từ 0 đến {LONGEST_MINUTES} phút.",
                           f"{option}: from 0 to {LONGEST_MINUTES} minutes.")
    return value
