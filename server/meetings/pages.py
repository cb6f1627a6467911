"""The organiser's dashboard pages, for administrators: the events; an event's sessions (with the stations
that check in for them), its participants (added one by one, removed after a confirmation, or imported from
the organiser's file after a preview), its attendance reports and its badges.

An import is confirmed without choosing the file again and without the server keeping anything between
the preview and the confirmation (any server process may answer either): the preview's form carries the
file itself, compressed and in base64, sealed with an HMAC under a key derived from the server's
"person-tag" secret and bound to the event, the file's name and the preview's time. A changed body, another
event's preview or one older than PREVIEW_LIFETIME is refused.

Every page holds participants' names, so none may be cached (Cache-Control: no-store). What an organiser
can fix (server.meetings.errors.MeetingError) is said on the page, in its language, next to the form it
concerns, which is shown again as it was filled.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import re
import tempfile
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from kiosk.contract import hidden_in
from server.dashboard import _language, _page, csrf_protected, require_role
from server.dashboard_text import TEXT
from server.declarations.keyring import KeyringError
from server.declarations.web import _service as declaration_service
from server.meetings.badge_sheets import write_badges_pdf
from server.meetings.errors import MeetingError
from server.meetings.report_data import load_report
from server.meetings.report_files import write_report_csv, write_report_pdf, write_report_xlsx
from server.meetings.service import (add_event, add_participant, add_session, apply_import, find_event,
                                     issue_badges, list_events, local_moment, participants_of, preview_import,
                                     remove_participant, sessions_of)
from server.roles import Role, User
from server.secret_keys import SecretError, secret
from server.stations import list_stations
from server.tracing.exports import CSV_TYPE, XLSX_TYPE

router = APIRouter(prefix="/dashboard", include_in_schema=False)
admin_only = require_role(Role.ADMIN)
NO_STORE = {"Cache-Control": "no-store"}
FIELD_LONGEST = 1_000  # characters kept of a typed field, above every limit of the service, which says so
PAGE_SIZE = 50  # participants a page
MAX_FILE_BYTES = 20 * 1024 * 1024
FORM_OVERHEAD = 64 * 1024  # multipart boundaries, the CSRF token and the other small fields
# The carried file: compressed (zlib's worst case adds 0.1 % and a few bytes), then base64 (4/3).
MAX_CARRIED = (MAX_FILE_BYTES + MAX_FILE_BYTES // 1000 + 1024) * 4 // 3 + 1024
PREVIEW_LIFETIME = timedelta(hours=2)
REPORTS: dict[str, tuple[str, Callable[..., None]]] = {  # writer(report, path, language=)
    "csv": (CSV_TYPE, write_report_csv),
    "xlsx": (XLSX_TYPE, write_report_xlsx),
    "pdf": ("application/pdf", write_report_pdf),
}
ACTIONS = ("warn", "refuse")
LAYOUTS = ("a4", "label")


class PageProblem(MeetingError):
    """A request this page refuses itself, in the dashboard's words (server/dashboard_text.py)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(TEXT["vi"][key].format(**params), TEXT["en"][key].format(**params))


# --- the forms, as sent (bounded), shown again when what they asked cannot be done -------------------


def _labels(request: Request) -> dict[str, str]:
    return TEXT[_language(request)]


@dataclass(frozen=True)
class EventForm:
    name: str = ""
    not_listed: str = "warn"
    outside_hours: str = "warn"

    @classmethod
    def read(cls, name: str = Form(""), not_listed: str = Form("warn"),
             outside_hours: str = Form("warn")) -> "EventForm":
        return cls(name[:FIELD_LONGEST], not_listed if not_listed in ACTIONS else "warn",
                   outside_hours if outside_hours in ACTIONS else "warn")


@dataclass(frozen=True)
class SessionForm:
    name: str = ""
    room: str = ""
    start: str = ""  # datetime-local: 2026-12-03T08:00, in the server's time zone
    end: str = ""
    stations: tuple[str, ...] = ()

    @classmethod
    def read(cls, name: str = Form(""), room: str = Form(""), start: str = Form(""), end: str = Form(""),
             station: list[str] = Form([])) -> "SessionForm":
        return cls(name[:FIELD_LONGEST], room[:FIELD_LONGEST], start[:40], end[:40],
                   tuple(text[:FIELD_LONGEST] for text in station[:500]))


