"""The station config's "meetings" part (kiosk.meetings.plan): the sessions a station checks in for, from
a day before to two weeks ahead, with their events' door keys, settings and rosters. A station no
session names gets no part at all, so its config (and ETag) is what it was before meetings existed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kiosk.meetings.plan import MeetingPlan, PlannedEvent, PlannedSession, opening
from server.meetings.events import LONGEST_MINUTES
from server.meetings.listing import EventKeys
from server.stations import StationRecord, as_utc
from server.tables import event_session_stations, event_sessions, events, participants

KEPT_AFTER_END = timedelta(days=1)  # a late queue still finds its session
SENT_AHEAD = timedelta(days=14)  # a station offline for days still switches to meeting mode


def meetings_for(conn: Connection, station: StationRecord, now: datetime | None = None) -> dict[str, Any]:
    """{"meetings": plan} for a station some session names, else {}."""
    now = now or datetime.now(timezone.utc)
    rows = conn.execute(
        sa.select(event_sessions.c.id, event_sessions.c.event_id, event_sessions.c.name, event_sessions.c.room,
                  event_sessions.c.starts_at, event_sessions.c.ends_at, events.c.opens_before_minutes)
        .join(events, events.c.id == event_sessions.c.event_id)
        .join(event_session_stations, event_session_stations.c.session_id == event_sessions.c.id)
        .where(event_session_stations.c.station_id == station.id,
               event_sessions.c.ends_at >= now - KEPT_AFTER_END,
               event_sessions.c.starts_at <= now + SENT_AHEAD + timedelta(minutes=LONGEST_MINUTES))
        .order_by(event_sessions.c.starts_at, event_sessions.c.id)).all()
    sessions = [_session(row, rows) for row in rows]
    sessions = [session for session in sessions if session.opens <= now + SENT_AHEAD]
    if not sessions:
        return {}
    event_ids = sorted({int(session.event) for session in sessions})
    return {"meetings": MeetingPlan(_events(conn, event_ids), tuple(sessions)).to_json()}


def _session(row: sa.Row, at_station: Sequence[sa.Row]) -> PlannedSession:
    """A session as this station holds it; `at_station`: every session of this station sent with it."""
    start = as_utc(row.starts_at)
    others = [(as_utc(other.starts_at), as_utc(other.ends_at)) for other in at_station if other.id != row.id]
    opens = opening(start, timedelta(minutes=row.opens_before_minutes), others)
    return PlannedSession(str(row.id), str(row.event_id), row.name, row.room, opens, start, as_utc(row.ends_at))


def _events(conn: Connection, event_ids: list[int]) -> dict[str, PlannedEvent]:
    rosters: dict[int, dict[str, str]] = {event_id: {} for event_id in event_ids}
    for row in conn.execute(sa.select(participants.c.event_id, participants.c.door)
                            .where(participants.c.event_id.in_(event_ids))):
        rosters[row.event_id].update(row.door)
    planned = {}
    for row in conn.execute(sa.select(events).where(events.c.id.in_(event_ids)).order_by(events.c.id)):
        planned[str(row.id)] = PlannedEvent(str(row.id), row.name, EventKeys.of(row.id).door, row.not_listed,
                                            row.outside_hours, rosters[row.id])
    return planned
