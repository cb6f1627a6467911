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
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import psycopg
import pytest
import sqlalchemy as sa

from factories import make_entry
from kiosk.settings import Settings, save_settings
from kiosk.store import Store
from server.database import make_engine, migrate
from server.stations import add_station
from server.tables import entries, stations

from fault_proxy import FaultProxy
from processes import REPO, ServerProcess, free_port, postgres_schema

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
    with postgres_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_schema_url")
    return f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for one test alone (a module's tests share `database_url`), not migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    request.getfixturevalue("postgres_schema_url")  # skipped or failed as KIOSK_TEST_POSTGRES says
    with postgres_schema(POSTGRES_URL) as url:
        yield url


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


@pytest.fixture
def dead_server_url() -> str:
    """An address where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def start_server(database_url: str, tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def start(env: dict[str, str] | None = None, tls: tuple[Path, Path] | None = None) -> ServerProcess:
        server = ServerProcess(database_url, tmp_path / f"server-{len(started)}.log", env, tls).start()
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


@pytest.fixture
def fault_proxy() -> Iterator[Callable[[str], FaultProxy]]:
    proxies: list[FaultProxy] = []

    def make(upstream: str) -> FaultProxy:
        proxies.append(FaultProxy(upstream).start())
        return proxies[-1]

    yield make
    for proxy in proxies:
        proxy.close()


@dataclass
class Kiosk:
    """A station's store and settings on disk, as `python -m kiosk COMMAND --config ...` would find them."""

    station: StationLogin
    settings: Settings
    config_path: Path
    store: Store

    def point_at(self, url: str) -> None:
        self.settings = self.settings.replace(server_url=url)
        save_settings(self.settings, self.config_path)

    def all_ids(self) -> set[str]:
        return {entry.id for entry in self.store.entries()}


@pytest.fixture
def make_kiosk(tmp_path: Path, new_station: Callable[..., StationLogin]) -> Iterator[Callable[..., Kiosk]]:
    kiosks: list[Kiosk] = []

    def make(server_url: str, entries: int = 0, station: StationLogin | None = None,
             folder: Path | None = None) -> Kiosk:
        station = station or new_station()
        folder = folder or tmp_path / f"kiosk-{len(kiosks)}"
        settings = Settings(station_name=station.name, server_url=server_url, server_token=station.token,
                            database=str(folder / "entries.sqlite3"))
        save_settings(settings, folder / "settings.toml")
        kiosk = Kiosk(station, settings, folder / "settings.toml", Store.open(folder / "entries.sqlite3"))
        kiosk.store.add_many(make_entry(n, station=station.name) for n in range(entries))
        kiosks.append(kiosk)
        return kiosk

    yield make
    for kiosk in kiosks:
        kiosk.store.close()  # closing twice is harmless


@pytest.fixture
def server_ids(engine: sa.Engine) -> Callable[[str], list[str]]:
    """Every entry id the server holds for a station, repeats included (so a double would show)."""

    def ids(station_name: str) -> list[str]:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(entries.c.id).join(stations, stations.c.id == entries.c.station_id)
                .where(stations.c.name == station_name)
            )
            return sorted(str(row.id) for row in rows)

    return ids


@pytest.fixture
def assert_exactly_once(server_ids: Callable[[str], list[str]]) -> Callable[[Kiosk], None]:
    def check(kiosk: Kiosk) -> None:
        held = server_ids(kiosk.station.name)
        assert len(held) == len(set(held)), "the server holds an entry twice"
        assert set(held) == kiosk.all_ids(), "the server's entries differ from the kiosk's"
        assert kiosk.store.pending_count() == 0

    return check


def kiosk_argv(kiosk: Kiosk, command: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk", command, "--config", str(kiosk.config_path), *args]


@pytest.fixture
def kiosk_command() -> Callable[..., subprocess.CompletedProcess]:
    """Run `python -m kiosk COMMAND --config ... <args>` in the repository as a separate process, to its end."""

    def run(kiosk: Kiosk, *args: str, **popen: Any) -> subprocess.CompletedProcess:
        return subprocess.run(kiosk_argv(kiosk, *args), cwd=REPO, capture_output=True, text=True, timeout=120,
                              **popen)

    return run


@pytest.fixture
def start_kiosk() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `python -m kiosk COMMAND --config ... <args>` and return at once; killed at the end if still running."""
    started: list[subprocess.Popen] = []

    def start(kiosk: Kiosk, *args: str) -> subprocess.Popen:
        started.append(subprocess.Popen(kiosk_argv(kiosk, *args), cwd=REPO, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()
