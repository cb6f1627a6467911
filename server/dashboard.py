"""The administrators' dashboard: server-rendered HTML behind a login, in Vietnamese or English."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from server.admins import admin_for_session, log_in, log_out
from server.dashboard_text import TEXT
from server.errors import ApiError
from server.reports import daily_counts, search_entries
from server.stations import list_stations

router = APIRouter(prefix="/dashboard", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
SESSION_COOKIE = "kiosk_admin"
LANG_COOKIE = "lang"
DAYS_SHOWN = 14


def _language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "vi"
    return lang if lang in TEXT else "vi"


def current_admin(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE, "")
    with request.app.state.engine.connect() as conn:
        admin = admin_for_session(conn, token) if token else None
    if admin is None:
        raise ApiError(303, "login_required", "Log in first.", headers={"Location": "/dashboard/login"})
    return admin


def _page(request: Request, template: str, admin: str | None, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _language(request)
    zone = request.app.state.zone

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    response = templates.TemplateResponse(
        request, template, {"lang": lang, "t": TEXT[lang], "admin": admin, "local": local, **context},
        status_code=status,
    )
    response.set_cookie(LANG_COOKIE, lang, samesite="lax")
    return response


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html", None, failed=False)


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...)) -> Response:
    token = log_in(request.app.state.engine, username, password)
    if token is None:
        return _page(request, "login.html", None, status=401, failed=True)
    response = RedirectResponse("/dashboard/", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    log_out(request.app.state.engine, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def overview(request: Request, admin: str = Depends(current_admin)) -> HTMLResponse:
    with request.app.state.engine.connect() as conn:
        stations = list_stations(conn)
        counts = daily_counts(conn, DAYS_SHOWN, request.app.state.zone)
    return _page(request, "overview.html", admin, stations=stations, counts=counts)


@router.get("/entries")
def entries(request: Request, person_key: str = "", station: str = "", day: str = "",
            admin: str = Depends(current_admin)) -> HTMLResponse:
    since = until = None
    try:
        chosen = date.fromisoformat(day) if day else None
    except ValueError:
        chosen = None
    if chosen:
        since = datetime.combine(chosen, time(), tzinfo=request.app.state.zone)
        until = since + timedelta(days=1)
    with request.app.state.engine.connect() as conn:
        found = search_entries(conn, person_key.strip(), station.strip(), since, until)
    query = {"person_key": person_key, "station": station, "day": day}
    return _page(request, "entries.html", admin, found=found, query=query)
