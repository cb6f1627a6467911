"""The administrators' dashboard: server-rendered HTML behind a login, in Vietnamese or English."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from server.admins import log_in, log_out
from server.dashboard_text import TEXT
from server.errors import ApiError
from server.reports import (StationState, busiest_locations, day_totals, search_entries, station_health,
                            station_page, summarise)
from server.roles import Role, User, user_for_session
from server.security import csrf_token, require_csrf
from server.typed_text import hidden_character_problem

router = APIRouter(prefix="/dashboard", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
SESSION_COOKIE = "kiosk_admin"
LOGIN_COOKIE = "kiosk_login"  # a random secret before the login, so that the login form has a CSRF token too
DEVICE_COOKIE = "kiosk_device"  # this browser logged in before: see server.admins
LANG_COOKIE = "lang"
DAYS_SHOWN = 14
TOP_LOCATIONS = 10
FILTER_MAX = 200  # characters of a filter: a location has at most 200


def _language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "vi"
    return lang if lang in TEXT else "vi"


def current_user(request: Request) -> User:
    token = request.cookies.get(SESSION_COOKIE, "")
    with request.app.state.engine.connect() as conn:
        user = user_for_session(conn, token) if token else None
    if user is None:
        raise ApiError(303, "login_required", "Log in first.", headers={"Location": "/dashboard/login"})
    return user


def require_role(*roles: Role) -> Callable[[Request], User]:
    """A dependency: the logged-in user, who must have one of these roles (else a 403 page)."""

    def dependency(request: Request) -> User:
        user = current_user(request)
        if user.role not in roles:
            raise Forbidden(user)
        return user

    return dependency


class Forbidden(Exception):
    """A logged-in user asked for a page their role does not open: answered 403 with a page saying so."""

    def __init__(self, user: User) -> None:
        super().__init__(user.role.value)
        self.user = user


def forbidden_page(request: Request, problem: Forbidden) -> HTMLResponse:
    return _page(request, "forbidden.html", problem.user, status=403)


def _browser_secret(request: Request) -> str:
    """The secret cookie CSRF tokens are bound to: the session's, else the pre-login one."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(LOGIN_COOKIE) or ""


async def csrf_protected(request: Request) -> None:
    """Dependency of every POST form of the dashboard: the form's csrf_token must be this browser's."""
    await require_csrf(request, _browser_secret(request), back="/dashboard/")  # or its login page


def _set_private_cookie(request: Request, response: Response, name: str, value: str, **options: Any) -> None:
    """HttpOnly, same-site only, and Secure whenever the browser reached us over https (or via a trusted proxy)."""
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        **options)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """The time on the dashboard's clock; one that has no local equivalent inside the years 1 to 9999 (an
    entry dated 9999-12-31 23:00 UTC, from a kiosk with a broken clock) is shown in UTC, saying so."""
    try:
        return _plain(moment.astimezone(zone))
    except OverflowError:
        return _plain(moment.astimezone(timezone.utc)) + " UTC"


def _plain(moment: datetime) -> str:
    """'2026-03-02 08:15:00': four-digit years always (strftime writes the year 1 as '1')."""
    return moment.replace(tzinfo=None).isoformat(" ", "seconds")


def _page(request: Request, template: str, admin: User | None, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _language(request)
    zone = request.app.state.zone

    def local(moment: datetime) -> str:
        return local_time(moment, zone)

    secret = _browser_secret(request)
    new_secret = "" if secret else secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request, template, {"lang": lang, "t": TEXT[lang], "admin": admin, "local": local,
                            "csrf_token": csrf_token(secret or new_secret), **context},
        status_code=status,
    )
    response.set_cookie(LANG_COOKIE, lang, samesite="lax", secure=request.url.scheme == "https")
    if new_secret:
        _set_private_cookie(request, response, LOGIN_COOKIE, new_secret)
    return response


_LOCKED = {
    "vi": "Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau {seconds} giây.",
    "en": "Too many failed logins. Please try again in {seconds} seconds.",
}


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html", None, failed=False)


@router.post("/login", dependencies=[Depends(csrf_protected)])
def login(request: Request, username: str = Form(...), password: str = Form(...)) -> Response:
    address = request.client.host if request.client else ""
    result = log_in(request.app.state.engine, username, password, address, request.cookies.get(DEVICE_COOKIE, ""))
    if result.retry_after:
        page = _page(request, "login.html", None, status=429, failed=False,
                     locked=_LOCKED[_language(request)].format(seconds=result.retry_after))
        page.headers["Retry-After"] = str(result.retry_after)
        return page
    if result.token is None:
        return _page(request, "login.html", None, status=401, failed=True)
    response = RedirectResponse("/dashboard/", status_code=303)
    _set_private_cookie(request, response, SESSION_COOKIE, result.token)
    _set_private_cookie(request, response, DEVICE_COOKIE, result.device or "", path="/dashboard/login",
                        max_age=365 * 24 * 3600)
    return response


