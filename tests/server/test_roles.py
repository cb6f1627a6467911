"""Roles on a real server, on SQLite and PostgreSQL: administrators upgraded from before roles keep their
rights, a tracer sees the overview, a site administrator sees only their own locations and never a person
search, and the API's tokens open what their user's role opens, and stop when the user is disabled."""

from __future__ import annotations

import re
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from commands import kiosk_server
from dashboard_login import csrf_token, log_in
from dashboard_rows import add_entries, add_stations, station_row
from processes import REPO, ServerProcess, postgres_schema
from server.admins import add_admin, disable_admin, remove_admin
from server.database import MIGRATIONS, make_engine, writing
from server.passwords import hash_password
from server.roles import Role
from server.tables import admin_tokens, admins
from server.tokens import token_hash

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

PASSWORD = "mật-khẩu-dài-3"
VIETNAM_NOON = datetime.now(timezone(timedelta(hours=7))).replace(hour=12, minute=0, second=0, microsecond=0)


def _logged_in(server_url: str, username: str) -> requests.Session:
    session = requests.Session()
    answer = log_in(session, server_url, username, PASSWORD)
    assert answer.status_code == 200 and answer.url.endswith("/dashboard/"), answer.text
    return session


def _station_names(page: str) -> list[str]:
    """The station table's names, in the order shown."""
    table = re.search(r'<table class="stations">(.*?)</table>', page, re.DOTALL)
    return re.findall(r"<tr[^>]*>\s*<td>([^<]*)</td>", table.group(1)) if table else []


def _day_row(page: str, table_class: str) -> tuple[int, int]:
    """Today's admitted and refused entries in one of the overview's per-day tables."""
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', page, re.DOTALL).group(1)
    found = re.search(rf"<td>{VIETNAM_NOON.date()}</td><td>(\d+)</td><td>(\d+)</td>", table)
    return int(found.group(1)), int(found.group(2))


# --- upgraded administrators -------------------------------------------------------------------------------


@contextmanager
def _new_database(database_url: str, folder: Path) -> Iterator[str]:
    """An empty database of the same back-end as this module's."""
    if database_url.startswith("postgresql"):
        with postgres_schema(database_url.split("options=")[0].rstrip("?&")) as url:
            yield url
    else:
        yield f"sqlite:///{folder / 'before-roles.sqlite3'}"


def test_an_administrator_from_before_roles_stays_an_administrator(database_url, tmp_path):
    with _new_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with writing(engine) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0005")
            connection.execute(admins.insert().values(username="quản-trị-cũ", password_hash=hash_password(PASSWORD),
                                                      created_at=datetime.now(timezone.utc)))
        engine.dispose()
        server = ServerProcess(url, tmp_path / "server.log").start()  # migrates to the newest revision
        try:
            session = _logged_in(server.url, "quản-trị-cũ")
            search = session.get(f"{server.url}/dashboard/entries?lang=en", timeout=10)
        finally:
            server.stop()
    assert search.status_code == 200 and "(quản-trị-cũ, administrator)" in search.text


# --- the dashboard per role --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sites(engine) -> dict[str, int]:
    """Two sites and a station that has no location (it stands for itself), with today's entries:
    Nhà A 3 admitted and 1 refused at two doors, Nhà B 5 admitted, Cổng riêng 2 admitted."""
    ids = add_stations(engine, [station_row("Cổng A1", "Nhà A"), station_row("Cổng A2", "Nhà A", stalled=True),
                                station_row("Cổng B1", "Nhà B"), station_row("Cổng riêng", "")])
    add_entries(engine, ids["Cổng A1"], "Nhà A", VIETNAM_NOON, admitted=2, refused=1)
    add_entries(engine, ids["Cổng A2"], "Nhà A", VIETNAM_NOON, admitted=1)
    add_entries(engine, ids["Cổng B1"], "Nhà B", VIETNAM_NOON, admitted=5)
    add_entries(engine, ids["Cổng riêng"], "", VIETNAM_NOON, admitted=2)
    add_admin(engine, "quản-trị", PASSWORD)
    add_admin(engine, "truy-vết", PASSWORD, Role.TRACER)
    add_admin(engine, "nhà-a", PASSWORD, Role.SITE, ["Nhà A", "Cổng riêng"])
    return ids


