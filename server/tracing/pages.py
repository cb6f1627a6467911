"""The dashboard's tracing pages: the trace (tracers only) with its timeline and its exports, and the audit
log of every trace and every unsealing (administrators only).

The person searched travels in POST bodies only, never in a URL (browser histories, proxies and logs keep
URLs), is never sent back in a page (the form shows it masked, to be typed again), and no answer may be
cached (Cache-Control: no-store). Each trace and each export is a new trace,
recorded in the audit log against its case number (via "dashboard").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from kiosk.tracing.identity import shown_query
from kiosk.tracing.masking import mask_person_key
from kiosk.messages import Message
from kiosk.tracing.overlap import padded_end
from kiosk.tracing.report import Trace
from kiosk.tracing.request import LONGEST_MINIMUM, TraceProblem, typed_moment
from server.dashboard import _language, _page, csrf_protected, require_role
from server.dashboard_text import TEXT
from server.secret_keys import SecretError
from server.roles import Role, User
from server.tracing.audit import audit_log
from server.tracing.exports import CSV_TYPE, XLSX_TYPE, csv_bytes, export_filename, xlsx_bytes
from server.tracing.query import run_trace
from server.tracing.reveal import unseal_log
from server.tracing.timeline import timeline_svg

router = APIRouter(prefix="/dashboard", include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}
FIELD_LONGEST = 200  # characters kept of any field; run_trace refuses what is too long for it
AUDIT_PAGE = 50
tracer_only = require_role(Role.TRACER)
admin_only = require_role(Role.ADMIN)


class _Unanswered(Exception):
    """A trace the page cannot answer; `text` says why, in the page's language."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class TraceForm:
    """The trace form as sent: text fields, bounded, read back into the form when it is shown again."""

    person: str = ""
    case_number: str = ""
    since: str = ""  # datetime-local: 2026-11-30T08:00, in the server's time zone
    until: str = ""
    min_minutes: str = "0"
    padding: bool = False

    @classmethod
    def read(cls, person: str = Form(""), case_number: str = Form(""), since: str = Form(""),
             until: str = Form(""), min_minutes: str = Form("0"), padding: str = Form("")) -> "TraceForm":
        return cls(*(text.strip()[:FIELD_LONGEST] for text in (person, case_number, since, until, min_minutes)),
                   padding=bool(padding))

    @property
    def shown_person(self) -> str:
        """The person as the page shows it again: masked (the number typed is never sent back), to be
        typed again for the next trace or export."""
        return shown_query(self.person) if self.person else ""

    def run(self, request: Request, user: User) -> Trace:
        """The trace asked, recorded in the audit log; _Unanswered when it cannot be."""
        lang = _language(request)
        try:
            return run_trace(request.app.state.engine, self.person, since=typed_moment(self.since, TEXT[lang]["trace_from"]),
                             until=typed_moment(self.until, TEXT[lang]["trace_to"]), min_minutes=_minutes(self.min_minutes),
                             padding=self.padding, asked_by=user.name, role=user.role.value, via="dashboard",
                             case_number=self.case_number, zone=request.app.state.zone)
        except TraceProblem as problem:
            raise _Unanswered(problem.message.text(lang)) from None
        except SecretError:
            raise _Unanswered(TEXT[lang]["audit_unavailable"]) from None


@router.get("/trace")
def trace_form(request: Request, user: User = Depends(tracer_only)) -> HTMLResponse:
    return _trace_page(request, user, TraceForm())


@router.post("/trace", dependencies=[Depends(csrf_protected)])
def trace_answer(request: Request, user: User = Depends(tracer_only),
                 form: TraceForm = Depends(TraceForm.read)) -> HTMLResponse:
    try:
        result = form.run(request, user)
    except _Unanswered as problem:
        return _trace_page(request, user, form, problem=problem.text, status=422)
    return _trace_page(request, user, form, result=result)


