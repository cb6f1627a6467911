"""An event's participants: imported from the organiser's file (preview first; a re-import updates, never
duplicates, never deletes), added one by one, listed, removed.

An import is one transaction: a file that cannot be read, or that would take the event over
MAX_PARTICIPANTS, changes nothing. A participant is recognised again by their match key
(server.meetings.listing.match_key).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from server.database import writing
from server.meetings.badges_issued import revoke_recorded
from server.meetings.errors import MeetingError, Words
from server.meetings.listing import EventKeys, Person, checked_person, door_cards, match_key, stored_columns
from server.meetings.texts import folded
from server.tables import badges, events, participants

if TYPE_CHECKING:  # the file reader (and openpyxl with it) is loaded only by an import, not by every process
    from server.declarations.issuing import DeclarationService
    from server.meetings.participant_file import ParticipantFile

MAX_PARTICIPANTS = 50_000  # per event
COMPARED = ("name", "organisation", "group_name", "id_hint", "phone_hint", "person_keys")
UPDATED = (*COMPARED, "door", "updated_at")  # what a re-import writes of a participant who changed


@dataclass(frozen=True)
class ParticipantRecord:
    id: str
    name: str
    organisation: str
    group: str
    id_number_hint: str  # masked
    phone_hint: str  # masked
    source: str  # "import", "manual" or "door"
    badges: int  # unrevoked badges issued


@dataclass(frozen=True)
class ImportPreview:
    """What an import does (or, as a preview, would do). `file.skipped` also holds the rows that repeat an
    earlier row's participant."""

    file: "ParticipantFile"
    new: int
    updated: int
    unchanged: int
    not_in_file: int  # participants the file does not name: kept, never deleted


@dataclass(frozen=True)
class _Plan:
    preview: ImportPreview
    new: tuple[Person, ...]
    changed: tuple[tuple[str, Person], ...]  # (participant id, person)


def preview_import(engine: Engine, event_id: int, data: bytes, filename: str) -> ImportPreview:
    """What importing the file would do; nothing is changed."""
    file = _read(data, filename)
    keys = EventKeys.of(event_id)
    with engine.connect() as conn:
        _event_row(conn, event_id)
        return _plan(conn, event_id, file, keys.tag).preview


def apply_import(engine: Engine, event_id: int, data: bytes, filename: str) -> ImportPreview:
    """Import the file in one transaction: new participants added, changed ones updated."""
    file = _read(data, filename)
    keys = EventKeys.of(event_id)
    now = datetime.now(timezone.utc)
    with writing(engine) as conn:
        _event_row(conn, event_id, lock=True)
        plan = _plan(conn, event_id, file, keys.tag)
        if plan.new:
            conn.execute(participants.insert(), [_new_row(event_id, person, keys, "import", now)
                                                 for person in plan.new])
        if plan.changed:
            conn.execute(participants.update().where(participants.c.id == sa.bindparam("participant"))
                         .values({name: sa.bindparam(f"new_{name}") for name in UPDATED}),
                         [_changed_row(pid, person, keys, now) for pid, person in plan.changed])
    return plan.preview


def add_participant(engine: Engine, event_id: int, name: str, organisation: str = "", group: str = "",
                    id_number: str = "", phone: str = "") -> str:
    """Add one participant; MeetingError when something typed is wrong or they are listed already."""
    person = checked_person(name, organisation, group, id_number, phone)
    keys = EventKeys.of(event_id)
    now = datetime.now(timezone.utc)
    with writing(engine) as conn:
        _event_row(conn, event_id, lock=True)
        row = _new_row(event_id, person, keys, "manual", now)
        if conn.execute(sa.select(participants.c.id).where(participants.c.event_id == event_id,
                                                           participants.c.match_key == row["match_key"])).first():
            raise MeetingError(f"{person.name} đã có trong danh sách của sự kiện.",
                               f"{person.name} is on the event's list already.")
        _refuse_too_many(conn, event_id, 1)
        conn.execute(participants.insert().values(**row))
    return row["id"]


def participants_of(engine: Engine, event_id: int, search: str = "", offset: int = 0,
                    limit: int = 100) -> list[ParticipantRecord]:
    """The event's participants by name; `search` finds a part of the name or organisation, case and
    accents aside ("nguyen van" finds "Nguyễn Văn An")."""
    unrevoked = (sa.select(badges.c.participant_id, sa.func.count().label("badges"))
                 .where(badges.c.revoked_at.is_(None)).group_by(badges.c.participant_id).subquery())
    query = (sa.select(participants.c.id, participants.c.name, participants.c.organisation,
                       participants.c.group_name, participants.c.id_hint, participants.c.phone_hint,
                       participants.c.source, unrevoked.c.badges)
             .outerjoin(unrevoked, unrevoked.c.participant_id == participants.c.id)
             .where(participants.c.event_id == event_id)
             .order_by(participants.c.name, participants.c.id))
    wanted = folded(search.strip())
    with engine.connect() as conn:
        _event_row(conn, event_id)
        if not wanted:
            rows = conn.execute(query.offset(max(offset, 0)).limit(max(limit, 0))).all()
        else:
            found = [row for row in conn.execute(query)
                     if wanted in folded(row.name) or wanted in folded(row.organisation)]
            rows = found[max(offset, 0):max(offset, 0) + max(limit, 0)]
    return [ParticipantRecord(row.id, row.name, row.organisation, row.group_name, row.id_hint,
                              row.phone_hint, row.source, row.badges or 0) for row in rows]