@pytest.mark.parametrize("username", ["quản-trị", "truy-vết"])
def test_administrators_and_tracers_see_every_station_and_count(server, sites, username):
    session = _logged_in(server.url, username)
    overview = session.get(f"{server.url}/dashboard/?lang=en", timeout=10)
    search = session.get(f"{server.url}/dashboard/entries?lang=en", timeout=10)

    assert overview.status_code == 200 and search.status_code == 200
    assert _station_names(overview.text) == ["Cổng A2", "Cổng A1", "Cổng B1", "Cổng riêng"]  # not draining first
    assert _day_row(overview.text, "per-day") == (10, 1)
    assert "You see these locations only" not in overview.text


def test_a_site_administrator_sees_only_their_sites_stations_and_counts(server, sites):
    session = _logged_in(server.url, "nhà-a")
    overview = session.get(f"{server.url}/dashboard/?lang=en", timeout=10).text
    other_site = session.get(f"{server.url}/dashboard/?lang=en&location=Nh%C3%A0+B&q=B1", timeout=10).text
    own_door = session.get(f"{server.url}/dashboard/", params={"location": "Cổng riêng", "lang": "en"},
                           timeout=10).text

    assert _station_names(overview) == ["Cổng A2", "Cổng A1", "Cổng riêng"]
    assert "Cổng B1" not in overview and "Nhà B" not in overview
    assert "You see these locations only: Cổng riêng, Nhà A" in overview
    assert _day_row(overview, "per-day") == (5, 1)  # Nhà A's 3 and 1, the door's own 2; not Nhà B's 5
    assert re.findall(r'location=[^"]*">([^<]*)</a></td><td>(\d+)</td>', overview) == [("Nhà A", "3"),
                                                                                       ("Cổng riêng", "2")]
    assert _station_names(other_site) == [] and "No station matches the filter." in other_site
    assert _day_row(other_site, "at-location") == (0, 0)
    assert _day_row(own_door, "at-location") == (2, 0)


def test_a_site_administrator_cannot_search_for_a_person(server, sites):
    session = _logged_in(server.url, "nhà-a")
    overview = session.get(f"{server.url}/dashboard/?lang=en", timeout=10)
    opened = session.get(f"{server.url}/dashboard/entries?lang=en", timeout=10)
    posted = session.post(f"{server.url}/dashboard/entries?lang=vi", timeout=10,
                          data={"person_key": "qid:162900000000000001", "csrf_token": csrf_token(overview.text)})

    assert "/dashboard/entries" not in overview.text  # not offered
    assert opened.status_code == 403 and "Your role does not open this page." in opened.text
    assert posted.status_code == 403 and "Vai trò của bạn không mở được trang này." in posted.text
    assert "qid:" not in posted.text and "NGUYEN" not in posted.text


def test_a_site_administrator_needs_a_site_and_only_they_have_sites(database_url):
    without = kiosk_server(database_url, "admin", "add", "nhà-c", "--role", "site", "--password-stdin",
                           stdin=PASSWORD + "\n")
    tracer_with = kiosk_server(database_url, "admin", "add", "truy-vết-2", "--role", "tracer", "--site", "Nhà C",
                               "--password-stdin", stdin=PASSWORD + "\n")
    with_site = kiosk_server(database_url, "admin", "add", "nhà-c", "--role", "site", "--site", "Nhà C",
                             "--password-stdin", stdin=PASSWORD + "\n")

    assert without.returncode == 1 and "Traceback" not in without.stderr
    assert without.stderr == "kiosk-server: A site administrator needs at least one site (--site LOCATION).\n"
    assert tracer_with.returncode == 1 and "Only site administrators have sites" in tracer_with.stderr
    assert with_site.returncode == 0 and "'nhà-c' (site)" in with_site.stdout


# --- API tokens --------------------------------------------------------------------------------------------

# A server like the shipped one, with one more endpoint that only tracers' tokens open.
PROBE_APP = """
import sys
import uvicorn
from fastapi import APIRouter, Depends
from server.api_auth import require_api_role
from server.app import create_app
from server.database import make_engine
from server.roles import Role, User

probe = APIRouter()


@probe.get("/api/v1/probe")
def probe_answer(user: User = Depends(require_api_role(Role.TRACER))) -> dict:
    return {"user": user.name, "role": user.role.value}


uvicorn.run(create_app(make_engine(sys.argv[1]), routers=[probe]), host="127.0.0.1", port=int(sys.argv[2]))
"""


