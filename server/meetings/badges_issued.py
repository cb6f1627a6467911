"""Badges: each participant's signed QR (kiosk.meetings.badge_code, `MB1:`), signed with the declaration
keys so that kiosks verify it offline with the key set they already download. Every badge is recorded by
its id (cti); revoking one lists it in the keyring's revocation list, which stations get at their next
sync (revoked_declarations), until the badge would have expired anyway.

A badge is valid until a day after the event's last session ends. Printing one is not an attendance.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.meetings.badge_code import Badge, encode
from server.database import writing
from server.meetings.errors import MeetingError
from server.meetings.events import event_in
from server.stations import as_utc
from server.tables import badges, event_sessions, participants

if TYPE_CHECKING:
    from server.declarations.issuing import DeclarationService
    from server.meetings.badge_sheets import PrintedBadge

CTI_BYTES = 8
VALID_AFTER_EVENT = timedelta(days=1)
UNKNOWN_SHOWN = 5


def issue_badges(engine: Engine, event_id: int, declarations: "DeclarationService",
                 participant_ids: Sequence[str] | None = None, replace: bool = False) -> list["PrintedBadge"]:
    """A signed badge for each participant of the event (or those named), by name; with `replace`, their
    earlier badges are revoked. Refused while the event has no session, or once it is over."""
    from server.meetings.badge_sheets import PrintedBadge

    now = declarations.clock()
    with writing(engine) as conn:
        event = event_in(conn, event_id)
        expires_at = _expiry(conn, event.id, now)
        listed = conn.execute(sa.select(participants.c.id, participants.c.name, participants.c.organisation,
                                        participants.c.group_name)
                              .where(participants.c.event_id == event.id)
                              .order_by(participants.c.name, participants.c.id)).all()
        chosen = _chosen(listed, participant_ids)
        if replace:
            revoke_recorded(conn, declarations, badges.c.participant_id.in_(
                sa.select(participants.c.id).where(participants.c.event_id == event.id)) if participant_ids is None
                else badges.c.participant_id.in_([row.id for row in chosen]))
        key = declarations.keyring().signing_key()
        printed, records = [], []
        for row in chosen:
            cti = secrets.token_bytes(CTI_BYTES)
            code = encode(Badge(str(event.id), row.id, row.name), key=key.private_key, kid=key.kid,
                          issuer=declarations.settings.issuer, issued_at=now, expires_at=expires_at, cti=cti)
            printed.append(PrintedBadge(event.name, row.name, row.organisation, row.group_name, code))
            records.append({"cti": cti.hex(), "participant_id": row.id, "issued_at": now, "expires_at": expires_at})
        if records:
            conn.execute(badges.insert(), records)
    return printed


def revoke_recorded(conn: Connection, declarations: "DeclarationService", which: sa.ColumnElement[bool]) -> int:
    """Revoke the unrevoked badges `which` selects: listed for the kiosks first, then marked in the record
    (a failure in between leaves a badge refused at the doors, never one still accepted). Returns how many."""
    unrevoked = sa.and_(which, badges.c.revoked_at.is_(None))
    rows = conn.execute(sa.select(badges.c.cti, badges.c.expires_at).where(unrevoked)).all()
    if rows:
        declarations.revoke_until({bytes.fromhex(row.cti): as_utc(row.expires_at) for row in rows})
        conn.execute(badges.update().where(unrevoked).values(revoked_at=declarations.clock()))
    return len(rows)


def _expiry(conn: Connection, event_id: int, now: datetime) -> datetime:
    last_end = as_utc(conn.execute(sa.select(sa.func.max(event_sessions.c.ends_at))
                                   .where(event_sessions.c.event_id == event_id)).scalar())
    if last_end is None:
        raise MeetingError("Sự kiện chưa có phiên nào: thêm phiên trước khi in thẻ.",
                           "The event has no session yet: add its sessions before printing badges.")
    if last_end + VALID_AFTER_EVENT <= now:
        raise MeetingError("Sự kiện đã kết thúc: không cấp thẻ mới.", "The event is over: no new badges.")
    return last_end + VALID_AFTER_EVENT


def _chosen(listed: Sequence[sa.Row], participant_ids: Sequence[str] | None) -> list[sa.Row]:
    if participant_ids is None:
        return list(listed)
    wanted = set(participant_ids)
    unknown = sorted(wanted - {row.id for row in listed})
    if unknown:
        shown = ", ".join(unknown[:UNKNOWN_SHOWN]) + (", …" if len(unknown) > UNKNOWN_SHOWN else "")
        raise MeetingError(f"Không phải người tham dự của sự kiện này: {shown}.",
                           f"Not participants of this event: {shown}.")
    return [row for row in listed if row.id in wanted]
