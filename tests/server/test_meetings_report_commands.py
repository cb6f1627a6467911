"""`kiosk-server event report` and `event badges` end to end, on SQLite and PostgreSQL: the JSON lines
automation reads, the summary table, files written owner-only, badges recorded as issued."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from commands import kiosk_server
from meeting_files import AN, BINH, participant_csv
from server.meetings.service import add_event, add_session, apply_import, participants_of
from server.tables import badges

pytestmark = pytest.mark.slow  # a kiosk-server process per command


def _held_event(engine, station: str, hours_ago: int = 3) -> tuple[int, str]:
    """An event whose one session is over, with two participants nobody saw."""
    name = f"Tập huấn {uuid.uuid4().hex[:6]}"
    event_id = add_event(engine, name)
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=hours_ago)
    add_session(engine, event_id, "Phiên sáng", start, start + timedelta(hours=2), [station], room="Phòng 2")
    apply_import(engine, event_id, participant_csv([AN, BINH]), "danh-sach.csv")
    return event_id, name


def test_the_report_as_json_lines_a_table_and_an_owner_only_file(database_url, engine, new_station, tmp_path):
    event_id, name = _held_event(engine, new_station().name)

    as_json = kiosk_server(database_url, "event", "report", name, "--json")
    as_table = kiosk_server(database_url, "event", "report", str(event_id), "--session", "Phiên sáng")
    as_csv = kiosk_server(database_url, "event", "report", name, "--csv", str(tmp_path / "bao-cao.csv"))
    unknown = kiosk_server(database_url, "event", "report", name, "--session", "Phiên tối")

    assert as_json.returncode == 0, as_json.stderr
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert sorted((r["name"], r["session"], r["status"], r["minutes"]) for r in rows) == [
        (AN.name, "Phiên sáng", "absent", 0), (BINH.name, "Phiên sáng", "absent", 0)]
    header, row = as_table.stdout.splitlines()
    assert header.split("\t")[:4] == ["session", "room", "time", "listed"]
    assert row.split("\t")[0:2] == ["Phiên sáng", "Phòng 2"] and row.split("\t")[3:] == ["2", "0", "0", "0", "0",
                                                                                         "2", "0"]
    assert as_csv.returncode == 0, as_csv.stderr
    assert (tmp_path / "bao-cao.csv").stat().st_mode & 0o777 == 0o600
    assert (unknown.returncode, unknown.stdout) == (2, "") and len(unknown.stderr.splitlines()) == 1


def test_badges_are_written_owner_only_and_recorded_and_need_a_session(database_url, engine, new_station, tmp_path):
    event_id, name = _held_event(engine, new_station().name, hours_ago=1)
    out = tmp_path / "the.pdf"

    done = kiosk_server(database_url, "event", "badges", name, "--out", str(out), "--layout", "label")
    no_sessions = kiosk_server(database_url, "event", "badges", _unscheduled_event(engine), "--out",
                               str(tmp_path / "none.pdf"))

    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF") and out.stat().st_mode & 0o777 == 0o600
    ids = {p.id for p in participants_of(engine, event_id)}
    with engine.connect() as conn:
        issued = conn.execute(sa.select(badges.c.participant_id).where(badges.c.participant_id.in_(ids))).all()
    assert sorted(row.participant_id for row in issued) == sorted(ids)
    assert (no_sessions.returncode, no_sessions.stdout) == (2, "") and "no session" in no_sessions.stderr
    assert not (tmp_path / "none.pdf").exists()


def _unscheduled_event(engine) -> str:
    name = f"Sự kiện chưa xếp lịch {uuid.uuid4().hex[:6]}"
    add_event(engine, name)
    return name
