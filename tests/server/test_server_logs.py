"""Personal data never reaches the server's log, and the server's files are its owner's alone."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from factories import make_entry
from server.admins import add_admin
from server.database import make_engine, migrate
from server.sealing_store import stored_key
from server.stations import add_station

from dashboard_login import log_in
from processes import REPO, ServerProcess

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

PERSONAL = ("NGUYEN VAN AN", "0912345678", "1990-01-31")


def test_a_database_error_quoting_the_row_stays_out_of_the_log(postgres_schema_url, tmp_path):
    engine = make_engine(postgres_schema_url)
    migrate(engine)
    _station, token = add_station(engine, "Cổng nhật ký")
    entry = make_entry(1, station="Cổng nhật ký")
    with engine.begin() as conn:  # PostgreSQL refuses this row and quotes all of it: "Failing row contains"
        conn.execute(sa.text(f"ALTER TABLE entries ADD CONSTRAINT refuse_one CHECK (person_key <> "
                             f"'{stored_key(entry.person_key)}')"))
    server = ServerProcess(postgres_schema_url, tmp_path / "server.log").start()
    try:
        answer = requests.post(f"{server.url}/api/v1/entries", json={"entries": [entry.to_json()]},
                               headers={"Authorization": f"Bearer {token}"}, timeout=10)
    finally:
        server.stop()
        engine.dispose()
    log = (tmp_path / "server.log").read_text()

    # The failure is logged by its kind (or the entry is refused on its own, with a reason).
    assert "CheckViolation" in log or (answer.status_code == 200 and answer.json()["rejected"] == 1)
    for personal in (*PERSONAL, entry.person_key):
        assert personal not in log and personal not in answer.text


def test_a_searched_person_key_stays_out_of_the_log(server, engine):
    add_admin(engine, "quan-tri", "mật-khẩu-dài-1")
    browser = requests.Session()
    log_in(browser, server.url, "quan-tri", "mật-khẩu-dài-1")

    found = browser.get(f"{server.url}/dashboard/entries", params={"person_key": "qid:162900000000000042"},
                        timeout=10)

    assert found.status_code == 200
    assert "162900000000000042" not in server.log_path.read_text()


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_the_servers_files_are_readable_by_their_owner_only(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "KIOSK_SERVER_DATA_DIR": str(data)}
    env.pop("KIOSK_SERVER_DB", None)
    for command in (["station", "add", "Cổng quyền"], ["declaration-key-rotate"]):
        done = subprocess.run([sys.executable, "-m", "server", *command], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr

    created = [p for p in (tmp_path / "xdg").rglob("*")] + [p for p in data.rglob("*")]
    assert any(p.name == "server.sqlite3" for p in created) and any(p.is_file() for p in data.rglob("*"))
    assert [p for p in created if not _private(p)] == []


def test_a_sqlite_file_is_private_however_the_server_is_started(tmp_path):
    previous = os.umask(0o022)  # the usual umask, whatever the test runner's
    try:
        engine = make_engine(str(tmp_path / "direct.sqlite3"))
        migrate(engine)
        engine.dispose()
    finally:
        os.umask(previous)
    assert _private(tmp_path / "direct.sqlite3")
