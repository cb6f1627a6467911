"""One door per entries database: a second kiosk on the same file would stack a second always-on-top window
over the first and count every visitor twice.

The lock is the operating system's, on a file beside the database (`<database>.lock`), held for the life of
the process (fcntl.flock on POSIX, msvcrt.locking on Windows): the system lets it go when the process ends,
however it ends, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from kiosk.errors import KioskError


class DoorAlreadyOpen(KioskError):
    """Another process holds the lock of this database."""


class DoorLock:
    """The held lock; `release()` (or the end of the process) lets it go."""

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path = path
        self._handle: BinaryIO | None = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the lock
            self._handle = None


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def hold_door(database: Path) -> DoorLock:
    """Take the lock of `database` for this process. DoorAlreadyOpen when another process has it; OSError
    when the lock file cannot be created (a folder that cannot be written)."""
    path = lock_path(database)
    handle = open(path, "a+b")  # noqa: SIM115 (held until release)
    try:
        _lock(handle)
    except OSError:
        handle.close()
        raise DoorAlreadyOpen(f"{database}: another kiosk is running on this database") from None
    return DoorLock(path, handle)


if os.name == "nt":
    import msvcrt

    def _lock(handle: BinaryIO) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
else:
    import fcntl

    def _lock(handle: BinaryIO) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
