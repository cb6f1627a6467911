"""What a station downloads of the meetings it checks in for, through the real API of a server process on
SQLite and PostgreSQL: the sessions and rosters of a station a session names, nothing for one it does not,
a roster that opens with the right person key and no other, an ETag that follows the list, and revoked
badges in the revoked ids the kiosks already refuse."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from kiosk.meetings.badge_code import check
from kiosk.meetings.keys import badge_key, id_number_key, phone_key
from kiosk.meetings.plan import MeetingPlan
from kiosk.meetings.roster import open_card
from kiosk.trust import TrustList
from meeting_files import AN, BINH, CUONG
from server.declarations.issuing import DeclarationService
from server.meetings.service import (add_event, add_participant, add_session, issue_badges,
                                     meetings_for, participants_of, remove_participant)
from server.stations import list_stations

pytestmark = pytest.mark.slow  # a server process per back-end

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _config(server, token: str, etag: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", **({"If-None-Match": etag} if etag else {})}
    response = requests.get(f"{server.url}/api/v1/station/config", headers=headers, timeout=30)
    assert response.status_code in (200, 304), response.text
    return response


def _event_at(engine, station_name: str, start: datetime) -> int:
    event_id = add_event(engine, f"Hội nghị {uuid.uuid4().hex[:6]}", not_listed="refuse")
    add_session(engine, event_id, "Phiên toàn thể", start, start + timedelta(hours=3), [station_name],
                room="Hội trường A")
    return event_id


def test_a_station_named_in_a_session_gets_its_list_and_one_not_named_gets_nothing(server, engine, new_station):
    hall, gate = new_station(), new_station()
    event_id = _event_at(engine, hall.name, NOW + timedelta(hours=2))
    for person in (AN, BINH):
        add_participant(engine, event_id, person.name, person.organisation, person.group, person.id_number,
                        person.phone)

    plan = MeetingPlan.from_json(_config(server, hall.token).json()["meetings"])

    assert "meetings" not in _config(server, gate.token).json()
    [session] = plan.sessions
    assert (session.event, session.name, session.room) == (str(event_id), "Phiên toàn thể", "Hội trường A")
    assert (session.opens, session.start, session.end) == (NOW + timedelta(minutes=90), NOW + timedelta(hours=2),
                                                           NOW + timedelta(hours=5))
    event = plan.events[str(event_id)]
    assert (event.not_listed, event.outside_hours) == ("refuse", "warn")
    ids = {p.name: p.id for p in participants_of(engine, event_id)}
    an = event.card_for([id_number_key(AN.id_number)])
    assert (an.participant, an.name, an.organisation, an.group) == (ids[AN.name], "Nguyễn V. A.", AN.organisation,
                                                                    AN.group)
    assert event.card_for([phone_key(AN.phone)]) == an == event.card_for([badge_key(ids[AN.name])])
    assert event.card_for([phone_key(BINH.phone)]).participant == ids[BINH.name]
    assert event.card_for([id_number_key(CUONG.id_number), "cccd:001099012346", phone_key("0912345679")]) is None
    assert len(event.roster) == 5  # An: ID, phone, badge; Bình: phone, badge
    # Each card opens with its own person key only: a tag and a card say nothing without it.
    keys = [id_number_key(AN.id_number), phone_key(AN.phone), badge_key(ids[AN.name]), phone_key(BINH.phone),
            badge_key(ids[BINH.name])]
    opened = [[open_card(event.key, key, card) is not None for key in keys] for card in event.roster.values()]
    assert sorted(map(sum, opened)) == [1] * 5



def test_back_to_back_sessions_in_one_room_open_one_after_the_other(server, engine, new_station):
    """The afternoon's queue is counted from the moment the morning ends, never while it runs: the door
    always knows which session a person came for."""
    hall = new_station()
    event_id = _event_at(engine, hall.name, NOW + timedelta(hours=2))  # 2 h to 5 h from now
    add_session(engine, event_id, "Phiên chiều", NOW + timedelta(hours=5, minutes=10), NOW + timedelta(hours=7),
                [hall.name])

    morning, afternoon = MeetingPlan.from_json(_config(server, hall.token).json()["meetings"]).sessions

    assert morning.opens == NOW + timedelta(minutes=90)  # half an hour ahead, nothing before it
    assert afternoon.opens == morning.end  # not 20 minutes before its start: the morning runs until then

def test_the_etag_follows_the_list_and_a_station_without_sessions_keeps_its_config(server, engine, new_station):
    hall = new_station()
    before_meetings = _config(server, hall.token)
    assert _config(server, hall.token, before_meetings.headers["ETag"]).status_code == 304
    event_id = _event_at(engine, hall.name, NOW + timedelta(days=1))

    with_session = _config(server, hall.token, before_meetings.headers["ETag"])
    add_participant(engine, event_id, CUONG.name, CUONG.organisation, id_number=CUONG.id_number)
    with_cuong = _config(server, hall.token, with_session.headers["ETag"])

    assert with_session.status_code == 200 and with_session.json()["meetings"]["events"][0]["roster"] == {}
    assert with_cuong.status_code == 200 and len(with_cuong.json()["meetings"]["events"][0]["roster"]) == 2
    assert _config(server, hall.token, with_cuong.headers["ETag"]).status_code == 304
    assert {k: v for k, v in with_cuong.json().items() if k != "meetings"} == before_meetings.json()


def test_sessions_are_sent_from_two_weeks_ahead_until_a_day_after_they_end(engine, new_station):
    hall = new_station()
    event_id = _event_at(engine, hall.name, NOW)  # 30 minutes before: opens; 3 hours after: ends
    with engine.connect() as conn:
        station = next(s for s in list_stations(conn) if s.name == hall.name)
        seen = {label: bool(meetings_for(conn, station, moment)) for label, moment in {
            "15 days before it opens": NOW - timedelta(days=15, minutes=30),
            "14 days before it opens": NOW - timedelta(days=14, minutes=30),
            "during": NOW + timedelta(hours=1),
            "23 hours after the end": NOW + timedelta(hours=3 + 23),
            "25 hours after the end": NOW + timedelta(hours=3 + 25)}.items()}
    assert seen == {"15 days before it opens": False, "14 days before it opens": True, "during": True,
                    "23 hours after the end": True, "25 hours after the end": False}
    assert event_id


def test_a_replaced_or_removed_participants_badge_is_revoked_for_the_stations(server, engine, new_station):
    hall = new_station()
    event_id = _event_at(engine, hall.name, NOW + timedelta(hours=1))
    an = add_participant(engine, event_id, AN.name, AN.organisation, id_number=AN.id_number)
    binh = add_participant(engine, event_id, BINH.name, BINH.organisation, phone=BINH.phone)
    declarations = DeclarationService(engine=engine)
    first = {badge.name: badge for badge in issue_badges(engine, event_id, declarations)}

    [reprinted] = issue_badges(engine, event_id, declarations, [an], replace=True)
    remove_participant(engine, binh, declarations)
    config = _config(server, hall.token).json()

    trust = TrustList.from_station_config(config)
    checks = {label: check(badge.code, trust, datetime.now(timezone.utc)) for label, badge in
              (("An's first", first[AN.name]), ("An's reprint", reprinted), ("Bình's", first[BINH.name]))}
    assert {label: (c.signature, c.revoked) for label, c in checks.items()} == {
        "An's first": ("valid", True), "An's reprint": ("valid", False), "Bình's": ("valid", True)}
    revoked = set(config["revoked_declarations"])
    assert {base64.b64encode(c.cti).decode() for c in checks.values() if c.revoked} <= revoked
    assert checks["An's reprint"].badge.participant == an and checks["An's reprint"].badge.event == str(event_id)
    assert checks["An's reprint"].expires_at == NOW + timedelta(hours=4, days=1)
    assert [(p.name, p.badges) for p in participants_of(engine, event_id)] == [(AN.name, 1)]
