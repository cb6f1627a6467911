"""What tracing keeps is purged with the entries: the steps server.retention runs after them.

Visits, queued rows and links go with the entries they come from. The audit log goes last: a trace's record
is kept until every entry its window covered is gone, so a trace can always be accounted for while the data
it saw exists.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from kiosk.tracing.visits import MAX_STAY
from server.tables import person_links, trace_audit, visit_closures, visit_queue, visits


def purge_visits(conn: Connection, cutoff: datetime) -> int:
    """Delete visits that ended before `cutoff`, and the queued rows, links and closures as old; returns the
    visits deleted."""
    deleted = conn.execute(visits.delete().where(visits.c.ended_at < cutoff)).rowcount
    conn.execute(visit_queue.delete().where(visit_queue.c.scanned_at < cutoff))
    conn.execute(person_links.delete().where(person_links.c.seen_at < cutoff))
    # A closure can still end a visit that started up to MAX_STAY before it.
    conn.execute(visit_closures.delete().where(visit_closures.c.at < cutoff - MAX_STAY))
    return deleted


def purge_audit(conn: Connection, cutoff: datetime) -> int:
    """Delete the records of traces whose whole window lies before `cutoff` (the entries' cutoff: now minus
    the retention), so a record outlives every entry it concerns; returns how many."""
    return conn.execute(trace_audit.delete().where(trace_audit.c.until < cutoff)).rowcount
