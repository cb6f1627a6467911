"""A store whose disk is "full" on demand: the self-test shows the door on a full disk, and the tests check
that nothing is lost there, without filling a real disk.

SQLite's `max_page_count` is a limit of one connection: set to the database's current size, every write
that needs a new page fails with SQLITE_FULL, exactly as on a full disk (a few more entries may still fit
in the room left in the pages it has). So the store is opened on a connection its owner keeps.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.store import Store

_NO_LIMIT = 1073741823  # SQLite's largest page count


def store_on_own_connection(path: Path) -> tuple[Store, sqlite3.Connection]:
    """A store (created and migrated by `Store.open`) on a connection handed to its constructor, which the
    caller keeps: to make the disk "full" for it, to watch which threads run statements
    (`set_trace_callback`) or to put a bug in the SQL it runs (a TEMP trigger). The caller closes the store."""
    Store.open(path).close()
    connection = sqlite3.connect(path, check_same_thread=False, timeout=10, isolation_level=None)
    connection.execute("PRAGMA synchronous=FULL")  # as `Store.open` sets up its own connection
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA secure_delete=ON")
    return Store(connection, path), connection


def limit_to_current_size(connection: sqlite3.Connection) -> None:
    """From now on the database cannot grow, as on a full disk (SQLITE_FULL)."""
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count={pages}")


def lift_size_limit(connection: sqlite3.Connection) -> None:
    """Space came back."""
    connection.execute(f"PRAGMA max_page_count={_NO_LIMIT}")