@router.post("/trace/export", dependencies=[Depends(csrf_protected)])
def trace_export(request: Request, user: User = Depends(tracer_only), form: TraceForm = Depends(TraceForm.read),
                 format: str = Form("csv")) -> Response:
    """The trace as a CSV or XLSX file: a new trace, recorded like any other."""
    try:
        result = form.run(request, user)
    except _Unanswered as problem:
        return _trace_page(request, user, form, problem=problem.text, status=422)
    asked_at = datetime.now(request.app.state.zone)
    if format == "xlsx":
        body, kind = xlsx_bytes(result, form.case_number), XLSX_TYPE
    else:
        format, body, kind = "csv", csv_bytes(result), CSV_TYPE
    name = export_filename(form.case_number, asked_at, format)
    return Response(body, media_type=kind,
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/audit")
def audit_page(request: Request, user: User = Depends(admin_only)) -> HTMLResponse:
    """Every trace asked and every unsealing, newest first, a page at a time."""
    page = _page_number(request.query_params.get("page", ""))
    engine, offset = request.app.state.engine, (page - 1) * AUDIT_PAGE
    with engine.connect() as conn:
        records = audit_log(conn, limit=AUDIT_PAGE + 1, offset=offset)
    unsealings = unseal_log(engine, limit=AUDIT_PAGE + 1, offset=offset)
    more = len(records) > AUDIT_PAGE or len(unsealings) > AUDIT_PAGE
    zone = request.app.state.zone
    response = _page(request, "audit.html", user, records=records[:AUDIT_PAGE], unsealings=unsealings[:AUDIT_PAGE],
                     page=page, more=more, first=(page - 1) * AUDIT_PAGE + 1,
                     minute=lambda moment: _minute(moment, zone))
    response.headers.update(NO_STORE)
    return response


def _trace_page(request: Request, user: User, form: TraceForm, *, result: Trace | None = None,
                problem: str = "", status: int = 200) -> HTMLResponse:
    lang = _language(request)
    context: dict[str, Any] = {"form": form, "problem": problem, "result": result}
    if result is not None:
        context.update(_answer(result, request, lang))
    response = _page(request, "trace.html", user, status=status, **context)
    response.headers.update(NO_STORE)
    return response


def _answer(result: Trace, request: Request, lang: str) -> dict[str, Any]:
    """What the page shows of a trace besides its rows: the sentences and the timeline."""
    window, contacts, zone = result.window, result.contacts, request.app.state.zone
    words = TEXT[lang]
    notes = [note.text(lang) for note in result.identity.notes]
    if window.cut_to_retention:
        notes.append(Message("trace.window-cut", since=_minute(window.since, zone)).text(lang))
    if result.padding:
        notes.append(Message("trace.padding-on").text(lang))
    if result.min_minutes:
        notes.append(words["trace_min_stated"].format(minutes=f"{result.min_minutes:g}"))
    if contacts.capped:
        notes.append(Message("trace.capped", listed=len(contacts.contacts)).text(lang))
    if not result.case_visits:
        notes.append(Message("trace.no-visits", searched=result.identity.searched, since=_minute(window.since, zone),
                             until=_minute(window.until, zone)).text(lang))
    return {"notes": notes,
            "summary": words["trace_summary"].format(visits=len(result.case_visits), contacts=contacts.total,
                                                     since=_minute(window.since, zone),
                                                     until=_minute(window.until, zone)),
            "searched": words["trace_searched"].format(
                searched=result.identity.searched, keys=", ".join(mask_person_key(k) for k in result.identity.keys)),
            "timeline": timeline_svg(result, zone, words),
            "mask": mask_person_key, "minute": lambda moment: _minute(moment, zone),
            "padded_end": lambda visit: padded_end(visit, result.padding)}


def _minutes(text: str) -> float:
    try:
        return float(text or "0")
    except ValueError:
        raise TraceProblem(Message("trace.min-minutes-out-of-range", value=text[:20],
                                   longest=LONGEST_MINIMUM)) from None


def _minute(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _page_number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 7 and int(text) > 0 else 1
