"""The wire between a kiosk and the check-in server: the requests a round makes, the headers each carries,
and what an answer means. Whatever stops a round is raised as `RoundStopped`, in words an admin can act on.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from typing import Any

import requests

from kiosk.entry import Entry, format_utc

ENTRIES_PATH = "/api/v1/entries"
CONFIG_PATH = "/api/v1/station/config"
TIMEOUT = (5.0, 30.0)  # seconds to connect, seconds to wait for the answer
SERVER_ERRORS = frozenset(range(500, 600))
RETRYABLE_STATUS = frozenset({408, 429}) | SERVER_ERRORS
# Stopped uploads that say nothing about the download; any other status stops the download too.
WHOLE_SERVER_STATUS = frozenset({401, 404, 405, 429})
QUEUE_LENGTH_HEADER = "X-Queue-Length"
QUEUE_OLDEST_HEADER = "X-Queue-Oldest"
STATION_TIME_HEADER = "X-Station-Time"


class RoundStopped(Exception):
    """The round cannot go on now; the entries stay queued. `whole_server`: the download would meet the
    same failure (no connection, TLS, token ...), so it is not tried either."""

    def __init__(self, message: str, retry_after: float | None = None, whole_server: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.whole_server = whole_server


class Connection:
    """Requests to one server address. Owns its `requests.Session` unless handed one, and closes only what it
    owns: `close()` ends its kept-alive connections (a later request opens a new one)."""

    def __init__(self, server_url: str, timeout: tuple[float, float] = TIMEOUT,
                 session: requests.Session | None = None) -> None:
        self.server_url = server_url
        self.timeout = timeout
        self.session = session or requests.Session()
        self._owns_session = session is None

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = self.server_url.rstrip("/") + path
        try:
            # verify=True: TLS certificates are always checked (a CA bundle may be added with
            # REQUESTS_CA_BUNDLE, never switched off).
            return self.session.request(method, url, timeout=self.timeout, verify=True, **kwargs)
        except requests.exceptions.SSLError:
            raise RoundStopped(f"The server's TLS certificate could not be verified ({url}).",
                               whole_server=True) from None
        except requests.exceptions.ConnectTimeout:
            raise RoundStopped(f"The server did not answer in time ({self.timeout[0]:.0f} s).",
                               whole_server=True) from None
        except requests.exceptions.Timeout:
            raise RoundStopped(f"The server did not answer in time ({self.timeout[1]:.0f} s).") from None
        except requests.exceptions.ConnectionError:
            raise RoundStopped(f"Cannot reach the server at {self.server_url}.", whole_server=True) from None
        except requests.exceptions.RequestException as problem:
            raise RoundStopped(f"Cannot talk to the server: {problem}") from None

    def close(self) -> None:
        if self._owns_session:
            self.session.close()


def station_headers(token: str, waiting: int, oldest: datetime | None, now: datetime) -> dict[str, str]:
    """With every request: the token, and what the server's dashboard shows of this station's queue."""
    return {
        "Authorization": f"Bearer {token}",
        QUEUE_LENGTH_HEADER: str(waiting),
        QUEUE_OLDEST_HEADER: format_utc(oldest) if oldest else "",
        STATION_TIME_HEADER: format_utc(now),
    }


def entries_request(batch: list[Entry], headers: dict[str, str]) -> dict[str, Any]:
    """The keyword arguments of `Connection.request` that post a batch: gzip-compressed JSON."""
    body = gzip.compress(
        json.dumps({"entries": [entry.to_json() for entry in batch]}, ensure_ascii=False).encode("utf-8"),
        compresslevel=5,
    )
    return {"data": body, "headers": headers | {"Content-Type": "application/json", "Content-Encoding": "gzip"}}


def json_object(answer: requests.Response) -> dict[str, Any]:
    """The answer's JSON object; anything else (a captive portal's login page, a proxy's error page) stops
    the round with the entries kept."""
    try:
        document = answer.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise RoundStopped(f"The answer from {answer.url} is not from a check-in server (a network login "
                           "page or a proxy in the way?); the entries stay queued.", whole_server=True)
    return document


def results(answer: requests.Response) -> list[dict[str, Any]]:
    """The per-entry results of an accepted upload."""
    found = json_object(answer).get("results")
    if not isinstance(found, list) or not all(isinstance(result, dict) for result in found):
        raise RoundStopped("The server's answer has no per-entry results; the entries stay queued.")
    return found


def error(answer: requests.Response) -> dict[str, Any]:
    """The `error` object of a refusal ({} when there is none)."""
    try:
        found = answer.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return found if isinstance(found, dict) else {}


def failure(answer: requests.Response) -> str:
    """Why a held entry is held: the status and the server's message, if it gave one."""
    message = error(answer).get("message")
    return f"the server failed on it (HTTP {answer.status_code}{': ' + message if message else ''})"


def stopped_by(answer: requests.Response) -> RoundStopped:
    """What stops the round when the server refused a whole request."""
    return RoundStopped(_refusal_in_words(answer), retry_after(answer),
                        whole_server=answer.status_code in WHOLE_SERVER_STATUS)


def retry_after(answer: requests.Response) -> float | None:
    value = answer.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _refusal_in_words(answer: requests.Response) -> str:
    status = answer.status_code
    if status == 401:
        return "The server does not accept this station's token (revoked or mistyped): ask the administrator."
    if status == 429:
        return "The server is busy (HTTP 429); the entries will be sent later."
    if status in RETRYABLE_STATUS:
        return f"The server had a problem (HTTP {status}); the entries will be sent later."
    if status in (404, 405):
        return f"The server address {answer.url} does not lead to a check-in server (HTTP {status})."
    message = error(answer).get("message")
    return f"The server refused the request (HTTP {status}){': ' + message if message else ''}."
