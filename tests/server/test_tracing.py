"""Contact tracing on the server, end to end: kiosks upload to a real server process, its builder makes
visits, and `kiosk-server trace` (or run_trace, as the API and the dashboard call it) answers who was there.
On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa

from commands import kiosk_server
from factories import T0, make_entry
from kiosk.contract import Direction, Outcome
from kiosk.entry import Entry
from kiosk.tracing.masking import mask_person_key
from server.sealing_store import stored_key
from server.tables import trace_audit, visit_queue, visits
from server.tracing.audit import audit_log
from server.tracing.builder import drain_all
from server.tracing.query import run_trace

pytestmark = pytest.mark.slow  # real server processes and commands, on SQLite and PostgreSQL

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
POLL_SECONDS = 30


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def new_person(kind: str = "qid") -> str:
    digits = str(uuid.uuid4().int)[:12 if kind == "cccd" else 16]
    return f"{kind}:{digits}"


def new_location() -> str:
    return f"Sảnh {uuid.uuid4().hex[:8]}"


def scan(station, person: str, at: datetime, *, direction: Direction = Direction.IN,
         verdict: Outcome = Outcome.ADMIT, **changes) -> Entry:
    entry = make_entry(at=at, person=person, station=station.name, direction=direction, verdict=verdict)
    return dataclasses.replace(entry, **changes) if changes else entry


def upload(server, station, *batch: Entry) -> None:
    answer = requests.post(f"{server.url}/api/v1/entries", json={"entries": [e.to_json() for e in batch]},
                           headers={"Authorization": f"Bearer {station.token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"accepted"}, answer.text


def trace_json(database_url: str, person: str, *args: str) -> tuple[dict, list[dict]]:
    done = kiosk_server(database_url, "trace", person, "--case", "HC-2026-0042", "--json", *args)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return lines[0]["case"], [line["contact"] for line in lines[1:]]


def local(moment: datetime) -> str:
    return moment.astimezone(HANOI).isoformat(timespec="seconds")


def days_from_now(days: int) -> str:
    return (datetime.now(HANOI) + timedelta(days=days)).isoformat(timespec="minutes")


def trace(engine, person: str, **options):
    options.setdefault("case_number", "HC-2026-0042")
    return run_trace(engine, person, asked_by="tracer-an", role="tracer", via="api", zone=HANOI, **options)


def masked(key: str) -> str:
    return mask_person_key(key)


def shown(key: str) -> str:
    """A person as a trace shows them: the server's tag of their key, masked."""
    return mask_person_key(stored_key(key))


def test_two_doors_of_one_location_make_visits_that_overlap_into_contacts_by_tier(server, database_url,
                                                                                  new_station):
    place = new_location()
    front, back, elsewhere = new_station(place), new_station(place), new_station(new_location())
    case, brief, ten, long, apart, after = (new_person() for _ in range(6))
    upload(server, front, scan(front, case, T0), scan(front, ten, T0 + minutes(30)),
           scan(front, long, T0 - minutes(10)))
    upload(server, back, scan(back, case, T0 + minutes(60), direction=Direction.OUT),
           scan(back, brief, T0 + minutes(5)), scan(back, brief, T0 + minutes(12), direction=Direction.OUT),
           scan(back, ten, T0 + minutes(42), direction=Direction.OUT),
           scan(back, long, T0 + minutes(20), direction=Direction.OUT), scan(back, after, T0 + minutes(61)))
    upload(server, elsewhere, scan(elsewhere, apart, T0 + minutes(6)))

    found, contacts = trace_json(database_url, case)

    assert found["searched"] == masked(case) and found["contacts"] == 3 and not found["capped"]
    assert found["visits"] == [{"location": place, "start": local(T0), "end": local(T0 + minutes(60)),
                                "end_reason": "exit", "minutes": 60}]
    by_person = {c["person"]: (c["location"], c["from"], c["to"], c["minutes"], c["tier"]) for c in contacts}
    assert by_person == {
        shown(brief): (place, local(T0 + minutes(5)), local(T0 + minutes(12)), 7, "any"),
        shown(ten): (place, local(T0 + minutes(30)), local(T0 + minutes(42)), 12, "10"),
        shown(long): (place, local(T0), local(T0 + minutes(20)), 20, "15"),
    }
    assert all(c["name"] == "NGUYEN V** A*" and c["case_visit_start"] == local(T0) for c in contacts)


def test_a_scan_elsewhere_ends_the_visit_and_an_exit_door_ends_it_at_the_exit(server, engine, new_station):
    hall, lab = new_location(), new_location()
    hall_door, lab_door = new_station(hall), new_station(lab)
    walker = new_person()
    upload(server, hall_door, scan(hall_door, walker, T0))
    upload(server, lab_door, scan(lab_door, walker, T0 + minutes(25)),
           scan(lab_door, walker, T0 + minutes(70), direction=Direction.OUT))

    result = trace(engine, walker)

    assert [(v.location, v.start, v.end, v.end_reason.value) for v in result.case_visits] == [
        (hall, T0, T0 + minutes(25), "next_scan"), (lab, T0 + minutes(25), T0 + minutes(70), "exit")]


