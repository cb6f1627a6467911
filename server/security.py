"""What every answer and every form of the server needs to be safe in a browser and on an open network.

- `SecurityHeaders`: HSTS (on https), a CSP without inline scripts, no framing, no sniffing, no referrer,
  on every page and API answer.
- `BodyTimeout`: a client that sends the headers and then stalls in the body is answered 408 and dropped
  once no chunk arrived for `seconds`, so it holds neither a worker nor the server's shutdown.
- CSRF: a synchronizer token derived from the secret cookie of the browser's session (the administrator's
  session, or before the login a random pre-login cookie). Every POST form carries it in the hidden field
  `csrf_token`; `require_csrf` refuses a POST without the right one with 403 and a plain page.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import os
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_TIMEOUT_ENV = "KIOSK_SERVER_BODY_TIMEOUT"
DEFAULT_BODY_TIMEOUT = 15.0  # seconds without a single byte of body: far longer than a slow mobile link's gap
CSRF_FIELD = "csrf_token"
HSTS = "max-age=31536000"  # not includeSubDomains: other hosts of the domain may not speak https yet
_TEMPLATE_FOLDERS = (Path(__file__).parent / "templates", Path(__file__).parent / "declarations" / "templates")


def _style_hashes() -> list[str]:
    """CSP hashes of the static <style> blocks of the server's templates: they stay allowed, nothing else inline."""
    hashes = set()
    for folder in _TEMPLATE_FOLDERS:
        for template in sorted(folder.glob("*.html")):
            for style in re.findall(r"<style>(.*?)</style>", template.read_text(encoding="utf-8"), re.S):
                digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
                hashes.add(f"'sha256-{digest}'")
    return sorted(hashes)


def content_security_policy() -> str:
    return "; ".join([
        "default-src 'none'",
        f"style-src {' '.join(_style_hashes())}",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ])


class SecurityHeaders:
    """Adds the browser-safety headers to every HTTP answer of the wrapped application."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy().encode("ascii")),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The scheme is https when the client spoke TLS to us, or to a proxy we were told to trust.
        extra = self.headers + ([(b"strict-transport-security", HSTS.encode("ascii"))]
                                if scope.get("scheme") == "https" else [])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                       *[(name, value) for name, value in extra if name not in present]]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def security_headers(request: Request) -> dict[str, str]:
    """The same headers, for an answer sent outside the middleware (the last-resort 500 handler)."""
    headers = {"Content-Security-Policy": content_security_policy(), "X-Frame-Options": "DENY",
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if request.url.scheme == "https":
        headers["Strict-Transport-Security"] = HSTS
    return headers


class BodyTimeout:
    """Answers 408 and ends the request when no chunk of its body arrives for `seconds`.

    The application then sees the client as gone (http.disconnect) and whatever it still sends is dropped.
    """

    def __init__(self, app: ASGIApp, seconds: float | None = None) -> None:
        self.app = app
        self.seconds = seconds if seconds is not None else float(os.environ.get(BODY_TIMEOUT_ENV,
                                                                                DEFAULT_BODY_TIMEOUT))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"started": False, "timed_out": False, "body_done": False}

        async def timed_receive() -> Message:
            if state["timed_out"]:
                return {"type": "http.disconnect"}
            if state["body_done"]:
                return await receive()  # waiting for a disconnect after the body is not a stall
            try:
                message = await asyncio.wait_for(receive(), self.seconds)
            except asyncio.TimeoutError:
                state["timed_out"] = True
                if not state["started"]:
                    await _send_timeout(send)
                return {"type": "http.disconnect"}
            if message["type"] == "http.request" and not message.get("more_body", False):
                state["body_done"] = True
            return message

        async def guarded_send(message: Message) -> None:
            if state["timed_out"]:
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, timed_receive, guarded_send)
        except Exception:
            if not state["timed_out"]:
                raise
            # The application failed because its client "went away" after we answered 408: not a bug.


async def _send_timeout(send: Send) -> None:
    body = b'{"error": {"code": "request_timeout", "message": "The request body stalled; send it again."}}'
    await send({"type": "http.response.start", "status": 408,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def csrf_token(secret: str) -> str:
    """The form token for a browser whose secret cookie is `secret` (a page cannot read the cookie)."""
    return hmac.new(secret.encode("utf-8"), b"kiosk-csrf", hashlib.sha256).hexdigest()


class CsrfRefused(Exception):
    """A POST from a form this server did not hand to this browser; `back` is the page to open again."""

    def __init__(self, back: str) -> None:
        super().__init__(back)
        self.back = back


async def require_csrf(request: Request, secret: str, back: str) -> None:
    """Refuse (403) a form POST whose csrf_token does not belong to the browser's secret cookie."""
    sent = (await request.form()).get(CSRF_FIELD, "")
    if not secret or not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(secret)):
        raise CsrfRefused(back)


_REFUSED_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>403</title></head><body>
<h1>Biểu mẫu đã hết hạn / The form has expired</h1>
<p>Biểu mẫu này không đến từ trang của máy chủ hoặc đã quá cũ. Hãy mở lại trang và gửi lại.</p>
<p>This form did not come from this server's page or is too old. Open the page again and send it again.</p>
<p><a href="{back}">{back}</a></p></body></html>"""


def install_security(app: FastAPI) -> None:
    """Register the CSRF refusal page, the body timeout and the headers (before the request log)."""

    @app.exception_handler(CsrfRefused)
    async def _refused(_request: Request, error: CsrfRefused) -> HTMLResponse:
        return HTMLResponse(_REFUSED_PAGE.format(back=html.escape(error.back)), status_code=403)

    app.add_middleware(BodyTimeout)
    app.add_middleware(SecurityHeaders)
