"""Engines for the two supported back-ends and the schema migration that runs before serving.

The same SQLAlchemy Core code runs on both. SQLite (the embedded default) gets WAL, full fsync on commit
(an entry the server confirmed must survive a power cut) and `BEGIN IMMEDIATE` for writing transactions,
so two writers queue on the busy timeout instead of failing with "database is locked". Engines hide
statement parameters in error messages, which would otherwise carry personal data into the logs.
The SQLite file and its folder are created readable by their owner only, however the server is started.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import platformdirs
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine, make_url

MIGRATIONS = Path(__file__).parent / "migrations"
DATABASE_ENV = "KIOSK_SERVER_DB"


def default_database_url() -> str:
    """The database named by KIOSK_SERVER_DB, else a SQLite file in the user's data folder."""
    configured = os.environ.get(DATABASE_ENV)
    if configured:
        return normalise_url(configured)
    folder = Path(platformdirs.user_data_dir("kiosk-server"))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'server.sqlite3'}"


def normalise_url(url: str) -> str:
    """Accept a plain file path or a libpq-style URL and name the driver this package ships with."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return sa.create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True)


def _create_owner_only(path: Path) -> None:
    """Create an empty database file with mode 0600 (SQLite gives its -wal and -shm files the same mode)."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError:
        pass  # it exists, or SQLite will say itself what is wrong with the path


def _sqlite_engine(url: sa.URL) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        _create_owner_only(Path(url.database))
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event below emit BEGIN, so writers can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock up front."""
    with engine.connect() as connection:
        connection.execution_options(write=True)
        with connection.begin():
            yield connection


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; run before serving)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            # Several server processes may start at once; one migrates, the others wait for it.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(712001)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    if engine.dialect.name == "sqlite":
        # What a migration removed (clear personal data, pages zeroed with secure_delete) leaves the WAL too.
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