@dataclass(frozen=True)
class ParticipantForm:
    name: str = ""
    organisation: str = ""
    group: str = ""
    id_number: str = ""
    phone: str = ""

    @classmethod
    def read(cls, name: str = Form(""), organisation: str = Form(""), group: str = Form(""),
             id_number: str = Form(""), phone: str = Form("")) -> "ParticipantForm":
        return cls(*(text[:FIELD_LONGEST] for text in (name, organisation, group, id_number, phone)))


def _moment(text: str, label: str, request: Request) -> datetime:
    """A datetime-local field: a time in the server's zone unless it names its own (as on the command line),
    refused in the page's words."""
    try:
        return local_moment(text, label, request.app.state.zone)
    except MeetingError:
        raise PageProblem("ev_bad_time", field=label) from None


# --- events ----------------------------------------------------------------------------------------------


@router.get("/events")
def events_page(request: Request, user: User = Depends(admin_only)) -> HTMLResponse:
    return _events_page(request, user, EventForm())


@router.post("/events", dependencies=[Depends(csrf_protected)])
def event_added(request: Request, user: User = Depends(admin_only),
                form: EventForm = Depends(EventForm.read)) -> Response:
    try:
        event_id = add_event(request.app.state.engine, form.name,
                             not_listed=form.not_listed, outside_hours=form.outside_hours)
    except MeetingError as problem:
        return _events_page(request, user, form, problem.text(_language(request)), status=422)
    return _back_to_event(request, event_id, done="event")


def _events_page(request: Request, user: User, form: EventForm, problem: str = "", status: int = 200) -> HTMLResponse:
    return _private(_page(request, "events.html", user, status=status, events=list_events(request.app.state.engine),
                          form=form, problem=problem, when=_span(request), actions=ACTIONS))


# --- one event: what its page shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """The participants' part of the event page: a search and a page of it, from its GET query."""

    lang: str = "vi"
    search: str = ""
    page: int = 1
    remove: str = ""  # a participant to confirm the removal of (their random id)

    @classmethod
    def read(cls, request: Request) -> "Listing":
        params = request.query_params
        search = params.get("q", "").strip()[:FIELD_LONGEST]
        page = params.get("page", "")
        return cls(lang=_language(request), search="" if hidden_in(search) else search,
                   page=int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 7 and int(page) else 1,
                   remove=params.get("remove", "")[:32])

    def link(self, page: int | None = None, remove: str = "") -> str:
        """This listing's query with another page, or asking to confirm a removal; the defaults left out."""
        page = self.page if page is None else page
        query = {"q": self.search, "page": str(page) if page > 1 else "", "remove": remove, "lang": self.lang}
        return "?" + urlencode({key: value for key, value in query.items() if value})


@dataclass(frozen=True)
class Filled:
    """The event page's forms as last sent, and what went wrong with one of them (keyed by form)."""

    session: SessionForm = field(default_factory=SessionForm)
    participant: ParticipantForm = field(default_factory=ParticipantForm)
    problems: dict[str, str] = field(default_factory=dict)


@router.get("/events/{event_id}")
def event_page(request: Request, event_id: int, user: User = Depends(admin_only)) -> HTMLResponse:
    return _event_page(request, user, event_id, Filled())


