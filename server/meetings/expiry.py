"""Events leave the server with the entries they were attended by: an event whose last session ended
before the retention's cut-off (one with no session: created before it) goes with its participants,
badges and sessions, in the retention purge (server/retention.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.tables import event_sessions, events, participants


def purge_participants(conn: Connection, cutoff: datetime) -> int:
    """Delete the participants (and, with them, their badges) of the events past the cut-off."""
    return conn.execute(participants.delete().where(participants.c.event_id.in_(_past(cutoff)))).rowcount


def purge_events(conn: Connection, cutoff: datetime) -> int:
    """Delete the events past the cut-off (their sessions and anything left of them go with them)."""
    return conn.execute(events.delete().where(events.c.id.in_(_past(cutoff)))).rowcount


def _past(cutoff: datetime) -> sa.Select:
    last_end = (sa.select(sa.func.max(event_sessions.c.ends_at)).where(event_sessions.c.event_id == events.c.id)
                .scalar_subquery())
    return sa.select(events.c.id).where(sa.or_(last_end < cutoff,
                                               sa.and_(last_end.is_(None), events.c.created_at < cutoff)))
