"""`kiosk-server trace --key`: the authority's private key reveals the contacts a trace returns, exactly
those, after recording the unsealing; without the key, and in every export, nothing is in clear.

The remote mode (`--server URL`, a tracer's token) is the authority's: the server releases the contacts'
sealed boxes to the token, audited before it answers, and the key opens them in the command's process on a
machine with no database and no server secret. The local mode does the same on a database at hand.

The case of trace_case.py is uploaded to a real server process whose data directory holds the published
authority key set, with each visitor's own name, phone and address (made up).
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import os
import re
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import subprocess
import sys

import pytest
import requests
import sqlalchemy as sa

from authority_cli import authority_cli
from dashboard_login import log_in
from factories import make_entry
from kiosk.entry import Direction
from kiosk.sealing.authority import generate_private_key, write_private_key
from kiosk.sealing.weeks import week_of
from kiosk.sealing.seal import LOCAL_KID
from kiosk.tracing.report import FORMULA_STARTS
from server.tracing.remote import TOKEN_ENV
from processes import REPO, ServerProcess
from server.admins import add_admin, issue_api_token
from server.roles import Role
from server.authority_keys import store_key_set
from server.stations import add_station
from server.tables import unseal_audit
from server.tracing.exports import csv_bytes, xlsx_bytes
from server.tracing.query import run_trace
from trace_case import CASE_ID, CASE_KEY, FORMULA_LOCATION, HALL, PASSWORD, SMALL, T, person

CASE = "HC-2026-0042"
PEOPLE = {  # made-up people: full name, phone, address
    CASE_KEY: ("Nguyễn Văn Ca", "0911000000", "12 Lý Thường Kiệt, Hoàn Kiếm"),
    person(1): ("Trần Thị Mơ", "0911000001", "3 Hàng Bạc, Hoàn Kiếm"),
    person(2): ("Lê Văn Hai", "0911000002", "45 Kim Mã, Ba Đình"),
    person(3): ("Phạm Thị Ba", "0911000003", "7 Trần Phú, Hà Đông"),
    person(4): ("Hoàng Văn Bốn", "0911000004", "9 Nguyễn Trãi, Thanh Xuân"),
    person(5): ("Đỗ Thị Năm", "0911000005", "21 Láng Hạ, Đống Đa"),
}
# p3's entry waits for a key ("local"); p5 and the case: no contact
OPENED = (person(1), person(2), person(4))
# The entries' columns these tests read and write (`fields` only until the sealing at ingest is merged).
STORED = sa.table("entries", sa.column("id", sa.Uuid), sa.column("scanned_at", sa.DateTime(timezone=True)),
                  sa.column("format", sa.String), sa.column("person_key", sa.String), sa.column("fields", sa.JSON),
                  sa.column("sealed", sa.LargeBinary), sa.column("sealed_kid", sa.String))


@dataclasses.dataclass(frozen=True)
class Setup:
    database_url: str
    data: Path
    key_file: Path
    other_key_file: Path
    entry_of: dict[str, str]  # person → the entry that opened their visit


@pytest.fixture(scope="module")
def setup(database_url, engine, tmp_path_factory) -> Iterator[Setup]:
    folder = tmp_path_factory.mktemp("authority")
    data, key_file, other_key_file = folder / "data", folder / "authority.key", folder / "other.key"
    authority = generate_private_key(week_of(T - timedelta(weeks=1)))
    write_private_key(authority, key_file)
    write_private_key(generate_private_key(), other_key_file)
    key_set = authority.key_set(T - timedelta(weeks=1), 4)
    store_key_set(key_set, data)
    server = ServerProcess(database_url, folder / "server.log", {"KIOSK_SERVER_DATA_DIR": str(data)}).start()
    try:
        entry_of = _upload(engine, server.url)
    finally:
        server.stop()
    with engine.begin() as conn:  # one contact's entry still boxed by the server: no key was published then
        conn.execute(STORED.update().where(STORED.c.id == uuid.UUID(entry_of[person(3)])).values(sealed_kid=LOCAL_KID))
    yield Setup(database_url, data, key_file, other_key_file, entry_of)


def _upload(engine: sa.Engine, url: str) -> dict[str, str]:
    opened: dict[str, str] = {}
    for n, location in enumerate(dict.fromkeys(v[1] for v in SMALL), start=1):
        station, token = add_station(engine, f"Cổng {n}", location)
        batch = []
        for key, _, enter, leave in (v for v in SMALL if v[1] == location):
            for minutes, direction in ((enter, Direction.IN), (leave, Direction.OUT)):
                if minutes is None:
                    continue
                name, phone, address = PEOPLE[key]
                entry = dataclasses.replace(
                    make_entry(at=T + timedelta(minutes=minutes), direction=direction, person=key,
                               station=station.name),
                    display_name=f"{name[0]}** {name.split()[-1][0]}*",
                    fields={"name": name, "phone": phone, "address": address, "birth_date": "1990-01-31"})
                if direction is Direction.IN:
                    opened.setdefault(key, entry.id)
                batch.append(entry.to_json())
        answer = requests.post(f"{url}/api/v1/entries", json={"entries": batch},
                               headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["accepted"] == len(batch), answer.text
    return opened


def _audit(engine: sa.Engine, case: str) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(sa.select(unseal_audit).where(unseal_audit.c.case_number == case)
                            .order_by(unseal_audit.c.id)).all()


def _contacts(output: str) -> list[dict]:
    lines = [json.loads(line) for line in output.splitlines()]
    assert "case" in lines[0]
    return [line["contact"] for line in lines[1:]]


def test_the_key_reveals_exactly_the_contacts_and_each_unsealing_is_recorded(setup, engine):
    done = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", CASE, "--key", setup.key_file,
                         "--json", "--as", "BS. Lan (CDC Hà Nội)")
    table = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", f"{CASE}-table",
                          "--key", setup.key_file)

    assert done.returncode == 0, done.stderr
    contacts = _contacts(done.stdout)
    revealed = {contact["revealed"]["fields"]["name"]: contact["revealed"] for contact in contacts
                if contact["revealed"]["status"] == "opened"}
    assert set(revealed) == {PEOPLE[key][0] for key in OPENED}
    for key in OPENED:
        name, phone, address = PEOPLE[key]
        assert revealed[name]["person_key"] == key
        assert {k: revealed[name]["fields"][k] for k in ("phone", "address")} == {"phone": phone, "address": address}
    [waiting] = [c["revealed"] for c in contacts if c["revealed"]["status"] != "opened"]
    assert waiting == {"status": "not-sealed-yet", "why": "not sealed to the authority yet"}
    for key in (CASE_KEY, person(3), person(5)):  # the case, the contact not sealed yet, the one who was no contact
        for clear in PEOPLE[key]:
            assert clear not in done.stdout + table.stdout
    [audit] = _audit(engine, CASE)
    assert audit.unsealed_by == "BS. Lan (CDC Hà Nội)" and audit.count == 3
    assert sorted(audit.entry_ids) == sorted(setup.entry_of[key] for key in OPENED)
    assert table.returncode == 0, table.stderr
    assert "opened 3 of their 4 entries" in table.stdout and "(not sealed to the authority yet)" in table.stdout
    for key in OPENED:
        assert all(clear in table.stdout for clear in PEOPLE[key])
    assert len(_audit(engine, f"{CASE}-table")) == 1


def test_without_the_key_nothing_is_revealed_or_recorded_as_unsealed(setup, engine):
    done = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", "HC-NO-KEY", "--json")

    assert done.returncode == 0, done.stderr
    contacts = _contacts(done.stdout)
    assert len(contacts) == 4 and all("revealed" not in contact for contact in contacts)
    for details in PEOPLE.values():
        for clear in details:
            assert clear not in done.stdout
    assert _audit(engine, "HC-NO-KEY") == []


def test_a_key_that_opens_nothing_says_so(setup, engine):
    done = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", "HC-OTHER-KEY",
                         "--key", setup.other_key_file)

    assert done.returncode == 1
    assert "opens none of the 3 contacts' entries: they are sealed to another authority key" in done.stderr
    assert "Traceback" not in done.stderr
    for details in PEOPLE.values():
        for clear in details:
            assert clear not in done.stdout + done.stderr
    assert [row.count for row in _audit(engine, "HC-OTHER-KEY")] == [3]  # the attempt is recorded too


def test_a_file_that_is_no_authority_key_stops_the_trace_before_it_is_run(setup, engine, tmp_path):
    public = tmp_path / "authority.pub"
    public.write_text((setup.data / "authority_keys.json").read_text(encoding="utf-8"), encoding="utf-8")

    done = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", "HC-PUB", "--key", public)

    assert done.returncode == 1 and "not a health authority private key file" in done.stderr
    with engine.connect() as conn:
        asked = conn.execute(sa.text("SELECT count(*) FROM trace_audit WHERE case_number = 'HC-PUB'")).scalar()
    assert asked == 0


def test_exports_never_hold_a_clear_name_phone_or_id_number(setup, engine, monkeypatch):
    monkeypatch.setenv("KIOSK_SERVER_DATA_DIR", str(setup.data))
    result = run_trace(engine, CASE_ID, asked_by="truy-vết", role="tracer", via="dashboard", case_number="HC-EXPORT")

    exported = csv_bytes(result).decode("utf-8-sig")
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(result, "HC-EXPORT"))) as book:
        exported += "".join(book.read(name).decode("utf-8") for name in book.namelist())

    assert len(result.contacts.contacts) == 4 and "contact" in exported
    for details in PEOPLE.values():
        for clear in details:
            assert clear not in exported
    for number in (CASE_ID, *(key.partition(":")[2] for key in PEOPLE)):
        assert number not in exported


# --- the remote mode: the key on the authority's machine, the boxes released by the server ----------------

TRACER = "BS. Lan (CDC Hà Nội)"


@dataclasses.dataclass(frozen=True)
class Remote:
    url: str
    tokens: dict[str, str]  # by role: tracer, admin, site
    elsewhere: Path  # the authority's machine: a data directory with no server secret, a database never made


@pytest.fixture(scope="module")
def remote(setup, engine, tmp_path_factory) -> Iterator[Remote]:
    add_admin(engine, TRACER, PASSWORD, Role.TRACER)
    add_admin(engine, "quản-trị", PASSWORD, Role.ADMIN)
    add_admin(engine, "nhà-a", PASSWORD, Role.SITE, [HALL])
    tokens = {role: issue_api_token(engine, name)[1]
              for role, name in (("tracer", TRACER), ("admin", "quản-trị"), ("site", "nhà-a"))}
    folder = tmp_path_factory.mktemp("remote")
    server = ServerProcess(setup.database_url, folder / "server.log",
                           {"KIOSK_SERVER_DATA_DIR": str(setup.data)}).start()
    try:
        yield Remote(server.url, tokens, tmp_path_factory.mktemp("authority-machine"))
    finally:
        server.stop()


def remote_cli(remote: Remote, *args, token: str | None = None) -> "subprocess.CompletedProcess":
    """`kiosk-server trace ... --server URL` on the authority's machine: the token in the environment, a
    database URL that names a file nobody creates, a data directory of its own."""
    never = f"sqlite:///{remote.elsewhere / 'never.sqlite3'}"
    return authority_cli(never, remote.elsewhere / "data", *args, "--server", remote.url,
                         env={TOKEN_ENV: token or remote.tokens["tracer"]})


def ask_sealed(remote: Remote, token: str, body: dict) -> requests.Response:
    return requests.post(f"{remote.url}/api/v1/trace", json=body, headers={"Authorization": f"Bearer {token}"},
                         timeout=30)


def test_the_remote_mode_reveals_exactly_the_contacts_as_the_local_mode_and_the_release_is_recorded(
        setup, engine, remote):
    done = remote_cli(remote, "trace", CASE_ID, "--case", "HC-REMOTE", "--key", setup.key_file, "--json")
    readable = remote_cli(remote, "trace", CASE_ID, "--case", "HC-REMOTE-TABLE", "--key", setup.key_file)
    local = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", "HC-LOCAL", "--key",
                          setup.key_file, "--json")
    local_table = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", "HC-LOCAL-TABLE",
                                "--key", setup.key_file)

    assert done.returncode == 0, done.stderr
    contacts = _contacts(done.stdout)
    revealed = {c["revealed"]["fields"]["name"]: c["revealed"] for c in contacts if c["revealed"]["status"] == "opened"}
    assert set(revealed) == {PEOPLE[key][0] for key in OPENED}
    assert {revealed[PEOPLE[key][0]]["person_key"] for key in OPENED} == set(OPENED)
    for key in (CASE_KEY, person(3), person(5)):
        for clear in PEOPLE[key]:
            assert clear not in done.stdout + readable.stdout
    assert contacts == _contacts(local.stdout)  # the same lines as the local mode prints
    assert readable.returncode == 0, readable.stderr
    assert readable.stdout.splitlines()[1:] == local_table.stdout.splitlines()[1:]  # the first says "until now"
    assert "opened 3 of their 4 entries" in readable.stdout
    [audit] = _audit(engine, "HC-REMOTE")
    assert audit.unsealed_by == TRACER and audit.count == 3
    assert sorted(audit.entry_ids) == sorted(setup.entry_of[key] for key in OPENED)
    assert not (remote.elsewhere / "never.sqlite3").exists()
    assert not (remote.elsewhere / "data").exists() or not any((remote.elsewhere / "data").iterdir())


def test_nothing_is_released_when_the_release_cannot_be_recorded(setup, engine, remote):
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE unseal_audit RENAME TO unseal_audit_away"))
    try:
        answer = ask_sealed(remote, remote.tokens["tracer"], {"person": CASE_ID, "case_number": "HC-NO-AUDIT",
                                                              "sealed": True})
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE unseal_audit_away RENAME TO unseal_audit"))

    assert answer.status_code in (500, 503)  # the database refused the audit row: no answer
    assert '"sealed"' not in answer.text and '"box"' not in answer.text


def test_the_server_releases_the_boxes_of_the_contacts_and_no_one_else(setup, engine, remote):
    answer = ask_sealed(remote, remote.tokens["tracer"], {"person": CASE_ID, "case_number": "HC-BOXES", "sealed": True})

    assert answer.status_code == 200, answer.text
    lines = [json.loads(line) for line in answer.text.splitlines()]
    released = {line["sealed"]["id"]: line["sealed"] for line in lines[1:]}
    contacts = {setup.entry_of[key] for key in (person(1), person(2), person(3), person(4))}
    assert set(released) == contacts
    assert released[setup.entry_of[person(3)]] == {"id": setup.entry_of[person(3)], "sealed_kid": LOCAL_KID, "box": ""}
    with engine.connect() as conn:
        stored = {str(row.id): bytes(row.sealed) for row in conn.execute(
            sa.select(STORED.c.id, STORED.c.sealed).where(STORED.c.id.in_([uuid.UUID(i) for i in contacts])))}
    for key in OPENED:
        entry_id = setup.entry_of[key]
        assert base64.b64decode(released[entry_id]["box"]) == stored[entry_id]
    [audit] = _audit(engine, "HC-BOXES")
    assert sorted(audit.entry_ids) == sorted(setup.entry_of[key] for key in OPENED)


@pytest.mark.parametrize("role", ["admin", "site"])
def test_a_token_of_another_role_gets_403_and_nothing_is_released(setup, engine, remote, role):
    case = f"HC-ROLE-{role}"
    answer = ask_sealed(remote, remote.tokens[role], {"person": CASE_ID, "case_number": case, "sealed": True})
    done = remote_cli(remote, "trace", CASE_ID, "--case", case, "--key", setup.key_file, token=remote.tokens[role])

    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert '"box"' not in answer.text
    assert done.returncode == 1 and "HTTP 403" in done.stderr and "tracer" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert _audit(engine, case) == []


def test_without_sealed_the_answer_holds_nothing_sealed_and_nothing_is_recorded_as_released(setup, engine, remote):
    answer = ask_sealed(remote, remote.tokens["tracer"], {"person": CASE_ID, "case_number": "HC-PLAIN"})

    assert answer.status_code == 200, answer.text
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert len(lines) == 5 and all(set(line) == {"contact"} for line in lines[1:]) and set(lines[0]) == {"case"}
    assert _audit(engine, "HC-PLAIN") == []


def test_the_remote_mode_needs_a_token_and_https_and_says_so(setup, remote):
    never = f"sqlite:///{remote.elsewhere / 'never.sqlite3'}"
    environment = {key: value for key, value in os.environ.items() if key != TOKEN_ENV}
    without = subprocess.run([sys.executable, "-m", "server", "--db", never, "trace", CASE_ID, "--case", "HC-1",
                              "--key", str(setup.key_file), "--server", remote.url], cwd=REPO, env=environment,
                             capture_output=True, text=True, timeout=60)
    plain = authority_cli(never, remote.elsewhere / "data", "trace", CASE_ID, "--case", "HC-1", "--key",
                          setup.key_file, "--server", "http://kiosk.example.vn", env={TOKEN_ENV: "kat_x"})
    no_key = remote_cli(remote, "trace", CASE_ID, "--case", "HC-1")

    assert without.returncode == 1 and f"set {TOKEN_ENV}" in without.stderr
    assert plain.returncode == 1 and "--server must use https" in plain.stderr
    assert no_key.returncode == 1 and "--server needs --key" in no_key.stderr
    assert not (remote.elsewhere / "never.sqlite3").exists()


# --- --out: the revealed export on the authority's side, the masked one elsewhere ---------------------------

def test_the_key_modes_export_holds_the_details_owner_only_and_the_masked_one_holds_none(setup, remote, tmp_path):
    revealed_csv, revealed_xlsx, masked = tmp_path / "lộ.csv", tmp_path / "lộ.xlsx", tmp_path / "che.csv"

    local = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", "HC-OUT", "--key",
                          setup.key_file, "--out", revealed_csv)
    far = remote_cli(remote, "trace", CASE_ID, "--case", "HC-OUT-REMOTE", "--key", setup.key_file,
                     "--out", revealed_xlsx)
    plain = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", "HC-OUT-MASKED",
                          "--out", masked)

    assert local.returncode == 0 and far.returncode == 0 and plain.returncode == 0, local.stderr + far.stderr
    text = revealed_csv.read_bytes().decode("utf-8-sig")
    with zipfile.ZipFile(revealed_xlsx) as book:
        sheets = "".join(book.read(name).decode("utf-8") for name in book.namelist())
    for key in OPENED:
        for clear in PEOPLE[key]:
            assert clear in text and clear in sheets
    assert "full name" in text.splitlines()[0] and "HC-OUT-REMOTE" in sheets
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + FORMULA_LOCATION in cells and not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    exported = masked.read_bytes().decode("utf-8-sig")
    assert "contact" in exported and "full name" not in exported
    for details in PEOPLE.values():
        for clear in details:
            assert clear not in exported
    for path in (revealed_csv, revealed_xlsx, masked):
        assert path.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_an_out_file_that_is_neither_csv_nor_xlsx_is_refused_before_the_trace(setup, engine, tmp_path):
    done = authority_cli(setup.database_url, setup.data, "trace", CASE_ID, "--case", "HC-OUT-PDF", "--key",
                         setup.key_file, "--out", tmp_path / "trace.pdf")

    assert done.returncode == 1 and "--out must name a .csv or .xlsx file" in done.stderr
    assert _audit(engine, "HC-OUT-PDF") == [] and not (tmp_path / "trace.pdf").exists()


@pytest.mark.parametrize("lang, heading, columns", [
    ("en", "Unsealings", ["When", "By", "Case number", "Entries unsealed"]),
    ("vi", "Lần mở dữ liệu niêm phong", ["Thời điểm", "Người mở", "Số hồ sơ", "Số lượt quét được mở"]),
])
def test_the_audit_page_lists_each_unsealing_with_who_the_case_and_how_many(setup, remote, lang, heading, columns):
    answer = ask_sealed(remote, remote.tokens["tracer"], {"person": CASE_ID, "case_number": f"HC-PAGE-{lang}",
                                                          "sealed": True})
    assert answer.status_code == 200, answer.text
    admin = requests.Session()
    assert log_in(admin, remote.url, "quản-trị", PASSWORD).status_code == 200

    page = admin.get(f"{remote.url}/dashboard/audit?lang={lang}", timeout=10).text

    unsealings = page[page.index(f"<h3>{heading}</h3>"):]
    assert re.findall(r"<th>(.*?)</th>", unsealings) == columns
    newest = re.findall(r"<td[^>]*>(.*?)</td>", re.search(r"<tr>(<td.*?)</tr>", unsealings, re.DOTALL).group(1))
    assert newest[1:] == [TRACER, f"HC-PAGE-{lang}", "3"]
    for details in PEOPLE.values():
        for clear in details:
            assert clear not in page
