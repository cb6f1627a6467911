"""The record of every trace asked: who, as what, through which door (cli, api, dashboard), for which case,
the window and how many contacts were found. The person traced is kept masked and as the key the trace
searched, which the server stores tagged (server.sealing_store.stored_key): never in clear, so the log
cannot be read back into ID numbers, but the traces of one person are found by tagging their key again
(`traces_of`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kiosk.tracing.identity import keys_for_query
from kiosk.tracing.masking import mask_person_key
from kiosk.tracing.report import Trace
from server.sealing_store import stored_key
from server.stations import as_utc
from server.tables import trace_audit

VIAS = ("cli", "api", "dashboard")


@dataclass(frozen=True)
class AuditRecord:
    id: int
    asked_at: datetime
    asked_by: str
    role: str
    via: str  # one of VIAS
    searched: str  # the tagged key searched, masked ("cccd:#3f2a9c01"): no digit of the number is kept
    person_tag: str  # the first key searched, as stored: a tagged key ("cccd:#3f2a9c01...")
    case_number: str
    since: datetime
    until: datetime
    min_minutes: float
    padding: bool
    contacts: int


def record_trace(conn: Connection, result: Trace, *, asked_at: datetime, asked_by: str, role: str, via: str,
                 case_number: str) -> None:
    conn.execute(trace_audit.insert().values(
        asked_at=_utc(asked_at), asked_by=asked_by[:100], role=role, via=via, searched=mask_person_key(result.identity.keys[0]),
        person_tag=result.identity.keys[0], case_number=case_number,
        since=_utc(result.window.since), until=_utc(result.window.until), min_minutes=result.min_minutes,
        padding=result.padding, contacts=result.contacts.total))


def audit_log(conn: Connection, *, limit: int = 100, offset: int = 0) -> list[AuditRecord]:
    """The traces asked, newest first."""
    rows = conn.execute(sa.select(trace_audit).order_by(trace_audit.c.id.desc()).limit(limit).offset(offset))
    return [_record(row) for row in rows]


def traces_of(conn: Connection, person: str, *, limit: int = 100) -> list[AuditRecord]:
    """The traces asked of a person, typed as for a trace (an ID number, a QID, a person key), newest first.
    TraceProblem when the text names no person."""
    keys = [stored_key(key) for key in keys_for_query(person)]
    rows = conn.execute(sa.select(trace_audit).where(trace_audit.c.person_tag.in_(keys))
                        .order_by(trace_audit.c.id.desc()).limit(limit))
    return [_record(row) for row in rows]


def _record(row: sa.Row) -> AuditRecord:
    return AuditRecord(row.id, as_utc(row.asked_at), row.asked_by, row.role, row.via, row.searched, row.person_tag,
                       row.case_number, as_utc(row.since), as_utc(row.until), row.min_minutes, row.padding,
                       row.contacts)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)  # SQLite keeps the clock time only