def test_entries_arriving_late_and_out_of_order_give_the_same_visits(server, engine, new_station):
    place = new_location()
    door, exit_door = new_station(place), new_station(place)
    in_order, late = new_person(), new_person()
    upload(server, door, scan(door, in_order, T0), scan(door, in_order, T0 + minutes(200)))
    upload(server, exit_door, scan(exit_door, in_order, T0 + minutes(40), direction=Direction.OUT))
    # The exit door's kiosk was online first; the entrance's came back days later, its batch reversed.
    upload(server, exit_door, scan(exit_door, late, T0 + minutes(40), direction=Direction.OUT))
    drain_all(engine)
    upload(server, door, scan(door, late, T0 + minutes(200)), scan(door, late, T0))

    visits_of = {person: [(v.start, v.end, v.end_reason.value) for v in trace(engine, person).case_visits]
                 for person in (in_order, late)}

    assert visits_of[late] == visits_of[in_order] == [
        (T0, T0 + minutes(40), "exit"), (T0 + minutes(200), T0 + minutes(320), "default_stay")]


def test_a_locations_default_stay_and_closing_time_end_visits_nobody_scanned_out_of(server, engine,
                                                                                    database_url, new_station):
    short, closing = new_location(), new_location()
    short_door, closing_door = new_station(short), new_station(closing)
    person = new_person()
    upload(server, short_door, scan(short_door, person, T0))
    upload(server, closing_door, scan(closing_door, person, T0 + timedelta(hours=3)))
    assert [v.end_reason.value for v in trace(engine, person).case_visits] == ["default_stay"] * 2

    stay = kiosk_server(database_url, "location", "set", short, "--default-stay", "47")
    # T0 is 08:15 in Hà Nội: the visit at 11:15 ends at 11:30 when the doors close then.
    close = kiosk_server(database_url, "location", "set", closing, "--closing-time", "11:30")

    assert stay.returncode == close.returncode == 0, stay.stderr + close.stderr
    assert "47 min is rounded to 45 min" in stay.stdout and "1 visits" in stay.stdout
    assert f"{closing}\tdefault stay 120 min\tclosing time 11:30" in kiosk_server(
        database_url, "location", "list").stdout
    assert [(v.end - v.start, v.end_reason.value) for v in trace(engine, person).case_visits] == [
        (minutes(45), "default_stay"), (minutes(15), "closing_time")]


@pytest.mark.parametrize("args, sentence", [
    (["--closing-time", "25:00"], "HH:MM on a 24-hour clock"), ([], "Give --default-stay"),
    (["--default-stay", "30", "--closing-time", "7h"], "HH:MM on a 24-hour clock")])
def test_a_location_rule_that_cannot_be_set_says_why(database_url, args, sentence):
    place = new_location()

    done = kiosk_server(database_url, "location", "set", place, *args)

    assert done.returncode == 1 and sentence in done.stderr and "Traceback" not in done.stderr
    assert place not in kiosk_server(database_url, "location", "list").stdout


def test_a_location_rule_reaches_its_kiosks_in_their_settings(server, database_url, new_station):
    place = new_location()
    door = new_station(place)
    assert kiosk_server(database_url, "location", "set", place, "--default-stay", "30", "--closing-time",
                        "22:00").returncode == 0

    config = requests.get(f"{server.url}/api/v1/station/config",
                          headers={"Authorization": f"Bearer {door.token}"}, timeout=30).json()

    assert config["settings"]["default_stay_minutes"] == 30 and config["settings"]["closing_time"] == "22:00"


def test_an_operator_closes_the_visits_open_now(server, engine, database_url, new_station):
    place = new_location()
    door = new_station(place)
    inside, left = new_person(), new_person()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    upload(server, door, scan(door, inside, now - minutes(10)), scan(door, left, now - minutes(30)),
           scan(door, left, now - minutes(20), direction=Direction.OUT))
    drain_all(engine)

    closed = kiosk_server(database_url, "visits", "close", "--location", place)

    assert closed.returncode == 0 and closed.stdout.startswith("1 visits open"), closed.stderr
    [visit] = trace(engine, inside).case_visits
    assert visit.end_reason.value == "operator" and now <= visit.end <= datetime.now(timezone.utc)
    assert trace(engine, left).case_visits[0].end_reason.value == "exit"


def test_a_guard_with_300_visits_gets_an_answer_with_a_capped_contact_list(server, engine, new_station):
    place = new_location()
    door = new_station(place)
    guard, visitors = new_person(), [new_person() for _ in range(40)]
    rounds = [scan(door, guard, T0 + minutes(5 * n)) for n in range(300)]
    upload(server, door, *rounds)
    upload(server, door, *(scan(door, visitor, T0 + minutes(7 * n)) for n, visitor in enumerate(visitors)))

    result = trace(engine, guard, cap=25)

    assert len(result.case_visits) == 300
    assert result.contacts.capped and len(result.contacts.contacts) == 25 and result.contacts.total >= 40