class ProbeServer(ServerProcess):
    def start(self) -> "ProbeServer":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-c", PROBE_APP, self.database_url, str(self.port)],
                                            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        self._wait_until_healthy()
        return self


@pytest.fixture(scope="module")
def probe(database_url, engine, tmp_path_factory) -> Iterator[ProbeServer]:
    server = ProbeServer(database_url, tmp_path_factory.mktemp("probe") / "server.log").start()
    yield server
    server.stop()


def _token_of(database_url: str, username: str) -> str:
    issued = kiosk_server(database_url, "admin", "token", username)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]
    assert token.startswith("kat_") and len(token) > 40
    return token


def _call(probe: ProbeServer, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(f"{probe.url}/api/v1/probe", headers=headers, timeout=10)


def test_a_tracers_token_opens_the_tracers_api_and_no_one_elses_does(probe, engine, database_url):
    add_admin(engine, "truy-vết-api", PASSWORD, Role.TRACER)
    add_admin(engine, "quản-trị-api", PASSWORD)
    add_admin(engine, "nhà-d-api", PASSWORD, Role.SITE, ["Nhà D"])
    tracer, admin, site = (_token_of(database_url, name) for name in ("truy-vết-api", "quản-trị-api", "nhà-d-api"))

    works = _call(probe, tracer)
    refused = [_call(probe, token) for token in (admin, site)]
    missing, unknown, basic = _call(probe, None), _call(probe, "kat_" + "x" * 43), requests.get(
        f"{probe.url}/api/v1/probe", auth=("truy-vet-api", "mat-khau-dai-3"), timeout=10)

    assert works.status_code == 200 and works.json() == {"user": "truy-vết-api", "role": "tracer"}
    for answer in refused:
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
        assert "needs the role tracer" in answer.json()["error"]["message"]
    for answer in (missing, unknown, basic):
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(admin_tokens.c.token_hash)).scalars().all()
    assert token_hash(tracer) in stored and tracer not in stored  # only its sha256 is kept


def test_revoked_tokens_and_those_of_disabled_or_removed_users_stop_working(probe, engine, database_url):
    for name in ("truy-vết-thu-hồi", "truy-vết-khóa", "truy-vết-xóa"):
        add_admin(engine, name, PASSWORD, Role.TRACER)
    revoked, kept = _token_of(database_url, "truy-vết-thu-hồi"), _token_of(database_url, "truy-vết-khóa")
    removed = _token_of(database_url, "truy-vết-xóa")
    assert [_call(probe, token).status_code for token in (revoked, kept, removed)] == [200, 200, 200]

    revoking = kiosk_server(database_url, "admin", "token", "truy-vết-thu-hồi", "--revoke")
    fresh = _token_of(database_url, "truy-vết-thu-hồi")  # a new token after a revocation works
    disable_admin(engine, "truy-vết-khóa")
    remove_admin(engine, "truy-vết-xóa")
    after_disable = _call(probe, kept)
    kiosk_server(database_url, "admin", "password", "truy-vết-khóa", "--password-stdin", stdin=PASSWORD + "\n")
    after_enable = _call(probe, kept)
    refused_token = kiosk_server(database_url, "admin", "token", "truy-vết-xóa")

    assert revoking.returncode == 0 and "1 API token(s) of 'truy-vết-thu-hồi' revoked" in revoking.stdout
    assert _call(probe, revoked).status_code == 401 and _call(probe, fresh).status_code == 200
    assert after_disable.status_code == 401 and after_enable.status_code == 401  # enabled again: a new token
    assert _call(probe, removed).status_code == 401
    assert refused_token.returncode == 1 and "No administrator is named 'truy-vết-xóa'" in refused_token.stderr


def test_a_token_opens_no_more_than_its_users_new_role(probe, engine, database_url):
    add_admin(engine, "truy-vết-đổi", PASSWORD, Role.TRACER)
    token = _token_of(database_url, "truy-vết-đổi")
    add_admin(engine, "truy-vết-đổi", PASSWORD, Role.SITE, ["Nhà E"])
    add_admin(engine, "truy-vết-đổi", PASSWORD, Role.TRACER)

    assert _call(probe, token).status_code == 401
