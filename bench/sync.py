"""A kiosk with a long queue drains to a local server: seconds and entries per second.

    python bench/sync.py [--entries 100000] [--backend sqlite|postgres|both] [--batch 500]
                         [--postgres postgresql://postgres@127.0.0.1:5432/test]

The server runs as its own process (`python -m server serve`) on 127.0.0.1; PostgreSQL runs use a
throw-away schema. Filling the kiosk's queue is not timed; one `SyncClient.run_once()` is, from the first
batch read to the last entry marked as sent, and the server's count is checked afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "server")]

import sqlalchemy as sa  # noqa: E402

from factories import make_entry  # noqa: E402
from kiosk.settings import Settings  # noqa: E402
from kiosk.store import Store  # noqa: E402
from kiosk.sync import SyncClient  # noqa: E402
from processes import ServerProcess, postgres_schema  # noqa: E402
from server.database import make_engine, migrate  # noqa: E402
from server.stations import add_station  # noqa: E402
from server.tables import entries  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def running_server(backend: str, folder: Path, postgres: str, workers: int = 1) -> Iterator[tuple[str, sa.Engine]]:
    """A migrated database of the given back-end and a server process on it: (server URL, engine)."""
    with _database(backend, folder, postgres) as url:
        engine = make_engine(url)
        migrate(engine)
        server = ServerProcess(url, folder / f"server-{backend}.log", workers=workers).start()
        try:
            yield server.url, engine
        finally:
            server.stop()
            engine.dispose()


@contextmanager
def _database(backend: str, folder: Path, postgres: str) -> Iterator[str]:
    if backend == "postgres":
        with postgres_schema(postgres) as url:
            yield url
    else:
        yield f"sqlite:///{folder / 'server.sqlite3'}"


def count_entries(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(entries)).scalar_one()


def drain(backend: str, count: int, batch: int, postgres: str) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with running_server(backend, folder, postgres) as (url, engine):
            station, token = add_station(engine, "Cổng bench", "Bench")
            settings = Settings(station_name=station.name, server_url=url, server_token=token)
            with Store.open(folder / "kiosk.sqlite3") as store:
                store.add_many(make_entry(n, station=station.name) for n in range(count))
                client = SyncClient(store, settings, batch_size=batch)
                started = time.perf_counter()
                report = client.run_once()
                elapsed = time.perf_counter() - started
            stored = count_entries(engine)
    if not report.ok or stored != count:
        raise SystemExit(f"{backend}: sync incomplete ({report}); the server holds {stored} of {count}")
    print(f"{backend:<9} {count} entries in {elapsed:6.2f} s = {count / elapsed:8.0f} entries/s "
          f"(batches of {batch})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL (database test)")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        drain(backend, args.entries, args.batch, args.postgres)


if __name__ == "__main__":
    main()
