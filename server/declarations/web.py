"""The public declaration page: a visitor fills in the form on a phone and gets the signed QR to keep.

Mount with `install(app, service)`. Nothing the visitor typed is logged; the QR is returned in the page
(PNG and SVG) and not stored, and no answer of /declare may be cached (`Cache-Control: no-store`).

The page is open to anyone, so it must not be able to slow the kiosks' uploads down. Each client address
has a token bucket for the page and one for signing, checked by a gate in front of the whole application
(before routing, the request log and the body), so a flood costs little more than its 429 answers.
Signing runs in a worker thread and drawing the QR (pure-Python CPU work that would hold the interpreter
lock the event loop needs) in worker processes at a lower priority, at most `concurrent_signings` at a
time; past a short queue a request is answered "busy" at once. A form posted as JSON gets JSON answers
naming each field.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Mapping
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk.contract import hidden_in
from kiosk.reasons import Reason
from server.declarations.issuing import (
    ConfigurationError,
    DeclarationInputError,
    DeclarationService,
    IssuedDeclaration,
)
from server.errors import error_response
from server.qr_image import render_qr
from server.rate_limit import AddressRateLimiter, RateLimit

logger = logging.getLogger("kiosk_server")
router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

PAGE_RATE_ENV = "KIOSK_SERVER_DECLARE_PAGE_PER_MINUTE"
SIGN_RATE_ENV = "KIOSK_SERVER_DECLARE_SIGN_PER_MINUTE"
CONCURRENT_SIGNINGS_ENV = "KIOSK_SERVER_DECLARE_CONCURRENT_SIGNINGS"
PRIVATE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BUSY_RETRY_SECONDS = 2
DRAWING_NICENESS = 10
_FIELDS = ("name", "phone", "id_number")
_NOT_TEXT = Reason("input.not-text")

TEXTS = {
    "vi": {
        "title": "Khai báo y tế", "name": "Họ và tên", "phone": "Số điện thoại", "id_number": "Số CCCD/CMND",
        "yes": "Có", "no": "Không", "submit": "Gửi tờ khai và nhận mã QR", "fix": "Vui lòng sửa các mục bên dưới.",
        "done": "Đây là mã QR khai báo y tế của bạn. Lưu ảnh hoặc in ra và xuất trình tại cổng.",
        "valid_until": "Có hiệu lực đến", "save_png": "Lưu ảnh PNG", "save_svg": "Lưu SVG (in ấn)",
        "again": "Khai báo cho người khác", "privacy": "Thông tin chỉ dùng để kiểm soát dịch bệnh.",
        "unavailable": "Trang khai báo tạm thời không hoạt động. Vui lòng báo nhân viên.",
        "slow_down": "Có quá nhiều yêu cầu từ mạng của bạn. Vui lòng thử lại sau {seconds} giây.",
        "busy": "Hệ thống đang bận. Vui lòng quay lại và bấm Gửi sau vài giây.",
        "bad_form": "Không đọc được tờ khai đã gửi. Vui lòng tải lại trang và điền lại.",
    },
    "en": {
        "title": "Health declaration", "name": "Full name", "phone": "Phone number", "id_number": "ID card number",
        "yes": "Yes", "no": "No", "submit": "Send the declaration and get the QR code",
        "fix": "Please correct the fields below.",
        "done": "This is your health declaration QR code. Save the picture or print it and show it at the door.",
        "valid_until": "Valid until", "save_png": "Save PNG picture", "save_svg": "Save SVG (for printing)",
        "again": "Declare for someone else", "privacy": "The information is used for disease control only.",
        "unavailable": "The declaration page is not available right now. Please tell the staff.",
        "slow_down": "Too many requests from your network. Please try again in {seconds} seconds.",
        "busy": "The system is busy. Please go back and press Send again in a few seconds.",
        "bad_form": "The declaration sent could not be read. Please reload the page and fill it in again.",
    },
}


@dataclass(frozen=True)
class PageLimits:
    """Per client address: page views and signings a minute (a quiet client may use a minute's worth at
    once), and how long a refused request waits for its 429 (a client that ignores Retry-After then sends
    a few requests a second per connection, not hundreds). Per process: signings at the same time, how
    many more may wait for their turn before "busy", and the largest form accepted."""

    page: RateLimit = RateLimit(per_minute=120)
    signing: RateLimit = RateLimit(per_minute=20)
    refusal_pause: float = 0.5
    concurrent_signings: int = 2
    queued_signings: int = 8
    max_body_bytes: int = 16 * 1024

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "PageLimits":
        default = cls()
        return cls(page=RateLimit(_positive(environ, PAGE_RATE_ENV, default.page.per_minute)),
                   signing=RateLimit(_positive(environ, SIGN_RATE_ENV, default.signing.per_minute)),
                   concurrent_signings=_positive(environ, CONCURRENT_SIGNINGS_ENV, default.concurrent_signings))


def _positive(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigurationError(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


class _Guard:
    """One application's limits: the buckets per address, the signing slots and the drawing processes."""

    def __init__(self, limits: PageLimits) -> None:
        self.limits = limits
        self.page = AddressRateLimiter(limits.page)
        self.signing = AddressRateLimiter(limits.signing)
        self._signing_slots = asyncio.Semaphore(limits.concurrent_signings)
        self._signings = 0  # running and waiting; only the event loop's thread counts
        self._drawing: ProcessPoolExecutor | None = None
        self._refused = 0
        self._reported_at = 0.0

    def busy(self) -> bool:
        return self._signings >= self.limits.concurrent_signings + self.limits.queued_signings

    @asynccontextmanager
    async def signing_turn(self) -> AsyncIterator[None]:
        self._signings += 1
        try:
            async with self._signing_slots:
                yield
        finally:
            self._signings -= 1

    async def draw(self, text: str) -> tuple[bytes, str]:
        if self._drawing is None:  # started on first use: most processes never draw a QR
            # At a lower priority than the server itself: the kiosks' uploads come first.
            self._drawing = ProcessPoolExecutor(self.limits.concurrent_signings, initializer=os.nice,
                                                initargs=(DRAWING_NICENESS,),
                                                mp_context=multiprocessing.get_context("spawn"))
        return await asyncio.get_running_loop().run_in_executor(self._drawing, render_qr, text)

    def close(self) -> None:
        if self._drawing is not None:
            self._drawing.shutdown(cancel_futures=True)

    def refused(self) -> None:
        """Count a refusal; say how many in the log at most once a minute (never who: one line per request
        would let a flood fill the disk)."""
        self._refused += 1
        now = time.monotonic()
        if now - self._reported_at >= 60:
            logger.warning("declare rate limit refused requests", extra={"fields": {"refused": self._refused}})
            self._refused, self._reported_at = 0, now


