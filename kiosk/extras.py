"""Which extra to install when a command's packages are missing: one line and exit code 2, not a traceback.

The base install holds only what the kiosk and the server share (kiosk.contract, signed declarations); the
door's packages (Qt, OpenCV, zxing, requests, sqlite-utils) are the `kiosk` extra and the server's (FastAPI,
SQLAlchemy, uvicorn, ...) the `server` extra. Standard library only.
"""

from __future__ import annotations

import sys

DISTRIBUTION = "qr-checkin-kiosk"
EXIT_MISSING_EXTRA = 2
_OWN_PACKAGES = frozenset({"kiosk", "server", "ui"})


def install_hint(extra: str) -> str:
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def report_missing_extra(program: str, extra: str, missing: ModuleNotFoundError) -> int:
    """Say which extra provides the package that `missing` did not find, and return the exit code.

    A module of this project that cannot be found is a bug (or a broken install), not a missing extra: it is
    raised again as it is."""
    package = (missing.name or "").partition(".")[0]
    if not package or package in _OWN_PACKAGES:
        raise missing
    print(f"{program}: thiếu gói {package!r}, hãy cài / package {package!r} is not installed: "
          f"{install_hint(extra)}", file=sys.stderr)
    return EXIT_MISSING_EXTRA