def test_a_qid_linked_to_an_id_number_by_an_unmasked_national_qr_is_traced_by_either(server, engine,
                                                                                     new_station):
    place, other_place = new_location(), new_location()
    door, other_door = new_station(place), new_station(other_place)
    number = str(uuid.uuid4().int)[:12]
    qid = new_person()
    national_qr = scan(door, qid, T0, fields={"id_number": number, "id_number_masked": False})
    chip_card = scan(other_door, f"cccd:{number}", T0 + minutes(90), format="cccd")
    upload(server, door, national_qr)
    upload(server, other_door, chip_card)

    by_number = trace(engine, number)

    assert by_number.identity.keys == (stored_key(f"cccd:{number}"), stored_key(qid))
    assert [v.location for v in by_number.case_visits] == [place, other_place]
    assert trace(engine, qid).identity.keys == (stored_key(qid), stored_key(f"cccd:{number}"))


def test_an_unknown_person_has_no_visits_and_the_trace_is_still_recorded(server, engine, database_url):
    unknown = "001088000001"

    done = kiosk_server(database_url, "trace", unknown, "--case", "HC-unknown-7")

    assert done.returncode == 0, done.stderr
    assert "No visits of ••••••••0001 between" in done.stdout
    record = audit_log(engine.connect(), limit=1)[0]
    assert (record.case_number, record.via, record.role, record.contacts, record.searched) == (
        "HC-unknown-7", "cli", "operator", 0, mask_person_key(record.person_tag))
    assert record.searched.startswith("cccd:#")  # the number's digits are not kept


@pytest.mark.parametrize("args, sentence", [
    (["--from", "2026-11-30T10:00", "--to", "2026-11-30T09:00"], "after it ends"),
    (["--from", days_from_now(2), "--to", days_from_now(3)], "in the future"),
    (["--from", days_from_now(-45), "--to", days_from_now(-40)], "are kept 28 days"),
    (["--from", "yesterday"], "is not a time"),
    (["--min-minutes", "-5"], "is not possible"),
])
def test_a_window_that_cannot_be_answered_says_why_and_exits_2_unrecorded(engine, database_url, args, sentence):
    with engine.connect() as conn:
        recorded = conn.execute(sa.select(sa.func.count()).select_from(trace_audit)).scalar()

    done = kiosk_server(database_url, "trace", "001099012345", "--case", "HC-1", *args)

    assert done.returncode == 2 and sentence in done.stderr and "Traceback" not in done.stderr
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(trace_audit)).scalar() == recorded


@pytest.mark.parametrize("case_number, sentence", [
    ("  ", "Give the case number"), ("x" * 101, "at most 100 characters"), ("HC\u202e-1", "U+202E")])
def test_a_trace_without_a_usable_case_number_is_refused(engine, case_number, sentence):
    from kiosk.tracing.request import TraceProblem

    with pytest.raises(TraceProblem) as refused:
        trace(engine, "001099012345", case_number=case_number)

    assert sentence in refused.value.message.text("en") and refused.value.message.text("vi")


def test_the_builder_in_the_server_process_drains_the_queue_without_a_trace(server, engine, new_station):
    place = new_location()
    door = new_station(place)
    person = new_person()

    upload(server, door, scan(door, person, T0 + minutes(3)))

    def built() -> bool:
        with engine.connect() as conn:
            queued = conn.execute(sa.select(sa.func.count()).select_from(visit_queue)).scalar()
            made = conn.execute(sa.select(visits.c.end_reason).where(visits.c.person_key == stored_key(person))).all()
        return queued == 0 and [row.end_reason for row in made] == ["default_stay"]

    assert wait_until(built), "the server's builder did not build the visit"


def test_the_audit_log_keeps_no_id_number_in_clear(server, engine, new_station):
    number = "079188004321"
    trace(engine, number, case_number="HC-audit-1")

    with engine.connect() as conn:
        rows = conn.execute(sa.select(trace_audit)).all()

    dumped = " ".join(str(value) for row in rows for value in row)
    assert "HC-audit-1" in dumped and number not in dumped and number[:8] not in dumped
    [this] = [row for row in rows if row.case_number == "HC-audit-1"]
    assert this.searched.startswith("cccd:#")
    assert not any("•" in row.searched for row in rows)  # no trace keeps a digit of the number searched


def wait_until(condition: Callable[[], bool], seconds: float = POLL_SECONDS) -> bool:
    """Poll the database until `condition` holds, at most `seconds` (nothing signals across processes)."""
    tick, deadline = threading.Event(), time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        tick.wait(0.05)
    return condition()