@router.post("/logout", dependencies=[Depends(csrf_protected)])
def logout(request: Request) -> Response:
    log_out(request.app.state.engine, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def overview(request: Request, admin: User = Depends(current_user)) -> HTMLResponse:
    """A summary of the stations, one page of them (filtered), and the counts per day: every location
    together, and one chosen location's or the busiest ones. A site administrator sees their sites only."""
    view = OverviewQuery.read(request)
    now = datetime.now(timezone.utc)
    zone, sites = request.app.state.zone, admin.visible_sites
    with request.app.state.engine.connect() as conn:
        health = station_health(conn, now, sites)
        totals = day_totals(conn, DAYS_SHOWN, zone, sites)
        chosen = day_totals(conn, DAYS_SHOWN, zone, sites, view.location) if view.location else []
        busiest = [] if view.location else busiest_locations(conn, DAYS_SHOWN, zone, sites, TOP_LOCATIONS)
    board = station_page(health, now, view.text, view.state, view.page)
    return _page(request, "overview.html", admin, view=view, summary=summarise(health, now), board=board,
                 pages=page_numbers(board.page, board.pages), totals=totals, chosen=chosen, top=busiest,
                 days=DAYS_SHOWN, states=list(StationState))


@dataclass(frozen=True)
class OverviewQuery:
    """The overview's filters, from its GET query (station names and locations only: nothing personal)."""

    text: str = ""
    state: StationState = StationState.ALL
    page: int = 1
    location: str = ""

    @classmethod
    def read(cls, request: Request) -> "OverviewQuery":
        params = request.query_params
        state, page = params.get("state", ""), params.get("page", "")
        return cls(text=_filter_text(params.get("q", "")), location=_filter_text(params.get("location", "")),
                   state=next((known for known in StationState if known.value == state), StationState.ALL),
                   page=int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1)

    def link(self, **changes: Any) -> str:
        """This view's address with some filters changed; the defaults are left out."""
        if isinstance(changes.get("state"), str):
            changes["state"] = StationState(changes["state"])
        chosen = dataclasses.replace(self, **changes)
        query = {"q": chosen.text, "state": chosen.state.value if chosen.state is not StationState.ALL else "",
                 "page": str(chosen.page) if chosen.page > 1 else "", "location": chosen.location}
        return "?" + urlencode({key: value for key, value in query.items() if value})


def _filter_text(value: str) -> str:
    """A filter as typed; none when it holds a character no station name or location can hold (a NUL
    would fail the database's query)."""
    value = value.strip()[:FILTER_MAX]
    return "" if hidden_character_problem("filter", value) else value


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The page links to offer: the first, the last, and two either side of this one; None for a gap."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


@router.get("/entries")
def latest_entries(request: Request, admin: User = Depends(require_role(Role.ADMIN, Role.TRACER))) -> HTMLResponse:
    """The newest entries, and the search form. A search is a POST: a person key is never put in a URL,
    where browser histories, proxies and server logs would keep it."""
    return _search(request, admin, person_key="", station="", day="")


@router.post("/entries", dependencies=[Depends(csrf_protected)])
def entries(request: Request, person_key: str = Form(""), station: str = Form(""), day: str = Form(""),
            admin: User = Depends(require_role(Role.ADMIN, Role.TRACER))) -> HTMLResponse:
    return _search(request, admin, person_key, station, day)


def _search(request: Request, admin: User, person_key: str, station: str, day: str) -> HTMLResponse:
    since, until = _day_bounds(day, request.app.state.zone)
    with request.app.state.engine.connect() as conn:
        found = search_entries(conn, person_key.strip(), station.strip(), since, until)
    query = {"person_key": person_key, "station": station, "day": day}
    return _page(request, "entries.html", admin, found=found, query=query)


def _day_bounds(day: str, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """The start and end (in UTC) of a local day typed as YYYY-MM-DD; no bounds for anything else. A bound
    past what Python can hold (the end of 9999-12-31) is left open: no stored time lies beyond it."""
    try:
        start = datetime.combine(date.fromisoformat(day), time(), tzinfo=zone)
    except ValueError:
        return None, None
    return _utc_or_open(start, timedelta()), _utc_or_open(start, timedelta(days=1))


def _utc_or_open(start: datetime, later: timedelta) -> datetime | None:
    try:
        return (start + later).astimezone(timezone.utc)
    except OverflowError:
        return None
