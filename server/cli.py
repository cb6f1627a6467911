"""`kiosk-server`: the entry point, which says which extra to install when the server's packages are
missing (the commands themselves are in server.commands)."""

from __future__ import annotations

from typing import Sequence

from kiosk.extras import report_missing_extra


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from server.commands import run_command

        return run_command(argv)
    except ModuleNotFoundError as missing:  # FastAPI, SQLAlchemy, uvicorn, ... are the `server` extra
        return report_missing_extra("kiosk-server", "server", missing)
