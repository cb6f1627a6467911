"""A loopback HTTP proxy between kiosk and server that fails on purpose, request by request.

Faults are queued with `plan(...)` and applied to the next entry uploads in order; config downloads and
health checks pass through untouched.
  "drop"     forward, let the server commit, then close the connection without an answer
  "500"      answer 500 without forwarding
  "429"      answer 429 with Retry-After: 7 without forwarding
  "slow"     forward, then hold the answer longer than the kiosk waits (the server has committed)
  "kill"     forward, then call `on_kill` (the test kills the server) before the answer comes back
  "portal"   answer 200 with an HTML login page without forwarding, as a captive portal does
  "hold"     forward, set `holding`, and keep the answer until `release()`
Besides the plan, uploads holding an entry id in `poisoned` answer 500 (as a server that cannot store that
entry does), and with `fail_every_upload` every upload does. `requests` records every request's method,
path and headers, `uploaded` the entry ids of every upload, in order.
"""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class FaultProxy:
    def __init__(self, upstream: str, slow_seconds: float = 3.0) -> None:
        self.upstream = upstream
        self.slow_seconds = slow_seconds
        self.on_kill = lambda: None
        self.uploads = 0  # entry uploads seen, faulty or not
        self.applied: list[str] = []
        self.poisoned: set[str] = set()
        self.fail_every_upload = False
        self.requests: list[Seen] = []
        self.uploaded: list[list[str]] = []
        self._faults: list[str | None] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.holding = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def release(self) -> None:
        self._release.set()

    def plan(self, *faults: str | None) -> None:
        """The next uploads' faults in order; None lets one through untouched."""
        with self._lock:
            self._faults.extend(faults)

    def next_fault(self, path: str, body: bytes, encoding: str | None) -> str | None:
        if not path.startswith("/api/v1/entries"):
            return None
        ids = _entry_ids(body, encoding)
        with self._lock:
            self.uploads += 1
            self.uploaded.append(ids)
            if self.fail_every_upload or self.poisoned.intersection(ids):
                return "500"
            fault = self._faults.pop(0) if self._faults else None
            if fault:
                self.applied.append(fault)
            return fault

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes,
                fault: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
        target = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            if fault == "kill":
                self.on_kill()
            answer = conn.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            conn.close()


def _entry_ids(body: bytes, encoding: str | None) -> list[str]:
    document = json.loads(gzip.decompress(body) if encoding == "gzip" else body)
    return [entry["id"] for entry in document["entries"]]


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._relay()

        def do_POST(self) -> None:
            self._relay()

        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            proxy.requests.append(Seen(self.command, self.path, dict(self.headers.items())))
            fault = proxy.next_fault(self.path, body, self.headers.get("Content-Encoding"))
            if fault == "portal":
                self._answer(200, [("Content-Type", "text/html")], b"<html><form>Wi-Fi login</form></html>")
                return
            if fault in ("500", "429"):
                retry = [("Retry-After", "7")] if fault == "429" else []
                self._answer(int(fault), [("Content-Type", "application/json"), *retry], b'{"error": {}}')
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            try:
                status, answer_headers, answer = proxy.forward(self.command, self.path, headers, body, fault)
            except OSError:
                self._answer(502, [("Content-Type", "application/json")], b'{"error": {"code": "upstream"}}')
                return
            if fault == "drop":
                self._hang_up()
                return
            if fault == "slow":
                proxy._release.wait(proxy.slow_seconds)
            if fault == "hold":
                proxy.holding.set()
                proxy._release.wait(60)
            self._answer(status, answer_headers, answer)

        def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            try:
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                self.close_connection = True  # the kiosk gave up waiting

        def _hang_up(self) -> None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    return Handler
