"""Server processes and throw-away PostgreSQL schemas, for the tests and the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg
import requests

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A new schema in the database at server_url, dropped afterwards; yields a URL that uses it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """`python -m server serve` as a child process; start() returns once /healthz answers."""

    def __init__(self, database_url: str, log_path: Path, env: dict[str, str] | None = None,
                 tls: tuple[Path, Path] | None = None, workers: int = 1) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.port = free_port()
        self.tls = tls
        self.workers = workers
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self) -> "ServerProcess":
        command = [sys.executable, "-m", "server", "--db", self.database_url, "serve", "--port", str(self.port)]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        if self.tls:
            command += ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self, seconds: float = 60) -> None:
        # Nothing to wait on but the socket: poll /healthz until the deadline.
        session = requests.Session()
        # The readiness probe trusts the test certificate; the kiosk under test is not told to.
        trusted = str(self.tls[0]) if self.tls else True
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited ({self.process.returncode}):\n{self.log_path.read_text()}")
            try:
                if session.get(f"{self.url}/healthz", timeout=1, verify=trusted).status_code == 200:
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
