"""CPU seconds spent by the processes of a benchmark, read from /proc (Linux): the server's processes (the
children of this one) and the PostgreSQL backends serving a given application_name. On a shared machine
the wall-clock rate moves with everyone's load; these say what this run itself cost, and where."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psycopg

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


class ChildrenCpu:
    """CPU of this process's children (a server and its workers) between start() and stop()."""

    def start(self) -> "ChildrenCpu":
        self._before = {pid: cpu_seconds(pid) for pid in descendants(os.getpid())}
        return self

    def stop(self) -> float:
        return sum(cpu_seconds(pid) - self._before.get(pid, 0.0) for pid in descendants(os.getpid()))


class BackendsCpu(threading.Thread):
    """CPU of the PostgreSQL backends whose application_name is `name`, polled (connections come and go
    with the server's pool: a backend's last reading counts, so a few milliseconds of one may be missed)."""

    def __init__(self, server_url: str, name: str, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.server_url, self.name, self.every = server_url, name, every
        self._stop_event = threading.Event()
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}

    def _poll(self, conn: psycopg.Connection) -> None:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (self.name,))]
        for pid in pids:
            self._last[pid] = cpu_seconds(pid)

    def run(self) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            self._poll(conn)
            self._first = dict(self._last)  # backends already there: only what they spend from now counts
            self._started.set()
            while not self._stop_event.wait(self.every):
                self._poll(conn)
            self._poll(conn)

    def start(self) -> "BackendsCpu":
        self._started = threading.Event()
        super().start()
        self._started.wait()
        return self

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return sum(last - self._first.get(pid, 0.0) for pid, last in self._last.items())