def _event_page(request: Request, user: User, event_id: int, filled: Filled, status: int = 200) -> HTMLResponse:
    engine, lang = request.app.state.engine, _language(request)
    try:
        event = find_event(engine, str(event_id))
    except MeetingError as problem:
        return _private(_page(request, "event_missing.html", user, status=404, problem=problem.text(lang)))
    listing = Listing.read(request)
    found = participants_of(engine, event_id, listing.search, (listing.page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
    summary = next((known for known in list_events(engine) if known.id == event_id), None)
    with engine.connect() as conn:
        stations = [station for station in list_stations(conn) if not station.revoked]
    return _private(_page(
        request, "event.html", user, status=status, event=event, summary=summary,
        sessions=sessions_of(engine, event_id), stations=stations, listing=listing,
        participants=found[:PAGE_SIZE], more=len(found) > PAGE_SIZE, first=(listing.page - 1) * PAGE_SIZE + 1,
        filled=filled, done=_done(request), span=_span(request), zone=str(request.app.state.zone),
        layouts=LAYOUTS, reports=tuple(REPORTS)))


def _done(request: Request) -> str:
    """The sentence saying what the last form did (from the address it sent the browser to)."""
    params, words = request.query_params, TEXT[_language(request)]
    done = params.get("done", "")
    if done == "imported":
        counts = {name: params.get(name, "0") for name in ("new", "updated", "unchanged")}
        return words["ev_done_imported"].format(**{k: v if v.isdigit() else "?" for k, v in counts.items()})
    return words.get(f"ev_done_{done}", "") if done.isalpha() else ""


def _on_event_page(request: Request, user: User, event_id: int, where: str, work: Callable[[], Response],
                   kept: Filled = Filled()) -> Response:
    """What `work` answers for an event that exists; when it cannot be done, the event page saying why next
    to the form `where`, the forms `kept` as they were sent: 422 for what the organiser can fix, 503 when
    the server's keys cannot be read (404 for an unknown event)."""
    lang = _language(request)
    try:
        find_event(request.app.state.engine, str(event_id))
        return work()
    except MeetingError as problem:
        status, text = 422, problem.text(lang)
    except (SecretError, KeyringError):
        status, text = 503, TEXT[lang]["ev_keys_unavailable"]
    return _event_page(request, user, event_id, dataclasses.replace(kept, problems={where: text}), status=status)


def _back_to_event(request: Request, event_id: int, **query: Any) -> RedirectResponse:
    query = {"lang": _language(request), **query}
    return RedirectResponse(f"/dashboard/events/{event_id}?{urlencode(query)}", status_code=303)


# --- sessions and participants ---------------------------------------------------------------------------


@router.post("/events/{event_id}/sessions", dependencies=[Depends(csrf_protected)])
def session_added(request: Request, event_id: int, user: User = Depends(admin_only),
                  form: SessionForm = Depends(SessionForm.read)) -> Response:
    words = _labels(request)

    def add() -> Response:
        add_session(request.app.state.engine, event_id, form.name,
                    _moment(form.start, words["ev_start"], request), _moment(form.end, words["ev_end"], request),
                    form.stations, room=form.room)
        return _back_to_event(request, event_id, done="session")

    return _on_event_page(request, user, event_id, "session", add, Filled(session=form))


@router.post("/events/{event_id}/participants", dependencies=[Depends(csrf_protected)])
def participant_added(request: Request, event_id: int, user: User = Depends(admin_only),
                      form: ParticipantForm = Depends(ParticipantForm.read)) -> Response:
    def add() -> Response:
        # The service checks what was typed (kiosk.contract.hidden_in, lengths) and says what to fix.
        add_participant(request.app.state.engine, event_id, form.name, organisation=form.organisation,
                        group=form.group, id_number=form.id_number, phone=form.phone)
        return _back_to_event(request, event_id, done="participant")

    return _on_event_page(request, user, event_id, "participant", add, Filled(participant=form))


@router.post("/events/{event_id}/participants/{participant_id}/remove", dependencies=[Depends(csrf_protected)])
def participant_removed(request: Request, event_id: int, participant_id: str, user: User = Depends(admin_only),
                        q: str = Form(""), page: str = Form("")) -> Response:
    """The second step of a removal: the event page asked first (?remove=<id>), showing who it is."""

    def remove() -> Response:
        remove_participant(request.app.state.engine, participant_id[:32], declaration_service(request))
        kept = {"q": q[:FIELD_LONGEST], "page": page[:6] if page.isdigit() else ""}
        return _back_to_event(request, event_id, done="removed", **{key: value for key, value in kept.items() if value})

    return _on_event_page(request, user, event_id, "participants", remove)


# --- import: upload, preview, confirm -------------------------------------------------------------------


def _bounded_form(longest_field: int) -> Callable[[Request], Any]:
    """A dependency: the POSTed form (checked for CSRF), or None when its body is larger than a file of
    MAX_FILE_BYTES can make it; such a body is not read at all."""

    async def read(request: Request) -> FormData | None:
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > longest_field + FORM_OVERHEAD:
            return None
        form = await request.form(max_files=1, max_fields=20, max_part_size=longest_field)
        await csrf_protected(request)
        return form

    return read


@router.post("/events/{event_id}/import")
def import_preview(request: Request, event_id: int, user: User = Depends(admin_only),
                   form: FormData | None = Depends(_bounded_form(MAX_FILE_BYTES))) -> Response:
    """The uploaded file read and compared with the list; nothing is written."""

    def show() -> Response:
        filename, data = _uploaded(form)
        preview = preview_import(request.app.state.engine, event_id, data, filename)
        carried = carry(event_id, filename, data, datetime.now(timezone.utc))
        event = find_event(request.app.state.engine, str(event_id))
        return _private(_page(request, "event_import.html", user, event=event, preview=preview, filename=filename,
                              carried=carried))

    return _on_event_page(request, user, event_id, "import", show)


def _uploaded(form: FormData | None) -> tuple[str, bytes]:
    if form is None:
        raise PageProblem("ev_file_too_large")
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise PageProblem("ev_file_missing")
    data = upload.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise PageProblem("ev_file_too_large")
    if not data:
        raise PageProblem("ev_file_missing")
    return _file_name(upload.filename), data


def _file_name(name: str) -> str:
    """The uploaded file's own name (without the folders some browsers send), visible characters only."""
    name = re.split(r"[\\/]", name)[-1]
    hidden = set(hidden_in(name))
    return "".join(ch for ch in name if ch not in hidden)[:FIELD_LONGEST] or "file"


@router.post("/events/{event_id}/import/confirm")
def import_confirmed(request: Request, event_id: int, user: User = Depends(admin_only),
                     form: FormData | None = Depends(_bounded_form(MAX_CARRIED))) -> Response:
    """The previewed file, carried back by the preview's form, imported in one transaction."""

    def apply() -> Response:
        if form is None:
            raise PageProblem("ev_file_too_large")
        filename, data = uncarry(event_id, {name: value for name, value in form.items() if isinstance(value, str)},
                                 datetime.now(timezone.utc))
        imported = apply_import(request.app.state.engine, event_id, data, filename)
        return _back_to_event(request, event_id, done="imported", new=imported.new, updated=imported.updated,
                              unchanged=imported.unchanged)

    return _on_event_page(request, user, event_id, "import", apply)


CARRIED_FIELDS = ("file_name", "file_data", "file_made", "file_seal")


def carry(event_id: int, filename: str, data: bytes, now: datetime) -> dict[str, str]:
    """The hidden fields that carry a previewed file to the import's confirmation."""
    payload = base64.urlsafe_b64encode(zlib.compress(data, 6)).decode("ascii")
    made = str(int(now.timestamp()))
    return dict(zip(CARRIED_FIELDS, (filename, payload, made, _seal(event_id, filename, payload, made))))


def uncarry(event_id: int, fields: dict[str, str], now: datetime) -> tuple[str, bytes]:
    """The file name and content the preview's form carried; PageProblem when the fields are not what this
    server sealed for this event, or the preview is too old."""
    filename, payload, made, seal = (fields.get(name, "") for name in CARRIED_FIELDS)
    expected = _seal(event_id, filename, payload, made)
    if not hmac.compare_digest(seal.encode("ascii", "replace"), expected.encode("ascii")):
        raise PageProblem("ev_preview_refused")
    if not now - PREVIEW_LIFETIME <= datetime.fromtimestamp(int(made), timezone.utc) <= now + timedelta(minutes=5):
        raise PageProblem("ev_preview_expired", hours=int(PREVIEW_LIFETIME.total_seconds() // 3600))
    unpacking = zlib.decompressobj()
    data = unpacking.decompress(base64.urlsafe_b64decode(payload), MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES or unpacking.unconsumed_tail:
        raise PageProblem("ev_file_too_large")
    return filename, data


def _seal(event_id: int, filename: str, payload: str, made: str) -> str:
    key = hmac.new(secret("person-tag"), b"kiosk-server: dashboard import preview", hashlib.sha256).digest()
    parts = (b"import-v1", str(event_id).encode(), filename.encode("utf-8", "surrogatepass"),
             made.encode("utf-8", "surrogatepass"), payload.encode("utf-8", "surrogatepass"))
    # Each part prefixed by its length: no two different sets of fields make the same message.
    message = b"".join(b"%d:" % len(part) + part for part in parts)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- downloads -------------------------------------------------------------------------------------------


@router.get("/events/{event_id}/report.{kind}")
def report_file(request: Request, event_id: int, kind: str, user: User = Depends(admin_only)) -> Response:
    """The attendance report of the event, or of one session (?session=NAME), as CSV, XLSX or PDF, in the
    page's language."""
    if kind not in REPORTS:
        return _event_page(request, user, event_id, Filled(), status=404)
    session = request.query_params.get("session", "")[:FIELD_LONGEST] or None
    media_type, write = REPORTS[kind]

    def download() -> Response:
        report = load_report(request.app.state.engine, event_id, session=session, zone=request.app.state.zone)
        name, language = download_name(report.event, session, kind), _language(request)
        return _attachment(_written(lambda what, path: write(what, path, language=language), report, name),
                           media_type, name)

    return _on_event_page(request, user, event_id, "reports", download)


@router.post("/events/{event_id}/badges", dependencies=[Depends(csrf_protected)])
def badges_file(request: Request, event_id: int, user: User = Depends(admin_only), layout: str = Form("a4"),
                replace: str = Form(""), participant: list[str] = Form([])) -> Response:
    """Badges for every participant (or those named), issued now and recorded, as a PDF to print."""
    engine, layout = request.app.state.engine, layout if layout in LAYOUTS else "a4"

    def download() -> Response:
        printed = issue_badges(engine, event_id, declaration_service(request),
                               [text[:32] for text in participant[:PAGE_SIZE]] or None, replace=bool(replace))
        if not printed:
            raise PageProblem("ev_no_badges")
        name = download_name(find_event(engine, str(event_id)).name, "badges", "pdf")
        return _attachment(_written(lambda badges, path: write_badges_pdf(badges, path, layout=layout), printed, name),
                           "application/pdf", name)

    return _on_event_page(request, user, event_id, "badges", download)


def _written(write: Callable[[Any, Path], None], what: Any, name: str) -> bytes:
    """What a writer that takes a path wrote, read back."""
    with tempfile.TemporaryDirectory(prefix="kiosk-meeting-") as folder:
        path = Path(folder) / name
        write(what, path)
        return path.read_bytes()


def _attachment(body: bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


def download_name(event: str, part: str | None, extension: str) -> str:
    """'hoi-nghi-tong-ket-2026-phien-sang.csv': letters without their marks, digits and dashes only, safe
    in any file system and in a Content-Disposition header."""
    words = " ".join(text for text in (event, part) if text)
    plain = unicodedata.normalize("NFKD", words.replace("đ", "d").replace("Đ", "D"))
    slug = re.sub(r"[^a-z0-9]+", "-", plain.encode("ascii", "ignore").decode("ascii").lower()).strip("-")
    return f"{slug[:80].rstrip('-') or 'event'}.{extension}"


@router.get("/events/{event_id}/sessions")
@router.get("/events/{event_id}/participants")
@router.get("/events/{event_id}/participants/{participant_id}/remove")
@router.get("/events/{event_id}/import")
@router.get("/events/{event_id}/import/confirm")
@router.get("/events/{event_id}/badges")
def form_address(request: Request, event_id: int, user: User = Depends(admin_only)) -> RedirectResponse:
    """A form's address opened as a page (the language links of a page a form answered): the event's page."""
    return _back_to_event(request, event_id)


# --- helpers for the pages ------------------------------------------------------------------------------


def _private(response: HTMLResponse) -> HTMLResponse:
    response.headers.update(NO_STORE)
    return response


def _span(request: Request) -> Callable[[datetime | None, datetime | None], str]:
    """How a page writes a span of time in the server's zone: '2026-12-03 08:00–11:30' within a day."""
    zone = request.app.state.zone

    def span(start: datetime | None, end: datetime | None) -> str:
        if start is None or end is None:
            return ""
        first, last = start.astimezone(zone), end.astimezone(zone)
        shown = last.strftime("%H:%M") if first.date() == last.date() else last.strftime("%Y-%m-%d %H:%M")
        return f"{first.strftime('%Y-%m-%d %H:%M')}–{shown}"

    return span

