"""The record of every trace asked: who, as what, through which door (cli, api, dashboard), for which case,
the window and how many contacts were found. The person traced is kept masked and as a keyed tag (HMAC
with the secret of the declarations ledger), never in clear, so the log cannot be read back into ID numbers
but the traces of one person can still be found by tagging their key again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kiosk.tracing.report import Trace
from server import secret_keys
from server.declarations import ledger
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
    searched: str  # masked, as typed
    person_tag: str  # HMAC-SHA256 of the first key searched, hex
    case_number: str
    since: datetime
    until: datetime
    min_minutes: float
    padding: bool
    contacts: int


def person_tag(person_key: str) -> str:
    """The keyed tag of a person key, with the server's ledger secret (created on first use)."""
    return ledger.person_tag(secret_keys.secret("person-tag"), person_key)


def record_trace(conn: Connection, result: Trace, *, asked_at: datetime, asked_by: str, role: str, via: str,
                 case_number: str) -> None:
    conn.execute(trace_audit.insert().values(
        asked_at=_utc(asked_at), asked_by=asked_by[:100], role=role, via=via, searched=result.identity.searched,
        person_tag=person_tag(result.identity.keys[0]), case_number=case_number,
        since=_utc(result.window.since), until=_utc(result.window.until), min_minutes=result.min_minutes,
        padding=result.padding, contacts=result.contacts.total))


def audit_log(conn: Connection, *, limit: int = 100, offset: int = 0) -> list[AuditRecord]:
    """The traces asked, newest first."""
    rows = conn.execute(sa.select(trace_audit).order_by(trace_audit.c.id.desc()).limit(limit).offset(offset))
    return [AuditRecord(row.id, as_utc(row.asked_at), row.asked_by, row.role, row.via, row.searched,
                        row.person_tag, row.case_number, as_utc(row.since), as_utc(row.until), row.min_minutes,
                        row.padding, row.contacts) for row in rows]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)  # SQLite keeps the clock time only
