"""An event's attendance report, read from the database: its sessions, their stations, its participants and
the entries those stations stored, put through the one rule of server.meetings.attendance.

Entries are read per session, those of its stations in its widest window only (on PostgreSQL the entries
are partitioned by month of scanned_at, so the window also picks the partitions). Entries a kiosk sent late
after being offline are simply there by the next report: nothing is cached.
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone, tzinfo
from operator import attrgetter
from typing import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.contract import Outcome
from kiosk.meetings.plan import opening
from server.meetings.attendance import (EventReport, ListedPerson, Scan, SessionRules,
                                        session_attendance)
from server.meetings.errors import MeetingError
from server.stations import as_utc, name_key
from server.tables import entries, event_session_stations, event_sessions, events, participants

MOST_NAMES_SHOWN = 10  # session names listed in the message about an unknown one


def load_report(engine: Engine, event_id: int, session: str | None = None,
                zone: tzinfo | None = None) -> EventReport:
    """The event's report, or of its session named `session` alone; times are shown in `zone` (default:
    the server's). Raises MeetingError for an unknown event or session."""
    if zone is None:
        from server.tracing.rules import server_zone  # imports the app: only when no zone is given

        zone = server_zone()
    with engine.connect() as conn, _without_cycle_collection():
        event = conn.execute(sa.select(events).where(events.c.id == event_id)).first()
        if event is None:
            raise MeetingError(f"Không có sự kiện số {event_id}.", f"There is no event {event_id}.")
        chosen = _chosen_sessions(conn, event_id, session)
        listed = _listed(conn, event_id)
        rows, summaries = [], []
        for together in _overlapping(_rules(conn, event, chosen)):
            at_stations = _by_station(_scans(conn, together))
            for rules in together:
                session_rows, summary = session_attendance(rules, listed, _within(at_stations, rules))
                rows.extend(session_rows)
                summaries.append(summary)
    return EventReport(event.name, datetime.now(timezone.utc), zone, tuple(summaries), tuple(rows))


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A large report makes some two hundred thousand objects, all of them kept and none in a cycle: the
    collector's passes over them found nothing and took a third of the time in a busy server process."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chosen_sessions(conn: Connection, event_id: int, name: str | None) -> list[sa.Row]:
    rows = conn.execute(sa.select(event_sessions).where(event_sessions.c.event_id == event_id)
                        .order_by(event_sessions.c.starts_at, event_sessions.c.id)).all()
    if name is None:
        return rows
    wanted = name_key(name)
    chosen = [row for row in rows if name_key(row.name) == wanted]
    if not chosen:
        known = ", ".join(row.name for row in rows[:MOST_NAMES_SHOWN]) + (", …" if len(rows) > MOST_NAMES_SHOWN else "")
        raise MeetingError(f"Sự kiện không có phiên nào tên «{name}» (các phiên: {known or 'chưa có'}).",
                           f'The event has no session named "{name}" (its sessions: {known or "none yet"}).')
    return chosen


def _listed(conn: Connection, event_id: int) -> list[ListedPerson]:
    rows = conn.execute(sa.select(participants.c.id, participants.c.name, participants.c.organisation,
                                  participants.c.group_name, participants.c.person_keys)
                        .where(participants.c.event_id == event_id))
    people = [ListedPerson(row.id, row.name, row.organisation, row.group_name,
                           frozenset(key for key in row.person_keys or () if isinstance(key, str)))
              for row in rows]
    return sorted(people, key=lambda person: (name_key(person.name), person.id))


def _rules(conn: Connection, event: sa.Row, sessions: list[sa.Row]) -> list[SessionRules]:
    """Each session's rules; a station's next session may be another event's, which is why all the
    sessions of these stations are read."""
    ids = [row.id for row in sessions]
    stations_of: dict[int, set[int]] = defaultdict(set)
    for row in conn.execute(sa.select(event_session_stations).where(event_session_stations.c.session_id.in_(ids))):
        stations_of[row.session_id].add(row.station_id)
    used = sorted({station for stations in stations_of.values() for station in stations})
    # station -> its sessions as (start, id, end, opens_before), in order
    at_stations: dict[int, list[tuple[datetime, int, datetime, timedelta]]] = defaultdict(list)
    for row in conn.execute(
            sa.select(event_session_stations.c.station_id, event_sessions.c.id, event_sessions.c.starts_at,
                      event_sessions.c.ends_at, events.c.opens_before_minutes)
            .join(event_sessions, event_sessions.c.id == event_session_stations.c.session_id)
            .join(events, events.c.id == event_sessions.c.event_id)
            .where(event_session_stations.c.station_id.in_(used))):
        at_stations[row.station_id].append((as_utc(row.starts_at), row.id, as_utc(row.ends_at),
                                            timedelta(minutes=row.opens_before_minutes)))
    for held in at_stations.values():
        held.sort()

    def opens_at(station: int, session: tuple[datetime, int, datetime, timedelta]) -> datetime:
        others = [(start, end) for start, session_id, end, _ in at_stations[station] if session_id != session[1]]
        return opening(session[0], session[3], others)

    rules = []
    for row in sessions:
        start, end = as_utc(row.starts_at), as_utc(row.ends_at)
        this = (start, row.id, end, timedelta(minutes=event.opens_before_minutes))
        station_opens, next_opens = {}, {}
        for station in stations_of[row.id]:
            station_opens[station] = opens_at(station, this)
            later = [item for item in at_stations[station] if (item[0], item[1]) > (start, row.id)]
            if later:
                next_opens[station] = opens_at(station, later[0])
        rules.append(SessionRules(row.name, row.room, start, end, min(station_opens.values(), default=start),
                                  timedelta(minutes=event.late_after_minutes),
                                  timedelta(minutes=event.early_leave_minutes),
                                  frozenset(stations_of[row.id]), next_opens, station_opens))
    return rules