class _RateGate:
    """Pure ASGI, outermost: answers an address over its budget before anything else runs."""

    def __init__(self, app: ASGIApp, guard: _Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/declare" and scope["method"] in ("GET", "POST"):
            limiter = self.guard.signing if scope["method"] == "POST" else self.guard.page
            client = scope.get("client")
            seconds = limiter.retry_after(client[0] if client else None)
            if seconds:
                self.guard.refused()
                await asyncio.sleep(self.guard.limits.refusal_pause)
                response = _notice(Request(scope), 429, "slow_down", "rate_limited",
                                   {"Retry-After": str(seconds)}, seconds=seconds)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI, service: DeclarationService, limits: PageLimits = PageLimits()) -> None:
    """Serve /declare on `app`, issuing with `service` (which needs its engine to record what it issues)."""
    guard = _Guard(limits)
    app.state.declarations = service
    app.state.declaration_guard = guard
    app.include_router(router)
    app.add_middleware(_RateGate, guard=guard)
    app.router.on_shutdown.append(guard.close)


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang", "")
    return asked if asked in TEXTS else "vi"


def _service(request: Request) -> DeclarationService:
    return request.app.state.declarations


def _guard(request: Request) -> _Guard:
    return request.app.state.declaration_guard


def _wants_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def _page(request: Request, status_code: int = 200, headers: Mapping[str, str] | None = None,
          **context: Any) -> HTMLResponse:
    lang = _lang(request)
    context.setdefault("values", {})
    context.setdefault("problems", {})
    context.setdefault("questions", ())
    return templates.TemplateResponse(request, "declaration.html", {"lang": lang, "t": TEXTS[lang], **context},
                                      status_code=status_code, headers={**PRIVATE, **(headers or {})})


def _notice(request: Request, status: int, key: str, code: str, headers: Mapping[str, str] | None = None,
            **words: Any) -> Response:
    """A page (or JSON error) that says only why nothing was issued."""
    if _wants_json(request):
        return error_response(status, code, TEXTS["en"][key].format(**words), headers={**PRIVATE, **(headers or {})},
                              vi=TEXTS["vi"][key].format(**words))
    return _page(request, status, headers, notice=TEXTS[_lang(request)][key].format(**words))


