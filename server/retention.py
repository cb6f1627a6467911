"""The server keeps entries as long as the kiosks do, then purges them (BRIEF §7).

The retention is the `retention_days` setting pushed to every station (the station_settings row without a
station; see server.station_config), else the kiosks' own default. `purge(engine, now)` removes what was
scanned before now - retention (an entry scanned exactly at the cut-off stays). On PostgreSQL it drops the
month partitions that end at or before the cut-off and deletes the rest (the cut-off's month, the default
partition); on SQLite it deletes. It also creates the month partitions from the cut-off's to two months
ahead (server/partitions.py).
One purge at a time across server processes: a transaction-level advisory lock on PostgreSQL (a purge
that finds it taken does nothing and says so), the write lock of BEGIN IMMEDIATE on SQLite.

Other tables that hold personal data purge themselves in the same run: each adds a step to PURGE_STEPS,

    PURGE_STEPS = (PurgeStep("visits", purge_visits),)

where `purge_visits(conn: Connection, cutoff: datetime) -> int` deletes that table's rows from before the
cut-off (a datetime in UTC) and returns how many went; this module imports it (so its module must not
import this one). Steps run after the entries, in the order listed,
in the purge's transaction, each under a savepoint: a step that fails is logged and reported, the others
(and the entries' purge) still count. A dry run runs everything and rolls it back, so its counts are exact;
it drops no partition (it counts their rows) and creates none.

`PurgeSchedule` runs the purge every so many seconds on a thread of the server process (server/app.py).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.contract import DEFAULT_RETENTION_DAYS, checked_value
from server import partitions
from server.meetings.expiry import purge_events, purge_participants
from server.tables import entries, station_settings
from server.tracing.retention import purge_audit, purge_visits

logger = logging.getLogger("kiosk_server")

PURGE_LOCK = 712002  # pg advisory lock key; 712001 is the migration's
LOCK_TIMEOUT = "10s"  # a DDL waiting longer for readers or writers of entries gives up until the next run


class RetentionProblem(Exception):
    """The retention setting cannot be read: nothing is purged rather than too much."""


@dataclass(frozen=True)
class PurgeStep:
    """A table purged with the entries: `run(conn, cutoff)` removes its rows from before the cut-off."""

    table: str
    run: Callable[[Connection, datetime], int]


# Visits, queued rows and links go with the entries; the trace audit last, once its whole window is gone.
# Events whose last session ended before the cut-off go with their participants (and their badges).
PURGE_STEPS: tuple[PurgeStep, ...] = (PurgeStep("visits", purge_visits), PurgeStep("trace_audit", purge_audit),
                                      PurgeStep("participants", purge_participants),
                                      PurgeStep("events", purge_events))


@dataclass(frozen=True)
class PurgeReport:
    retention_days: int
    cutoff: datetime
    removed: dict[str, int] = field(default_factory=dict)  # rows per table
    dropped: tuple[str, ...] = ()  # month partitions (their rows are counted in removed["entries"])
    created: tuple[str, ...] = ()  # month partitions created ahead
    failed: tuple[str, ...] = ()  # steps that failed (logged); their rows stay until the next run
    busy: bool = False  # another process was purging: this one did nothing
    dry_run: bool = False


def retention_days(conn: Connection) -> int:
    """The retention pushed to every station, else the kiosks' default."""
    value = conn.execute(sa.select(station_settings.c.value).where(
        station_settings.c.station_id.is_(None), station_settings.c.key == "retention_days")).scalar()
    if value is None:
        return DEFAULT_RETENTION_DAYS
    try:
        return checked_value("retention_days", value)
    except ValueError as problem:
        raise RetentionProblem(f"the retention_days setting {value!r} is unusable ({problem}); "
                               "set it again with `kiosk-server setting retention_days DAYS`") from None


def purge(engine: Engine, now: datetime, *, dry_run: bool = False,
          steps: Sequence[PurgeStep] | None = None) -> PurgeReport:
    """Remove entries (and the rows of `steps`, by default PURGE_STEPS) scanned before now - retention; see
    the module's docstring."""
    steps = PURGE_STEPS if steps is None else steps
    with engine.connect() as conn:
        conn.execution_options(write=True)  # SQLite: BEGIN IMMEDIATE, one writer at a time
        with conn.begin() as transaction:
            postgres = conn.dialect.name == "postgresql"
            days = retention_days(conn)
            cutoff = now.astimezone(timezone.utc) - timedelta(days=days)
            if postgres and not conn.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({PURGE_LOCK})").scalar():
                return PurgeReport(days, cutoff, busy=True, dry_run=dry_run)
            if postgres:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            created = partitions.ensure_ahead(conn, cutoff, now) if postgres and not dry_run else []
            old_months = partitions.months_before(conn, cutoff) if postgres else []
            removed = {"entries": _delete_entries(conn, cutoff, old_months)}
            failed = _run_steps(conn, cutoff, steps, removed)
            # Last: from here to the commit, inserts into entries wait.
            dropped = partitions.drop_months(conn, old_months, dry_run)
            removed["entries"] += sum(dropped.values())
            if dry_run:
                transaction.rollback()
    return PurgeReport(days, cutoff, removed, tuple(dropped), tuple(created), tuple(failed), dry_run=dry_run)


def _delete_entries(conn: Connection, cutoff: datetime, old_months: list[str]) -> int:
    if conn.dialect.name == "postgresql":
        return partitions.delete_before(conn, cutoff, old_months)
    return conn.execute(entries.delete().where(entries.c.scanned_at < cutoff)).rowcount


def _run_steps(conn: Connection, cutoff: datetime, steps: Sequence[PurgeStep], removed: dict[str, int]) -> list[str]:
    """Run each step under a savepoint, noting its count in `removed`; returns the tables whose step failed."""
    failed = []
    for step in steps:
        try:
            with conn.begin_nested():
                removed[step.table] = step.run(conn, cutoff)
        except Exception:  # noqa: BLE001 - one table's fault must not keep the other tables' data
            logger.exception("retention purge step failed", extra={"fields": {"table": step.table}})
            failed.append(step.table)
    return failed


class PurgeSchedule:
    """Purges every `interval` seconds (the first at once) on a thread of its own, from start() to stop().
    A failed purge is logged (without personal data: database messages are withheld) and tried again at
    the next run; it never stops the server."""

    def __init__(self, engine: Engine, interval: float,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._engine = engine
        self._interval = interval
        self._clock = clock
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        """Stop after the purge under way, if any (the thread is a daemon: a longer one dies, rolled back,
        with the process)."""
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.run_once()
            self._stopping.wait(self._interval)

    def run_once(self) -> PurgeReport | None:
        try:
            report = purge(self._engine, self._clock())
        except RetentionProblem as problem:
            logger.error("retention purge not done", extra={"fields": {"problem": str(problem)}})
            return None
        except Exception:  # noqa: BLE001 - a bug or a database fault must not stop the server; tried again
            logger.exception("retention purge failed; tried again at the next run")
            return None
        if not report.busy:
            logger.info("retention purge", extra={"fields": {
                "cutoff": report.cutoff.isoformat(), "removed": report.removed, "dropped": list(report.dropped),
                "created": list(report.created), "failed": list(report.failed)}})
        return report
