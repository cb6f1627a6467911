"""Participants' ID numbers and phones are nowhere in clear, on SQLite and PostgreSQL: after an import, a
participant added by hand, badges and a station's download, every byte of the database (its SQLite files or
a pg_dump), the server's log and the station's config is searched for them; the log and the config hold no
full name either (the door's cards carry the masked name, closed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from commands import kiosk_server
from meeting_files import AN, BINH, CUONG, Attendee, participant_csv
from personal_data import found_in, name_forms, pg_dump_bytes, sqlite_bytes
from processes import ServerProcess
from server.database import make_engine, migrate
from server.declarations.issuing import DeclarationService
from server.meetings.service import add_event, add_participant, add_session, issue_badges
from server.stations import add_station

pytestmark = pytest.mark.slow  # a server process and a command per back-end

DUNG = Attendee("Phạm Thị Dung", "Sở Y tế", "", "001188000222", "0987654321")


def _numbers(people: tuple[Attendee, ...]) -> set[bytes]:
    numbers = {value for p in people for value in (p.id_number, p.phone) if value}
    return {n.encode() for n in numbers} | {("+84" + n[1:]).encode() for n in numbers if n.startswith("0")}


def _database_bytes(url: str) -> bytes:
    return sqlite_bytes(Path(urlsplit(url).path)) if url.startswith("sqlite") else pg_dump_bytes(url)


def test_no_number_of_a_participant_is_in_clear_in_the_database_the_log_or_a_download(fresh_database_url, tmp_path,
                                                                                      monkeypatch):
    folders = {"KIOSK_SERVER_DATA_DIR": str(tmp_path / "data"), "KIOSK_SERVER_KEYS_DIR": str(tmp_path / "keys")}
    for name, value in folders.items():
        monkeypatch.setenv(name, value)
    engine = make_engine(fresh_database_url)
    migrate(engine)
    _, token = add_station(engine, "Hội trường A")
    event_id = add_event(engine, "Hội nghị tổng kết")
    start = datetime.now(timezone.utc) + timedelta(hours=1)
    add_session(engine, event_id, "Phiên toàn thể", start, start + timedelta(hours=3), ["Hội trường A"])
    listed = tmp_path / "danh-sach.csv"
    listed.write_bytes(participant_csv([AN, BINH, CUONG]))
    imported = kiosk_server(fresh_database_url, "event", "import", str(event_id), str(listed))
    assert imported.returncode == 0, imported.stderr
    listed.unlink()  # the organiser's own file is theirs; what the server keeps is searched below
    add_participant(engine, event_id, DUNG.name, DUNG.organisation, id_number=DUNG.id_number, phone=DUNG.phone)
    issue_badges(engine, event_id, DeclarationService(engine=engine))
    server = ServerProcess(fresh_database_url, tmp_path / "server.log", folders).start()
    try:
        config = requests.get(f"{server.url}/api/v1/station/config", headers={"Authorization": f"Bearer {token}"},
                              timeout=30)
    finally:
        server.stop()
    engine.dispose()

    people = (AN, BINH, CUONG, DUNG)
    assert config.status_code == 200 and "meetings" in config.json()
    assert found_in(_database_bytes(fresh_database_url), _numbers(people)) == set()
    names = {form for p in people for form in name_forms(p.name)}
    for where, data in (("log", (tmp_path / "server.log").read_bytes()), ("config", config.content),
                        ("command output", (imported.stdout + imported.stderr).encode())):
        assert found_in(data, _numbers(people) | (names if where != "command output" else set())) == set(), where
    assert found_in(_database_bytes(fresh_database_url), name_forms(AN.name))  # the organiser's list is kept
