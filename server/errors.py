"""Every error the API answers carries a JSON body: {"error": {"code", "message", ...details}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.security import security_headers

logger = logging.getLogger("kiosk_server")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.details = status, code, message, headers, details


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   **details: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **details}}, status_code=status,
                        headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.headers, **error.details)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        return error_response(422, "malformed", "The request is malformed.", problems=problems)

    @app.exception_handler(OperationalError)
    async def _database_unavailable(_request: Request, error: OperationalError) -> JSONResponse:
        logger.error("database unavailable", extra={"fields": {"error": type(error.orig).__name__}})
        return error_response(503, "database_unavailable", "The database cannot be reached right now; nothing "
                              "was stored. Send again later.", headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _bug(request: Request, _error: Exception) -> JSONResponse:
        # The server logs the traceback itself, without database messages (server.access_log.JsonLines).
        # This answer leaves from outside the middleware, so it carries the security headers itself.
        return error_response(500, "internal_error", "The server failed; nothing was stored. Send again later.",
                              headers=security_headers(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        return error_response(error.status_code, f"http_{error.status_code}", str(error.detail), error.headers)
