"""Structured logs: one JSON object per line, and never personal data.

A request is logged by method, path (without the query string, where a searched person key would be),
status, duration and station name; batch counts are added by the endpoint through request.state.
A traceback keeps its frames but not the message of a database error: PostgreSQL puts the failing row
(names included) in it ("DETAIL: Failing row contains ...").
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from datetime import datetime, timezone
from typing import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import DBAPIError

logger = logging.getLogger("kiosk_server")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info and record.exc_info[1] is not None:
            line["error"] = safe_traceback(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False)


_WITHHELD = "(message withheld: a database error may quote personal data)"


def _from_database(error: BaseException) -> bool:
    kind = type(error)
    return isinstance(error, DBAPIError) or kind.__module__.split(".")[0] in ("psycopg", "sqlite3", "psycopg2")


def safe_traceback(error: BaseException) -> str:
    """The traceback of `error` and of its causes, with database errors named but their messages left out."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        message = _WITHHELD if _from_database(current) else str(current)
        parts.append("".join(traceback.format_tb(current.__traceback__))
                     + f"{type(current).__module__}.{type(current).__qualname__}: {message}\n")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\nwhich led to:\n".join(reversed(parts))


def configure_logging(level: str = "info") -> None:
    """Every logger of the process writes JSON lines through the same formatter; ours at `level`, the rest
    (the root logger: asyncio, libraries) from warnings up, so that no traceback escapes the formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    for name in ("kiosk_server", "uvicorn.error"):
        named = logging.getLogger(name)
        named.handlers[:] = [handler]
        named.setLevel(level.upper())
        named.propagate = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def install_request_log(app: FastAPI) -> None:
    @app.middleware("http")
    async def _log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            fields = {
                "method": request.method,
                "path": request.url.path,
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "station": getattr(request.state, "station", None),
                **getattr(request.state, "log_fields", {}),
            }
            logger.info("request", extra={"fields": fields})
