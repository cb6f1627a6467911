"""Events leave with the retention, on SQLite and PostgreSQL: one whose last session ended before the cut-off
goes with its participants, badges and sessions; one still within it stays whole."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
import sqlalchemy as sa

from meeting_files import AN, BINH
from server.database import make_engine, migrate, writing
from server.meetings.service import add_event, add_participant, add_session, list_events, participants_of
from server.retention import purge
from server.stations import add_station
from server.tables import badges, event_session_stations, event_sessions, events, participants

NOW = datetime.now(timezone.utc)


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(fresh_database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _event(engine: sa.Engine, name: str, last_end: datetime) -> int:
    event_id = add_event(engine, name)
    add_session(engine, event_id, "Phiên toàn thể", last_end - timedelta(hours=3), last_end, ["Hội trường A"])
    for person in (AN, BINH):
        add_participant(engine, event_id, person.name, person.organisation, person.group, person.id_number,
                        person.phone)
    with writing(engine) as conn:  # a badge printed for it back then
        for number, participant in enumerate(participants_of(engine, event_id)):
            conn.execute(badges.insert().values(cti=f"{event_id:08x}{number:08x}", participant_id=participant.id,
                                                issued_at=last_end - timedelta(days=7),
                                                expires_at=last_end + timedelta(days=1)))
    return event_id


def test_an_event_past_the_retention_goes_whole_and_a_recent_one_stays(engine):
    add_station(engine, "Hội trường A")
    cutoff = NOW - timedelta(days=28)
    old = _event(engine, "Tập huấn tháng trước", cutoff - timedelta(minutes=1))
    recent = _event(engine, "Hội nghị tuần này", cutoff + timedelta(hours=4))
    never_held = add_event(engine, "Sự kiện chưa có phiên")
    planned = add_event(engine, "Sự kiện mới tạo")
    with writing(engine) as conn:
        conn.execute(events.update().where(events.c.id == never_held).values(created_at=cutoff - timedelta(days=1)))

    rehearsal = purge(engine, NOW, dry_run=True)
    report = purge(engine, NOW)

    assert (rehearsal.removed["events"], rehearsal.removed["participants"]) == (2, 2)
    assert (report.removed["events"], report.removed["participants"]) == (2, 2)
    assert [event.id for event in list_events(engine)] == [recent, planned]
    with engine.connect() as conn:
        left = {table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in (participants, badges, event_sessions, event_session_stations)}
    assert left == {"participants": 2, "badges": 2, "event_sessions": 1, "event_session_stations": 1}
    assert old not in [event.id for event in list_events(engine)]
    assert purge(engine, NOW).removed["events"] == 0
