"""The server on an open network: security headers, proxies, stalled clients and shutdown."""

from __future__ import annotations

import base64
import hashlib
import re
import signal
import socket
import ssl
import subprocess
import time

import pytest
import requests

from server.admins import add_admin

from dashboard_login import csrf_token
from test_sync_client import _self_signed_certificate

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

PROXIED = {"KIOSK_SERVER_TRUSTED_PROXIES": "127.0.0.1"}
SECURITY_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer"}


def test_every_page_and_api_answer_carries_the_security_headers(server, new_station):
    station = new_station()
    answers = [
        requests.get(f"{server.url}/dashboard/login", timeout=10),
        requests.get(f"{server.url}/healthz", timeout=10),
        requests.get(f"{server.url}/api/v1/station/config", timeout=10),  # 401
        requests.get(f"{server.url}/api/v1/station/config", headers={"Authorization": f"Bearer {station.token}"},
                     timeout=10),
        requests.post(f"{server.url}/api/v1/entries", data="{", timeout=10,
                      headers={"Authorization": f"Bearer {station.token}"}),  # 422
        requests.get(f"{server.url}/no-such-page", timeout=10),
        requests.get(f"{server.url}/declare", timeout=10),
    ]
    for answer in answers:
        assert {k: answer.headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS, answer.url
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"], answer.url
        assert "Strict-Transport-Security" not in answer.headers  # plain http: HSTS would mean nothing


@pytest.mark.parametrize("path", ["/dashboard/login", "/declare"])
def test_the_csp_allows_the_pages_own_styles_and_no_inline_script(server, path):
    page = requests.get(f"{server.url}{path}", timeout=10)
    policy = page.headers["Content-Security-Policy"]

    for style in re.findall(r"<style>(.*?)</style>", page.text, re.S):
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy  # default-src 'none': no script at all
    assert "frame-ancestors 'none'" in policy


def test_forwarded_https_counts_only_from_a_trusted_proxy(start_server, server, engine):
    add_admin(engine, "quan-tri", "mật-khẩu-dài-1")
    proxied = start_server(env=PROXIED)
    claimed_https = {"X-Forwarded-Proto": "https"}

    untrusted = requests.get(f"{server.url}/dashboard/login", headers=claimed_https, timeout=10)
    form = requests.get(f"{proxied.url}/dashboard/login", headers=claimed_https, timeout=10)
    # The browser speaks https to the proxy, so it sends the Secure cookie back; requests over http would not.
    login = requests.post(f"{proxied.url}/dashboard/login", allow_redirects=False, timeout=10,
                          headers={**claimed_https, "Cookie": f"kiosk_login={form.cookies['kiosk_login']}"},
                          data={"username": "quan-tri", "password": "mật-khẩu-dài-1",
                                "csrf_token": csrf_token(form.text)})

    assert "Strict-Transport-Security" not in untrusted.headers and "Secure" not in untrusted.headers["set-cookie"]
    assert form.headers["Strict-Transport-Security"].startswith("max-age=") and "Secure" in form.headers["set-cookie"]
    session_cookie = next(c for c in login.headers["set-cookie"].split(", ") if c.startswith("kiosk_admin="))
    assert login.status_code == 303 and "Secure" in session_cookie and "HttpOnly" in session_cookie


def _half_request(port: int, path: str, extra_headers: str = "") -> socket.socket:
    """Headers that promise 100 bytes of body, then 6 of them, then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 f"Content-Length: 100\r\n{extra_headers}\r\n".encode() + b"userna")
    return sock


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def _stop_seconds(server) -> float:
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    return time.monotonic() - started


@pytest.mark.parametrize("path, headers", [
    ("/dashboard/login", ""),
    ("/api/v1/entries", "Authorization: Bearer {token}\r\n"),
])
def test_a_stalled_body_is_answered_408_and_dropped(start_server, new_station, path, headers):
    server = start_server(env={"KIOSK_SERVER_BODY_TIMEOUT": "1"})
    sock = _half_request(server.port, path, headers.format(token=new_station().token))

    started = time.monotonic()
    answer = _answer(sock)  # returns once the server closes the connection

    assert answer.startswith(b"HTTP/1.1 408 ") and b"request_timeout" in answer
    assert time.monotonic() - started < 5
    assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200


def test_the_server_stops_promptly_with_a_request_stuck_in_its_body(start_server):
    server = start_server(env={"KIOSK_SERVER_BODY_TIMEOUT": "60"})  # the body timeout is not what ends it
    stuck = _half_request(server.port, "/dashboard/login")
    idle = socket.create_connection(("127.0.0.1", server.port))  # connected, never says anything
    requests.get(f"{server.url}/healthz", timeout=5)  # the half request has reached the application

    assert _stop_seconds(server) < 6
    stuck.close()
    idle.close()


def test_the_server_stops_promptly_with_an_aborted_tls_handshake(start_server, tmp_path):
    tls = _self_signed_certificate(tmp_path)
    server = start_server(tls=tls)
    assert requests.get(f"{server.url}/healthz", verify=str(tls[0]), timeout=5).headers[
        "Strict-Transport-Security"].startswith("max-age=")  # https straight to the server: HSTS
    half_handshake = socket.create_connection(("127.0.0.1", server.port))
    half_handshake.sendall(b"\x16\x03\x01\x00\xa0\x01\x00")  # the start of a ClientHello, then silence
    context = ssl.create_default_context(cafile=str(tls[0]))
    with context.wrap_socket(socket.create_connection(("127.0.0.1", server.port)), server_hostname="127.0.0.1"):
        assert _stop_seconds(server) < 6  # an open TLS connection, idle
    half_handshake.close()
