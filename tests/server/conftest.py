"""Real server processes on 127.0.0.1 over SQLite and (when reachable) PostgreSQL.

KIOSK_TEST_POSTGRES decides what happens to the PostgreSQL half of the tests:
  required  the tests fail when PostgreSQL is unreachable (CI sets this when it has started PostgreSQL),
  auto      (default) they are skipped with the reason shown,
  off       they are skipped.
KIOSK_TEST_POSTGRES_URL names the server (default: postgres@127.0.0.1:5432, database test). Every test
module gets a schema of its own there, dropped afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import psycopg
import pytest
import requests
import sqlalchemy as sa

from server.database import make_engine, migrate
from server.stations import add_station

REPO = Path(__file__).resolve().parents[2]
POSTGRES_MODE = os.environ.get("KIOSK_TEST_POSTGRES", "auto")
POSTGRES_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_report_header() -> str:
    return f"server back-ends: sqlite always; postgres {POSTGRES_MODE} ({POSTGRES_URL})"


def _postgres_problem() -> str | None:
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}".strip()
    return None


@pytest.fixture(scope="module")
def postgres_schema_url() -> Iterator[str]:
    if POSTGRES_MODE == "off":
        pytest.skip("PostgreSQL tests are off (KIOSK_TEST_POSTGRES=off)")
    problem = _postgres_problem()
    if problem and POSTGRES_MODE == "required":
        pytest.fail(f"{problem} (KIOSK_TEST_POSTGRES=required)")
    if problem:
        pytest.skip(f"{problem} (set KIOSK_TEST_POSTGRES=required to make this a failure)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_schema_url")
    return f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"


@pytest.fixture(scope="module")
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@dataclass(frozen=True)
class StationLogin:
    name: str
    token: str


@pytest.fixture
def new_station(engine: sa.Engine) -> Callable[..., StationLogin]:
    def make(location: str = "Bệnh viện Đa khoa, sảnh A") -> StationLogin:
        station, token = add_station(engine, f"Cổng {uuid.uuid4().hex[:8]}", location)
        return StationLogin(station.name, token)
    return make


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """`python -m server serve` as a child process; start() returns once /healthz answers."""

    def __init__(self, database_url: str, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self) -> "ServerProcess":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "--db", self.database_url, "serve", "--port", str(self.port)],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=self.env,
        )
        log.close()
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self, seconds: float = 60) -> None:
        # Nothing to wait on but the socket: poll /healthz until the deadline.
        session = requests.Session()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited ({self.process.returncode}):\n{self.log_path.read_text()}")
            try:
                if session.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server did not become healthy:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything in flight."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_server(database_url: str, tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def start(env: dict[str, str] | None = None) -> ServerProcess:
        server = ServerProcess(database_url, tmp_path / f"server-{len(started)}.log", env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server(database_url: str, engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for a whole test module (tests that do not kill it)."""
    process = ServerProcess(database_url, tmp_path_factory.mktemp("log") / "server.log").start()
    yield process
    process.stop()
