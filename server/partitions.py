"""PostgreSQL keeps entries in one partition per calendar month of scanned_at (UTC), so that the retention
purge drops whole months instead of deleting them row by row.

A month's partition is `entries_YYYYMM`. `entries_default` takes whatever has no month of its own: a kiosk
whose clock was years off, or a month not created yet. Every purge creates the months from its cut-off to
MONTHS_AHEAD months ahead; the migration that partitioned the table created those its rows needed too.
Creating a month whose rows already sit in the default partition moves them into it: PostgreSQL refuses
the new partition otherwise.

SQLite keeps one table; nothing here is called for it. Names put into statements come from `Month` alone
(digits), never from a client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy.engine import Connection

PARENT = "entries"
DEFAULT_PARTITION = "entries_default"
MONTHS_AHEAD = 2
_MONTH_NAME = re.compile(r"entries_(\d{4})(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in UTC."""

    year: int
    month: int

    @classmethod
    def of(cls, moment: datetime) -> "Month":
        moment = moment.astimezone(timezone.utc)
        return cls(moment.year, moment.month)

    @classmethod
    def from_name(cls, name: str) -> "Month | None":
        found = _MONTH_NAME.fullmatch(name)
        return cls(int(found[1]), int(found[2])) if found and 1 <= int(found[2]) <= 12 else None

    def plus(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=timezone.utc)

    @property
    def end(self) -> datetime:
        """The first moment after the month (the partition's exclusive upper bound)."""
        return self.plus(1).start

    @property
    def name(self) -> str:
        return f"entries_{self.year:04d}{self.month:02d}"


def months(first: Month, last: Month) -> Iterator[Month]:
    """first .. last, both included."""
    month = first
    while month <= last:
        yield month
        month = month.plus(1)


def monthly_partitions(conn: Connection) -> dict[Month, str]:
    """The month partitions of entries (in the schema the connection uses), by month."""
    names = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        f"WHERE i.inhparent = '{PARENT}'::regclass").scalars()
    return {month: name for name in names if (month := Month.from_name(name)) is not None}


def create_default_partition(conn: Connection) -> None:
    conn.exec_driver_sql(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {PARENT} DEFAULT")


def ensure_months(conn: Connection, first: Month, last: Month) -> list[str]:
    """Create the month partitions from first to last that do not exist yet; returns the names created."""
    existing = monthly_partitions(conn)
    missing = [month for month in months(first, last) if month not in existing]
    for month in missing:
        _create_month(conn, month)
    return [month.name for month in missing]


def ensure_ahead(conn: Connection, since: datetime, now: datetime) -> list[str]:
    """The partitions of the months from `since` (the retention's cut-off: entries that old are still
    accepted) to MONTHS_AHEAD months after now (idempotent); returns the names created."""
    return ensure_months(conn, Month.of(since), Month.of(now).plus(MONTHS_AHEAD))


def _create_month(conn: Connection, month: Month) -> None:
    bounds = f"FROM ('{month.start.isoformat()}') TO ('{month.end.isoformat()}')"
    in_month = f"scanned_at >= '{month.start.isoformat()}' AND scanned_at < '{month.end.isoformat()}'"
    waiting = conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE {in_month})").scalar()
    if waiting:
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE entries_moving (LIKE {PARENT}) ON COMMIT DROP")
        conn.exec_driver_sql(f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE {in_month} RETURNING *) "
                             "INSERT INTO entries_moving SELECT * FROM moved")
    conn.exec_driver_sql(f"CREATE TABLE {month.name} PARTITION OF {PARENT} FOR VALUES {bounds}")
    if waiting:
        conn.exec_driver_sql(f"INSERT INTO {PARENT} SELECT * FROM entries_moving")
        conn.exec_driver_sql("DROP TABLE entries_moving")


def months_before(conn: Connection, cutoff: datetime) -> list[str]:
    """The month partitions that end at or before the cut-off (everything in them is older), oldest first."""
    return [name for month, name in sorted(monthly_partitions(conn).items()) if month.end <= cutoff]


def delete_before(conn: Connection, cutoff: datetime, dropping: list[str]) -> int:
    """Delete the rows scanned before the cut-off that are not in the month partitions `dropping` (those
    of months_before, dropped afterwards): the cut-off's month, and older rows of the default partition."""
    if not dropping:
        return conn.exec_driver_sql(f"DELETE FROM {PARENT} WHERE scanned_at < %(cutoff)s", {"cutoff": cutoff}).rowcount
    # Every month partition before `edge` is being dropped: older rows elsewhere are in the default partition.
    edge = max(Month.from_name(_checked(name)) for name in dropping).end
    newer = conn.exec_driver_sql(f"DELETE FROM {PARENT} WHERE scanned_at >= %(edge)s AND scanned_at < %(cutoff)s",
                                 {"edge": edge, "cutoff": cutoff}).rowcount
    return newer + conn.exec_driver_sql(f"DELETE FROM {DEFAULT_PARTITION} WHERE scanned_at < %(edge)s",
                                        {"edge": edge}).rowcount


def drop_months(conn: Connection, names: list[str], dry_run: bool = False) -> dict[str, int]:
    """Drop these month partitions (see months_before); returns the rows each held. Inserts into entries
    wait from the count to the commit (they would wait for the drop anyway), so the count is exactly what
    went: call it last in the transaction. A dry run counts without locking or dropping."""
    if not names:
        return {}
    if not dry_run:
        conn.exec_driver_sql(f"LOCK TABLE {PARENT} IN SHARE ROW EXCLUSIVE MODE")
    rows = {name: conn.exec_driver_sql(f"SELECT count(*) FROM {_checked(name)}").scalar_one() for name in names}
    if not dry_run:
        for name in names:
            conn.exec_driver_sql(f"DROP TABLE {_checked(name)}")
    return rows


def _checked(name: str) -> str:
    if Month.from_name(name) is None:
        raise ValueError(f"not a month partition of entries: {name!r}")
    return name