def remove_participant(engine: Engine, participant_id: str, declarations: "DeclarationService") -> None:
    """Take a participant off their event's list; their badges are revoked first (kiosks refuse them after
    their next sync)."""
    with writing(engine) as conn:
        if conn.execute(sa.select(participants.c.id).where(participants.c.id == participant_id)).first() is None:
            raise MeetingError(f"Không có người tham dự mã {participant_id}.",
                               f"No participant has the id {participant_id!r}.")
        revoke_recorded(conn, declarations, badges.c.participant_id == participant_id)
        conn.execute(participants.delete().where(participants.c.id == participant_id))


def _read(data: bytes, filename: str) -> "ParticipantFile":
    from server.meetings.participant_file import read_participant_file

    return read_participant_file(data, filename)


def _plan(conn: Connection, event_id: int, file: "ParticipantFile", tag: bytes) -> _Plan:
    from server.meetings.participant_file import SkippedRow

    existing = {row.match_key: row for row in conn.execute(
        sa.select(participants.c.id, participants.c.match_key, *(participants.c[name] for name in COMPARED))
        .where(participants.c.event_id == event_id))}
    seen: dict[str, int] = {}
    skipped: list["SkippedRow"] = []
    new: list[Person] = []
    changed: list[tuple[str, Person]] = []
    unchanged = 0
    for row in file.rows:
        try:
            person = checked_person(row.name, row.organisation, row.group, row.id_number, row.phone)
        except MeetingError as problem:
            skipped.append(SkippedRow(row.line, problem.words))
            continue
        key = match_key(person, tag)
        if key in seen:
            skipped.append(SkippedRow(row.line, Words(f"Trùng người ở dòng {seen[key]}.",
                                                      f"The same participant as line {seen[key]}.")))
            continue
        seen[key] = row.line
        before = existing.get(key)
        if before is None:
            new.append(person)
        elif _differs(before, stored_columns(person, before.id, tag)):
            changed.append((before.id, person))
        else:
            unchanged += 1
    total = len(existing) + len(new)
    if total > MAX_PARTICIPANTS:
        raise MeetingError(f"Sự kiện sẽ có {total} người tham dự, quá giới hạn {MAX_PARTICIPANTS}; chưa nhập gì.",
                           f"The event would have {total} participants, over the limit of {MAX_PARTICIPANTS}; "
                           "nothing was imported.")
    if skipped:
        all_skipped = tuple(sorted((*file.skipped, *skipped), key=lambda item: item.line))
        file = replace(file, skipped=all_skipped)
    preview = ImportPreview(file, len(new), len(changed), unchanged, len(existing) - len(changed) - unchanged)
    return _Plan(preview, tuple(new), tuple(changed))


def _differs(before: sa.Row, after: dict) -> bool:
    return any(getattr(before, name) != after[name] for name in COMPARED)


def _new_row(event_id: int, person: Person, keys: EventKeys, source: str, now: datetime) -> dict:
    participant_id = secrets.token_hex(8)
    return {"id": participant_id, "event_id": event_id, **stored_columns(person, participant_id, keys.tag),
            "door": door_cards(person, participant_id, keys.door), "source": source, "created_at": now,
            "updated_at": now}


def _changed_row(participant_id: str, person: Person, keys: EventKeys, now: datetime) -> dict:
    columns = {**stored_columns(person, participant_id, keys.tag),
               "door": door_cards(person, participant_id, keys.door), "updated_at": now}
    return {"participant": participant_id, **{f"new_{name}": columns[name] for name in UPDATED}}


def _event_row(conn: Connection, event_id: int, lock: bool = False) -> None:
    """MeetingError for an unknown event; with `lock`, its row is locked until the transaction ends (one
    import or addition at a time per event: PostgreSQL; SQLite's write lock does the same)."""
    query = sa.select(events.c.id).where(events.c.id == event_id)
    if conn.execute(query.with_for_update() if lock else query).first() is None:
        raise MeetingError(f"Không có sự kiện mã {event_id}.", f"No event has the id {event_id}.")


def _refuse_too_many(conn: Connection, event_id: int, adding: int) -> None:
    count = conn.execute(sa.select(sa.func.count()).select_from(participants)
                         .where(participants.c.event_id == event_id)).scalar_one()
    if count + adding > MAX_PARTICIPANTS:
        raise MeetingError(f"Sự kiện đã có {count} người tham dự, tối đa {MAX_PARTICIPANTS}.",
                           f"The event has {count} participants; at most {MAX_PARTICIPANTS}.")
