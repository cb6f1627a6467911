"""The watch list, kept so that neither a copy of the database nor a station's token gives it away.

An entry is stored under the server's tagged key (found again by typing the key), shown masked, its note
sealed to the health authority. For every week from its addition to its end it gets a row of `watch_tags`:
its tag under that week's watch key and its note closed to the person's own key, both computed when it is
added (kiosk.sealing.tags), so the server never needs the clear key again. A station downloads this week's
and next week's keys and the rows of those two weeks: it recognises a listed person when their code is in
front of it, and cannot list anyone; a stolen token gives two weeks of tags, no key, no note.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.contract import WATCH_ACTIONS
from kiosk.sealing.authority import AuthorityKeySet
from kiosk.sealing.boxes import close_box, open_box
from kiosk.sealing.seal import LOCAL_KID, Sealed, seal_entry
from kiosk.sealing.tags import derive, seal_note, watch_tag, watch_week_key
from kiosk.sealing.weeks import WEEK, week_of, weeks_between
from kiosk.tracing.identity import keys_for_query
from kiosk.tracing.masking import mask_person_key
from kiosk.tracing.request import TraceProblem
from server import secret_keys
from server.authority_keys import published_key_set
from server.database import writing
from server.sealing_store import stored_key as _stored_key
from server.stations import AdminRequestError, StationRecord, as_utc
from server.tables import watch_list, watch_tags
from server.typed_text import hidden_character_problem

DEFAULT_LENGTH = timedelta(weeks=52)
LONGEST = timedelta(weeks=5 * 52)
NOTE_CONTENT_VERSION = 1


@dataclass(frozen=True)
class WatchEntry:
    masked: str  # the key as typed, masked ("cccd:••••••••2345")
    action: str
    added_at: datetime
    until: datetime
    has_note: bool


def watch(engine: Engine, person: str, action: str, note: str = "", until: datetime | None = None,
          now: datetime | None = None) -> WatchEntry:
    """Add (or replace) an entry until `until` (default: 52 weeks). A note is stored only sealed to the
    authority: without a published key set covering this week it is refused, with a sentence."""
    if action not in WATCH_ACTIONS:
        raise AdminRequestError(f"The action must be one of {', '.join(WATCH_ACTIONS)}.")
    person, note = person.strip(), unicodedata.normalize("NFC", note.strip())
    problem = hidden_character_problem("watch-list key", person) or hidden_character_problem("note", note)
    if problem or not person:
        raise AdminRequestError(problem or "The watch-list key is empty.")
    person_key = person_key_of(person)
    now = now or datetime.now(timezone.utc)
    until = until or now + DEFAULT_LENGTH
    if not now < until <= now + LONGEST:
        raise AdminRequestError("The end of a watch-list entry must be in the future, at most 5 years ahead.")
    note_box = None
    if note:
        note_box = _sealed_note(published_key_set(), person_key, note, now)
        if note_box is None:
            raise AdminRequestError("A note is stored only sealed to the health authority: publish the authority "
                                    "key first (kiosk-server authority publish), or add the entry without --note.")
    row, tags = entry_rows(person_key, action, note, now, until, note_box)
    with writing(engine) as conn:
        _delete(conn, row["person_key"])
        conn.execute(watch_list.insert().values(**row))
        conn.execute(watch_tags.insert(), tags)
    return WatchEntry(row["masked"], action, now, until, bool(note))


def unwatch(engine: Engine, person: str) -> None:
    """Remove the entry of a key typed again (it is tagged and looked up)."""
    stored = _stored_key(person_key_of(person.strip()))
    with writing(engine) as conn:
        if _delete(conn, stored) == 0:
            raise AdminRequestError(f"{mask_person_key(person.strip())} is not on the watch list.")


def watched(engine: Engine) -> list[WatchEntry]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(watch_list).order_by(watch_list.c.added_at, watch_list.c.person_key))
        return [WatchEntry(r.masked, r.action, as_utc(r.added_at), as_utc(r.until), r.note_sealed is not None)
                for r in rows]


def until_date(text: str) -> datetime:
    """`--until 2027-06-30`: the entry holds through that day (UTC)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise AdminRequestError(f"{text!r} is not a date (YYYY-MM-DD).") from None
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=timezone.utc)


