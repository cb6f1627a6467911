"""The kiosks' API (/api/v1): upload a batch of entries, download the station's configuration."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kiosk.entry import utc_now
from server.database import writing
from server.errors import ApiError
from server.ingest import Contact, Status, store_batch
from server.stations import StationRecord, names_this_station, record_contact, station_for_token
from server.upload import read_batch
from server.wire import InvalidEntry, WireEntry, claimed_id, parse_entry

router = APIRouter(prefix="/api/v1", tags=["kiosk"])

QUEUE_HEADER = "X-Queue-Length"
CLOCK_HEADER = "X-Station-Time"


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorAnswer(BaseModel):
    error: ErrorBody


class EntryResult(BaseModel):
    id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None


class BatchAnswer(BaseModel):
    received_at: datetime
    accepted: int
    duplicate: int
    rejected: int
    results: list[EntryResult]


_ERRORS = {
    401: {"model": ErrorAnswer, "description": "Missing, unknown or revoked station token"},
    403: {"model": ErrorAnswer, "description": "The batch holds entries of another station (ids listed)"},
    413: {"model": ErrorAnswer, "description": "Too many entries or too many bytes"},
    422: {"model": ErrorAnswer, "description": "Not gzip/JSON, or not {\"entries\": [...]}"},
}
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "description": 'JSON {"entries": [Entry.to_json(), ...]}, optionally with Content-Encoding: gzip.',
        "content": {"application/json": {"schema": {"type": "object", "required": ["entries"],
                                                    "properties": {"entries": {"type": "array"}}}}},
    }
}


def authenticated_station(request: Request, authorization: str | None = Header(None)) -> StationRecord:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Send the station token as 'Authorization: Bearer <token>'.")
    with request.app.state.engine.connect() as conn:
        station = station_for_token(conn, token.strip())
    if station is None:
        raise _unauthorized("The station token is unknown or was revoked.")
    request.state.station = station.name
    return station


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def contact_from(request: Request) -> Contact:
    """The kiosk's queue length and clock, as it reported them; unreadable values are just not recorded."""
    received_at = utc_now()
    queue = request.headers.get(QUEUE_HEADER, "")
    offset = None
    try:
        offset = (datetime.fromisoformat(request.headers.get(CLOCK_HEADER, "")) - received_at).total_seconds()
    except (ValueError, TypeError):
        pass
    return Contact(received_at=received_at, reported_queue=int(queue) if queue.isdigit() else None,
                   clock_offset_seconds=offset)


@router.post("/entries", responses={200: {"model": BatchAnswer}, **_ERRORS}, openapi_extra=_BATCH_BODY)
async def post_entries(request: Request, station: StationRecord = Depends(authenticated_station)) -> JSONResponse:
    """Store a batch by entry id. Repeats answer "duplicate"; invalid entries "rejected" with the reason."""
    items = await read_batch(request, request.app.state.limits)
    contact = contact_from(request)
    answers: list[tuple[str | None, WireEntry | None, str | None]] = []
    for item in items:
        try:
            entry = parse_entry(item)
            answers.append((claimed_id(item), entry, None))
        except InvalidEntry as problem:
            answers.append((claimed_id(item), None, str(problem)))
    valid = [entry for _, entry, _ in answers if entry is not None]
    foreign = [str(entry.id) for entry in valid if not names_this_station(station, entry.station)]
    if foreign:
        raise ApiError(403, "foreign_station", f"This token belongs to station {station.name!r}; "
                       f"{len(foreign)} entries name another station. Nothing was stored.", entries=foreign)
    statuses = await run_in_threadpool(store_batch, request.app.state.engine, station, valid, contact)
    seen: set = set()
    results = []
    for entry_id, entry, reason in answers:
        results.append(_result(entry_id, entry, reason, statuses, repeat=entry is not None and entry.id in seen))
        if entry is not None:
            seen.add(entry.id)
    counts = {status.value: sum(1 for r in results if r["status"] == status.value) for status in Status}
    request.state.log_fields = counts
    return JSONResponse({"received_at": contact.received_at.isoformat(), **counts, "results": results})


def _result(entry_id: str | None, entry: WireEntry | None, reason: str | None, statuses: dict,
            repeat: bool) -> dict[str, str | None]:
    if entry is None:
        return {"id": entry_id, "status": Status.REJECTED.value, "reason": reason}
    status = Status.DUPLICATE if repeat else statuses[entry.id]
    if status is Status.REJECTED:
        return {"id": entry_id, "status": status.value, "reason": "id: already used by another station's entry"}
    return {"id": entry_id, "status": status.value}


@router.get("/station/config", responses={200: {"description": "The configuration document"},
                                          304: {"description": "Unchanged since the ETag sent"}, **_ERRORS})
def station_config(request: Request, station: StationRecord = Depends(authenticated_station),
                   if_none_match: str | None = Header(None)) -> Response:
    """Settings, watch list and key material for this station; send If-None-Match to skip an unchanged one."""
    contact = contact_from(request)
    engine = request.app.state.engine
    with writing(engine) as conn:
        record_contact(conn, station.id, contact.received_at, contact.reported_queue, contact.clock_offset_seconds)
    # Built outside the write transaction: it reads files (keyring, trust list), and on SQLite the write
    # lock would hold every upload back meanwhile.
    with engine.connect() as conn:
        document = request.app.state.config_builder.build(conn, station)
    headers = {"ETag": document.etag, "Cache-Control": "no-cache"}
    if if_none_match and document.etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type="application/json", headers=headers)


health_router = APIRouter(tags=["health"])


@health_router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
