"""A made-up case and the people around them, uploaded to a real server through the kiosks' API, for the
trace API and dashboard tests (and the dashboard's screenshots, with more people).

The case (ID number 001099012345) is at the hospital's hall from T to T+60 (an exit scan), then at a
location whose administrator named it like a spreadsheet formula from T+120 (no exit: the default stay of
2 hours). Around them, in the tests' small version:
  hall:    p1 from T+10, no exit (50 min with the case, tier 15); p2 T+48..T+80 (12 min, tier 10);
           p3 T-30..T+4 (4 min, tier any); p5 T+300..T+310 (after the case left: no contact)
  formula: p4 T+200..T+230 (30 min, tier 15)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

import requests
import sqlalchemy as sa

from factories import T0, make_entry
from kiosk.entry import Direction
from kiosk.tracing.masking import mask_person_key
from server.admins import add_admin, issue_api_token
from server.roles import Role
from server.sealing_store import stored_key
from server.stations import add_station

CASE_ID = "001099012345"
CASE_KEY = f"cccd:{CASE_ID}"
HALL = "Bệnh viện Đa khoa – sảnh A"
FORMULA_LOCATION = '=HYPERLINK("http://x")'
T = T0


def person(n: int) -> str:
    return f"qid:1629{n:014d}"


# (person, location, minutes after T in, minutes after T out or None): the tests' small version
SMALL = [
    (CASE_KEY, HALL, 0, 60), (person(1), HALL, 10, None), (person(2), HALL, 48, 80), (person(3), HALL, -30, 4),
    (person(5), HALL, 300, 310), (CASE_KEY, FORMULA_LOCATION, 120, None), (person(4), FORMULA_LOCATION, 200, 230),
]


def shown(key: str) -> str:
    """A person as a trace shows them: the server's tag of their key, masked."""
    return mask_person_key(stored_key(key))


def expected() -> dict[str, tuple[str, int, str]]:
    """The contacts, by their key as the trace shows it: (location, minutes, tier)."""
    return {shown(person(n)): contact for n, contact in (
        (1, (HALL, 50, "15")), (2, (HALL, 12, "10")), (3, (HALL, 4, "any")), (4, (FORMULA_LOCATION, 30, "15")))}


@dataclass(frozen=True)
class Visit:
    person_key: str
    location: str
    enter: float  # minutes after T
    leave: float | None
    name: str = "NGUYEN V** A*"


def upload_visits(engine: sa.Engine, server_url: str, visits: list[Visit | tuple]) -> None:
    """A station per location (Cổng 1, Cổng 2, ...) uploads the scans of the visits there."""
    visits = [v if isinstance(v, Visit) else Visit(*v) for v in visits]
    for n, location in enumerate(dict.fromkeys(v.location for v in visits), start=1):
        station, token = add_station(engine, f"Cổng {n}", location)
        batch = []
        for visit in (v for v in visits if v.location == location):
            batch.append(_scan(visit, station.name, visit.enter, Direction.IN))
            if visit.leave is not None:
                batch.append(_scan(visit, station.name, visit.leave, Direction.OUT))
        answer = requests.post(f"{server_url}/api/v1/entries", json={"entries": batch},
                               headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["accepted"] == len(batch), answer.text


def _scan(visit: Visit, station: str, minutes: float, direction: Direction) -> dict:
    entry = make_entry(at=T + timedelta(minutes=minutes), direction=direction, person=visit.person_key,
                       station=station)
    return dataclasses.replace(entry, display_name=visit.name).to_json()


PASSWORD = "mật-khẩu-dài-3"
USERS = ("truy-vết", "quản-trị", "nhà-a")  # a tracer, an administrator, the hall's own administrator


def add_users_and_upload(engine: sa.Engine, server_url: str) -> dict[str, str]:
    """A user per role, each with an API token (by user name), and the small case uploaded."""
    add_admin(engine, "truy-vết", PASSWORD, Role.TRACER)
    add_admin(engine, "quản-trị", PASSWORD, Role.ADMIN)
    add_admin(engine, "nhà-a", PASSWORD, Role.SITE, [HALL])
    upload_visits(engine, server_url, SMALL)
    return {name: issue_api_token(engine, name)[1] for name in USERS}