def _overlapping(sessions: list[SessionRules]) -> list[list[SessionRules]]:
    """The sessions in runs whose widest windows overlap (back-to-back plenaries, parallel rooms): each run
    is read from the database once, not each of its entries once per session that can see it."""
    runs: list[list[SessionRules]] = []
    until = None
    for rules in sorted(sessions, key=lambda rules: rules.opens):
        if runs and rules.opens < until:
            runs[-1].append(rules)
            until = max(until, rules.until)
        else:
            runs.append([rules])
            until = rules.until
    return runs  # in the sessions' order: an event's sessions all open the same minutes before they start


def _by_station(scans: Iterable[Scan]) -> dict[int, tuple[list[datetime], list[Scan]]]:
    """Scans by station, in time order, with their times alongside for bisecting."""
    at_stations: dict[int, list[Scan]] = defaultdict(list)
    for scan in sorted(scans, key=attrgetter("scanned_at")):
        at_stations[scan.station].append(scan)
    return {station: ([scan.scanned_at for scan in its], its) for station, its in at_stations.items()}


def _within(at_stations: dict[int, tuple[list[datetime], list[Scan]]], rules: SessionRules) -> list[Scan]:
    """The scans of the session's stations in its widest window (the rule cuts the rest)."""
    found: list[Scan] = []
    for station in rules.stations:
        times, scans = at_stations.get(station, ((), ()))
        found += scans[bisect_left(times, rules.opens):bisect_left(times, rules.until)]
    return found


def _scans(conn: Connection, sessions: list[SessionRules]) -> Iterable[Scan]:
    """The entries of the sessions' stations from the first opening to the last window's end; refusals are
    left in the database (the rule drops them anyway)."""
    stations = sorted({station for rules in sessions for station in rules.stations})
    if not stations:
        return []
    sqlite = conn.dialect.name == "sqlite"
    # SQLite hands back text that SQLAlchemy parses with a regular expression; fromisoformat is C, and
    # with the zone written on it makes the aware moment in one call.
    scanned = (sa.type_coerce(entries.c.scanned_at, sa.String) + "+00:00") if sqlite else entries.c.scanned_at
    query = (sa.select(entries.c.station_id, scanned, entries.c.direction, entries.c.verdict,
                       entries.c.person_key, entries.c.linked_key, entries.c.display_name,
                       _listed_participant(conn.dialect.name))
             .where(entries.c.station_id.in_(stations), entries.c.scanned_at >= min(rules.opens for rules in sessions),
                    entries.c.scanned_at < max(rules.until for rules in sessions),
                    entries.c.verdict != Outcome.REFUSE.value))
    moment = datetime.fromisoformat if sqlite else as_utc
    return [Scan(station, moment(scanned_at), direction, verdict, person_key, linked_key, display_name,
                 listed if isinstance(listed, str) else None)
            for station, scanned_at, direction, verdict, person_key, linked_key, display_name, listed
            in conn.execute(query).all()]


def _listed_participant(dialect: str) -> sa.ColumnElement:
    """server.meetings.attendance.listed_participant, asked of the database: the participant named by the
    first `meeting.listed` reason that names one as a non-empty string. Decoding every entry's reasons in
    Python took a third of a large report's time."""
    if dialect == "postgresql":
        return sa.literal_column(
            "jsonb_path_query_first(entries.reasons, '$[*] ? (@.code == \"meeting.listed\" &&"
            " @.params.participant.type() == \"string\" && @.params.participant != \"\").params.participant')"
            " #>> '{}'", sa.String).label("listed")
    # Paths into the whole document (valid JSON), not into each element: an element that is not an object
    # (a bare string, a number) then reads as NULL instead of failing the query as malformed.
    participant = "entries.reasons, reason.fullkey || '.params.participant'"
    anywhere = (f"(SELECT json_extract({participant}) FROM json_each(entries.reasons) AS reason"
                " WHERE json_extract(entries.reasons, reason.fullkey || '.code') = 'meeting.listed'"
                f" AND json_type({participant}) = 'text' AND json_extract({participant}) != ''"
                " ORDER BY reason.id LIMIT 1)")
    # The door writes the listed reason first: asking the first element straight away (and skipping the
    # empty list) halves the query's time; anything else still takes the search above.
    first = "entries.reasons, '$[0].params.participant'"
    return sa.literal_column(
        f"CASE WHEN entries.reasons = '[]' THEN NULL"
        f" WHEN json_extract(entries.reasons, '$[0].code') = 'meeting.listed' AND json_type({first}) = 'text'"
        f" AND json_extract({first}) != '' THEN json_extract({first}) ELSE {anywhere} END", sa.String).label("listed")
