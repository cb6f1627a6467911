"""The application factory. Other packages extend the server with routers (their own endpoints) and config
contributors (their parts of the document each kiosk downloads), passed to `create_app`."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import AsyncContextManager, AsyncIterator, Callable, Sequence
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy.engine import Engine

import server
from server import api, dashboard, declarations
from server.access_log import install_request_log
from server.database import default_database_url, make_engine
from server.errors import install_error_handlers
from server.meetings import pages as meeting_pages
from server.retention import PurgeSchedule
from server.security import install_security
from server.station_config import DEFAULT_CONTRIBUTORS, ConfigContributor, StationConfigBuilder
from server.tracing import api as trace_api, pages as trace_pages
from server.tracing.background import VisitBuilder
from server.upload import Limits

TIMEZONE_ENV = "KIOSK_SERVER_TIMEZONE"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
# "off": this process builds no visits (another process does, or a benchmark measures ingest without it).
BUILD_VISITS_ENV = "KIOSK_SERVER_BUILD_VISITS"
PURGE_EVERY_ENV = "KIOSK_SERVER_PURGE_EVERY"
DEFAULT_PURGE_EVERY = 3600.0  # seconds between retention purges of a served app; 0 turns them off


def create_app(
    engine: Engine,
    *,
    limits: Limits = Limits(),
    routers: Sequence[APIRouter] = (),
    config_contributors: Sequence[ConfigContributor] = (),
    zone: ZoneInfo | None = None,
    build_visits: bool = False,
    purge_every: float | None = None,
) -> FastAPI:
    """The server on an engine whose schema is migrated (see server.database.migrate). While the app runs,
    with `build_visits` a thread builds visits from the stored entries (tests drain the queue themselves),
    and with `purge_every` seconds a thread purges what is older than the retention."""
    zone = zone or ZoneInfo(os.environ.get(TIMEZONE_ENV, DEFAULT_TIMEZONE))
    workers = [*([VisitBuilder(engine, zone)] if build_visits else []),
               *([PurgeSchedule(engine, purge_every)] if purge_every else [])]
    # No Swagger/ReDoc pages: they run scripts from a CDN that the CSP refuses. /openapi.json stays.
    app = FastAPI(title="QR check-in kiosk server", version="1", description=server.__doc__,
                  docs_url=None, redoc_url=None, lifespan=_running(workers))
    app.state.engine = engine
    app.state.limits = limits
    app.state.zone = zone
    app.state.config_builder = StationConfigBuilder([*DEFAULT_CONTRIBUTORS, *config_contributors])
    install_error_handlers(app)
    app.add_exception_handler(dashboard.Forbidden, dashboard.forbidden_page)
    install_security(app)  # inside the request log, so that a 408 for a stalled body is logged as such
    install_request_log(app)
    for router in (api.router, api.health_router, dashboard.router, trace_api.router, trace_pages.router,
                   meeting_pages.router, *routers):
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    def _home() -> RedirectResponse:
        return RedirectResponse("/dashboard/")

    return app


def _running(workers: Sequence[VisitBuilder | PurgeSchedule]) -> Callable[[FastAPI], AsyncContextManager[None]]:
    """The app's lifespan: its background threads run from start-up to shut-down."""
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for worker in workers:
            worker.start()
        try:
            yield
        finally:
            for worker in workers:
                worker.stop()
    return lifespan


def purge_every_from_environment() -> float:
    text = os.environ.get(PURGE_EVERY_ENV, "").strip()
    try:
        seconds = float(text) if text else DEFAULT_PURGE_EVERY
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"{PURGE_EVERY_ENV} must be a number of seconds (0: no purge), not {text!r}")
    return seconds


def app_from_environment() -> FastAPI:
    """Entry point for `uvicorn --factory` worker processes: the database comes from KIOSK_SERVER_DB, the
    declaration keyring and health rules from KIOSK_SERVER_DATA_DIR; each process builds visits unless
    KIOSK_SERVER_BUILD_VISITS is "off"."""
    engine = make_engine(default_database_url())
    service = declarations.DeclarationService(engine=engine)
    app = create_app(engine, build_visits=os.environ.get(BUILD_VISITS_ENV, "on") != "off",
                     config_contributors=[lambda _conn, station: service.station_config_fragment(station.name)],
                     purge_every=purge_every_from_environment())
    # The public /declare page, rate-limited per client address (KIOSK_SERVER_DECLARE_* settings).
    declarations.install(app, service, declarations.PageLimits.from_environment())
    return app
