"""The base of every error a person can fix (a bad setting, a full disk, a missing file).

Such errors reach the user as one plain sentence; any other exception is a bug.
"""

from kiosk.reasons import Reason

# What a person is told when a bug, not the machine, stopped something; the bug itself is logged in full.
INTERNAL_ERROR = Reason("internal-error")


class KioskError(Exception):
    """Something the user can fix; `str(error)` says what and how."""


def os_problem(error: OSError) -> str:
    """The operating system's words for a failed file operation ("No space left on device")."""
    return error.strerror or str(error)
