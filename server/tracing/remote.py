"""The authority's side of a remote trace: `kiosk-server trace --key FILE --server URL` asks the server's
trace API for the contacts' sealed boxes (`"sealed": true`) with a tracer's token; the key stays here.

Standard library only (urllib): the authority's machine needs no HTTP package beyond the server's own.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

TOKEN_ENV = "KIOSK_SERVER_TOKEN"
TIMEOUT_SECONDS = 120  # a trace may take a second; a slow link, a lot longer
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class RemoteTraceError(Exception):
    """The server did not answer the trace; the message says why in plain words. `status` is the HTTP
    status when the server answered (422: the trace cannot be answered as asked)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def checked_server_url(url: str) -> str:
    """The server's address; plain http is refused except on this machine (the token travels with it)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteTraceError(f"--server must be the server's address, e.g. https://kiosk.example.vn (got {url!r})")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise RemoteTraceError("--server must use https: the token would travel in clear over http")
    return url.strip().rstrip("/")


def sealed_trace(server_url: str, token: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    """POST /api/v1/trace with "sealed": true; the answer's JSON lines (server.tracing.reveal.authority_lines)."""
    body = json.dumps({**request, "sealed": True}).encode("utf-8")
    asked = urllib.request.Request(f"{checked_server_url(server_url)}/api/v1/trace", data=body, method="POST",
                                   headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                            "Accept-Language": "en"})
    try:
        with urllib.request.urlopen(asked, timeout=TIMEOUT_SECONDS) as answer:
            text = answer.read().decode("utf-8")
    except urllib.error.HTTPError as refused:
        raise RemoteTraceError(_refusal(refused), refused.code) from None
    except (urllib.error.URLError, OSError) as problem:
        reason = getattr(problem, "reason", problem)
        raise RemoteTraceError(f"cannot reach the server at {server_url}: {reason}") from None
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError:
        raise RemoteTraceError(f"the server at {server_url} did not answer with a trace") from None


def _refusal(refused: urllib.error.HTTPError) -> str:
    try:
        error = json.loads(refused.read().decode("utf-8"))["error"]
        message = str(error["message"])
        problems = error.get("problems") or []
    except (ValueError, KeyError, TypeError):
        return f"the server refused the trace (HTTP {refused.code})"
    return f"the server refused the trace (HTTP {refused.code}): {message}" + "".join(
        f"\n  {problem}" for problem in problems)