def watch_for(conn: Connection, _station: StationRecord, now: datetime | None = None) -> dict[str, Any]:
    """The station config's "watch": this week's and next week's keys, and the entries' rows of those
    weeks (the format kiosk.station_config reads, ISSUE 11)."""
    now = now or datetime.now(timezone.utc)
    weeks = (week_of(now), week_of(now + WEEK))
    rows = conn.execute(
        sa.select(watch_tags.c.week, watch_tags.c.tag, watch_tags.c.note, watch_list.c.action)
        .join(watch_list, watch_list.c.person_key == watch_tags.c.person_key)
        .where(watch_tags.c.week.in_(weeks), watch_list.c.until > now)
        .order_by(watch_tags.c.week, watch_tags.c.tag)).all()
    root = secret_keys.secret("watch-root")
    return {"watch": {"weeks": {week: watch_week_key(root, week).hex() for week in weeks},
                      "entries": [{"week": r.week, "tag": r.tag, "action": r.action, "note": r.note}
                                  for r in rows]}}


def entry_rows(person_key: str, action: str, note: str, added_at: datetime, until: datetime,
               note_box: Sealed | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The watch_list row and the watch_tags rows of one entry (also used by migration 0011)."""
    stored = _stored_key(person_key)
    root = secret_keys.secret("watch-root")
    tags = []
    for week in weeks_between(added_at, until):
        week_key = watch_week_key(root, week)
        tags.append({"person_key": stored, "week": week, "tag": watch_tag(week_key, person_key),
                     "note": seal_note(week_key, person_key, note) if note else ""})
    row = {"person_key": stored, "masked": mask_person_key(person_key), "action": action, "added_at": added_at,
           "until": until, "note_sealed": note_box.box if note_box else None,
           "note_kid": note_box.kid if note_box else None}
    return row, tags


def converted_note(person_key: str, note: str, moment: datetime) -> Sealed:
    """A note of an entry converted by migration 0011: sealed to the published key, else boxed under the
    server's pending-box secret (kid "local") until one is published (reseal_watch_notes)."""
    sealed = _sealed_note(published_key_set(), person_key, note, moment)
    if sealed is not None:
        return sealed
    content = json.dumps(_note_content(person_key, note), ensure_ascii=False).encode("utf-8")
    return Sealed(LOCAL_KID, close_box(_pending_key(), content, _bound(_stored_key(person_key))))


def reseal_watch_notes(engine: Engine, key_set: AuthorityKeySet, now: datetime | None = None) -> int:
    """Seal to `key_set` the notes boxed while no authority key was published; returns how many."""
    now = now or datetime.now(timezone.utc)
    with writing(engine) as conn:
        rows = conn.execute(sa.select(watch_list.c.person_key, watch_list.c.note_sealed)
                            .where(watch_list.c.note_kid == LOCAL_KID)).all()
        pending_key = _pending_key() if rows else b""
        done = 0
        for row in rows:
            content = json.loads(open_box(pending_key, row.note_sealed, _bound(row.person_key)))
            sealed = seal_entry(content, key_set, now, _bound(row.person_key))
            if sealed is None:
                continue  # the key set does not cover this week: left boxed for the next one
            conn.execute(watch_list.update().where(watch_list.c.person_key == row.person_key)
                         .values(note_sealed=sealed.box, note_kid=sealed.kid))
            done += 1
    return done


def _sealed_note(key_set: AuthorityKeySet | None, person_key: str, note: str, moment: datetime) -> Sealed | None:
    if key_set is None:
        return None
    return seal_entry(_note_content(person_key, note), key_set, moment, _bound(_stored_key(person_key)))


def _note_content(person_key: str, note: str) -> Mapping[str, Any]:
    return {"v": NOTE_CONTENT_VERSION, "watch": True, "person_key": person_key, "note": note}


def _bound(stored_key: str) -> str:
    """What a sealed note is bound to: its entry (as kiosk.sealing.seal binds a box to an entry id)."""
    return f"watch:{stored_key}"


def _pending_key() -> bytes:
    return derive(secret_keys.secret("pending-box"), "watch-note")


def person_key_of(person: str) -> str:
    """A typed key ("cccd:001099012345", "qid:…") or bare number as the doors key that person."""
    try:
        return keys_for_query(person)[0]
    except TraceProblem as problem:
        raise AdminRequestError(problem.message.text("en")) from None


def _delete(conn: Connection, stored: str) -> int:
    conn.execute(watch_tags.delete().where(watch_tags.c.person_key == stored))
    return conn.execute(watch_list.delete().where(watch_list.c.person_key == stored)).rowcount