@router.get("/declare", response_class=HTMLResponse)
async def declaration_form(request: Request) -> Response:
    try:
        rules = await run_in_threadpool(_service(request).rules)
    except ConfigurationError:
        return _notice(request, 503, "unavailable", "unavailable")
    return _page(request, questions=rules.questions)


@router.post("/declare", response_class=HTMLResponse)
async def declare(request: Request) -> Response:
    guard = _guard(request)
    body = await _read_body(request, guard.limits.max_body_bytes)
    if body is None:
        return _notice(request, 413, "bad_form", "too_large")
    typed = _json_form(body) if _wants_json(request) else _url_form(body)
    if typed is None:
        return _notice(request, 400, "bad_form", "malformed")
    if guard.busy():
        return _notice(request, 503, "busy", "busy", {"Retry-After": str(BUSY_RETRY_SECONDS)})
    async with guard.signing_turn():
        try:
            issued = await run_in_threadpool(_issue, _service(request), typed)
        except DeclarationInputError as problem:
            return await _refused(request, typed, problem.problems)
        except ConfigurationError:
            return _notice(request, 503, "unavailable", "unavailable")
        if _wants_json(request):
            return JSONResponse({"declaration": issued.text, "declaration_id": issued.cti.hex(),
                                 "expires_at": issued.expires_at.isoformat()}, headers=PRIVATE)
        png, svg = await guard.draw(issued.text)
    zone = ZoneInfo(_service(request).settings.time_zone)
    return _page(request, issued=issued, png=base64.b64encode(png).decode("ascii"),
                 svg_b64=base64.b64encode(svg.encode("utf-8")).decode("ascii"),
                 valid_until=issued.expires_at.astimezone(zone).strftime("%H:%M %d/%m/%Y"))


@dataclass(frozen=True)
class _Typed:
    """What the visitor sent: each value as text, or None where it was not text at all (JSON only)."""

    values: dict[str, str | None]
    answers: dict[str, str | bool | None]


def _issue(service: DeclarationService, typed: _Typed) -> IssuedDeclaration:
    """Check, sign and record (in a worker thread: it reads files and writes the database)."""
    values = {name: value or "" for name, value in typed.values.items()}  # not text: refused as empty
    try:
        return service.issue(values["name"], values["phone"], values["id_number"], typed.answers)
    except DeclarationInputError as problem:
        not_text = {name: _NOT_TEXT for name, value in typed.values.items() if value is None}
        raise DeclarationInputError({**problem.problems, **not_text}) from None


def _both(reason: Reason) -> dict[str, object]:
    """A refused field for a web client: its code and parameters, and the sentence in both languages."""
    return {**reason.to_json(), "vi": reason.text("vi"), "en": reason.text("en")}


async def _refused(request: Request, typed: _Typed, problems: Mapping[str, Reason]) -> Response:
    if _wants_json(request):
        return error_response(422, "invalid_declaration", "Some fields need fixing; nothing was issued.",
                              headers=PRIVATE, fields={name: _both(reason) for name, reason in problems.items()})
    lang = _lang(request)
    shown = {name: _shown(value) for name, value in typed.values.items()}
    shown.update({f"answer_{q}": _shown(a) for q, a in typed.answers.items() if isinstance(a, str)})
    rules = await run_in_threadpool(_service(request).rules)
    return _page(request, 422, questions=rules.questions, values=shown,
                 problems={name: reason.text(lang) for name, reason in problems.items()})


def _shown(value: str | None) -> str:
    """A typed value put back in the form: hidden characters become visible (and encodable) marks."""
    hidden = set(hidden_in(value or ""))
    return "".join("\ufffd" if ch in hidden else ch for ch in value or "")


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is longer than `limit` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)




def _url_form(body: bytes) -> _Typed | None:
    try:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=64)
    except ValueError:
        return None
    sent: dict[str, str] = {}
    for key, value in pairs:
        sent.setdefault(key, value)
    return _Typed({name: sent.get(name, "") for name in _FIELDS},
                  {key.removeprefix("answer_"): value for key, value in sent.items() if key.startswith("answer_")})


def _json_form(body: bytes) -> _Typed | None:
    """{"name", "phone", "id_number": text, "answers": {question: "yes"|"no"|true|false}}."""
    try:
        sent = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(sent, dict) or not isinstance(sent.get("answers", {}), dict):
        return None
    values = {name: _text_or_none(sent.get(name, "")) for name in _FIELDS}
    answers = {str(q): a if isinstance(a, (str, bool)) else None for q, a in sent.get("answers", {}).items()}
    return _Typed(values, answers)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
