"""Opening the door's files at start: the lock that keeps a second kiosk off the same database
(kiosk.single_door), then the database. What cannot be opened is a `StartProblem` that says what to fix in
the station's language, with the exit code the process ends with; the window shows it door-sized, the
headless door prints it.

A data folder that cannot be written is not safe to run on (no entry would be kept), so the door does not
open; the folder is tried by writing in it, not by reading its permissions (a full or read-only disk too).
"""

from __future__ import annotations

import errno
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import KioskError, os_problem
from kiosk.messages import Message
from kiosk.settings import Settings, database_path
from kiosk.single_door import DoorAlreadyOpen, DoorLock, hold_door
from kiosk.store import Store, StoreError
from kiosk.visit_log import VisitRules

log = logging.getLogger(__name__)

EXIT_NOT_STARTED = 2  # the data folder or the database cannot be used (as kiosk.cli's user errors)
EXIT_ALREADY_OPEN = 3  # another kiosk runs on the same database

_CAUSES = {errno.EACCES: "start.cause.permission", errno.EPERM: "start.cause.permission",
           errno.ENOSPC: "start.cause.full", errno.EROFS: "start.cause.read-only",
           errno.ENOTDIR: "start.cause.not-folder", errno.EEXIST: "start.cause.not-folder"}


class StartProblem(KioskError):
    """The door cannot open. `message` says what to fix; `can_retry`: trying again may work once the admin
    fixed it (a second kiosk is not retried: it is closed)."""

    def __init__(self, message: Message, exit_code: int, can_retry: bool) -> None:
        super().__init__(message.en)
        self.message = message
        self.exit_code = exit_code
        self.can_retry = can_retry


@dataclass
class OpenedDoor:
    """The door's database and the lock that keeps it this process's alone."""

    store: Store
    lock: DoorLock

    def close(self) -> None:
        self.store.close()
        self.lock.release()


def open_door(settings: Settings) -> OpenedDoor:
    """Lock and open the database of `settings` (the rehearsal one in demo mode); StartProblem if not."""
    path = database_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
        lock = hold_door(path)
    except DoorAlreadyOpen:
        raise _logged(Message("start.already-open", database=str(path)), EXIT_ALREADY_OPEN, False) from None
    except OSError as error:
        raise _logged(data_folder_problem(path.parent, error), EXIT_NOT_STARTED, True) from None
    try:
        store = Store.open(path, visit_rules=VisitRules.from_settings(settings))
    except StoreError as error:
        lock.release()
        raise _logged(Message("start.store", reason=error.reason), EXIT_NOT_STARTED, True) from None
    return OpenedDoor(store, lock)


def data_folder_problem(folder: Path, error: OSError) -> Message:
    """What to fix when `folder` cannot be written, in words a guard can pass on."""
    code = _CAUSES.get(error.errno or 0)
    cause = Message(code) if code else Message("start.cause.other", detail=os_problem(error))
    return Message("start.data-folder", folder=str(folder), cause=cause)


def _logged(message: Message, exit_code: int, can_retry: bool) -> StartProblem:
    log.error("the door did not open: %s", message.en)
    return StartProblem(message, exit_code, can_retry)
