"""The kiosks' API (/api/v1): upload a batch of entries, download the station's configuration."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from server.database import writing
from server.errors import ApiError
from server.ingest import Answer, Contact, Status, note_contact, store_batch
from server.station_config import settings_for
from kiosk.contract import DEFAULT_RETENTION_DAYS
from server.stations import StationRecord, names_this_station, station_for_token
from server.upload import read_batch
from server.wire import CLOCK_SKEW_TOLERANCE, InvalidEntry, TimeWindow, WireEntry, claimed_id, parse_entry

router = APIRouter(prefix="/api/v1", tags=["kiosk"])

QUEUE_HEADER = "X-Queue-Length"
CLOCK_HEADER = "X-Station-Time"
OLDEST_HEADER = "X-Queue-Oldest"  # ISO 8601 time of the kiosk's oldest waiting entry; absent or "" if none
QUEUE_OLDEST_MAX_AGE = timedelta(days=366)  # an older X-Queue-Oldest is not believed (a broken clock)
_QUEUE_LENGTH = re.compile(r"[0-9]{1,9}")


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorAnswer(BaseModel):
    error: ErrorBody


class EntryResult(BaseModel):
    """One per entry id sent (an id sent twice in a batch is answered once, for its first content)."""

    id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None
    code: str | None = None  # for "rejected": server.wire.Problem, e.g. hidden_character, time_in_future


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
    422: {"model": ErrorAnswer, "description": "Not gzip (or several gzip members), not JSON, or not "
                                                "{\"entries\": [...]}; a bad entry is rejected alone, never this"},
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
    """The kiosk's queue and clock, as it reported them. Headers are hostile input like any other: a value
    that does not read cleanly is just not recorded."""
    received_at = datetime.now(timezone.utc)
    queue = request.headers.get(QUEUE_HEADER, "")
    station_time = _header_time(request.headers.get(CLOCK_HEADER, ""))
    oldest = _header_time(request.headers.get(OLDEST_HEADER, ""))
    if oldest and not received_at - QUEUE_OLDEST_MAX_AGE <= oldest <= received_at + CLOCK_SKEW_TOLERANCE:
        oldest = None
    return Contact(
        received_at=received_at,
        reported_queue=int(queue) if _QUEUE_LENGTH.fullmatch(queue) else None,
        clock_offset_seconds=(station_time - received_at).total_seconds() if station_time else None,
        queue_oldest=oldest,
    )


def _header_time(text: str) -> datetime | None:
    """An ISO 8601 time with a zone, in UTC; None for anything else (empty, garbled, out of range)."""
    if not text or len(text) > 40 or not text.isascii():
        return None
    try:
        moment = datetime.fromisoformat(text)
        return moment.astimezone(timezone.utc) if moment.tzinfo else None
    except (ValueError, OverflowError):
        return None


@router.post("/entries", responses={200: {"model": BatchAnswer}, **_ERRORS}, openapi_extra=_BATCH_BODY)
async def post_entries(request: Request, station: StationRecord = Depends(authenticated_station)) -> JSONResponse:
    """Store a batch by entry id. Repeats answer "duplicate"; invalid entries "rejected" with the reason and
    a code, each on its own; an id sent twice in the batch is answered once, for its first content. Send
    X-Queue-Length, X-Queue-Oldest and X-Station-Time: the dashboard shows a queue that is not draining."""
    items = await read_batch(request, request.app.state.limits)
    contact = contact_from(request)
    results = await run_in_threadpool(_ingest, request.app.state.engine, station, items, contact)
    counts = {status.value: sum(1 for r in results if r["status"] == status.value) for status in Status}
    request.state.log_fields = counts
    return JSONResponse({"received_at": contact.received_at.isoformat(), **counts, "results": results})


def _ingest(engine: Engine, station: StationRecord, items: list[object], contact: Contact) -> list[dict]:
    """Check each item, store the good ones, and answer once for each id, in the order first sent."""
    with engine.connect() as conn:
        retention = settings_for(conn, station)["settings"].get("retention_days", DEFAULT_RETENTION_DAYS)
    window = TimeWindow(contact.received_at, retention)
    checked: list[tuple[str | None, WireEntry | Answer]] = []
    answered: set[str] = set()
    for item in items:
        entry_id = claimed_id(item)
        if entry_id in answered:
            continue  # the same id again: its first content counts, and has its answer
        if entry_id is not None:
            answered.add(entry_id)
        try:
            checked.append((entry_id, parse_entry(item, window)))
        except InvalidEntry as problem:
            checked.append((entry_id, Answer(Status.REJECTED, str(problem), problem.code)))
    valid = [entry for _, entry in checked if isinstance(entry, WireEntry)]
    foreign = [str(entry.id) for entry in valid if not names_this_station(station, entry.station)]
    if foreign:
        raise ApiError(403, "foreign_station", f"This token belongs to station {station.name!r}; "
                       f"{len(foreign)} entries name another station. Nothing was stored.", entries=foreign)
    stored = store_batch(engine, station, valid, contact)
    results = []
    first_of: set = set()
    for entry_id, entry in checked:
        if isinstance(entry, WireEntry):
            # Two spellings of one UUID: the second is a repeat of the first.
            answer = stored[entry.id] if entry.id not in first_of else Answer(Status.DUPLICATE)
            first_of.add(entry.id)
        else:
            answer = entry
        results.append(_result(entry_id, answer))
    return results


def _result(entry_id: str | None, answer: Answer) -> dict[str, str | None]:
    if answer.status is Status.REJECTED:
        return {"id": entry_id, "status": answer.status.value, "reason": answer.reason, "code": answer.code}
    return {"id": entry_id, "status": answer.status.value}


@router.get("/station/config", responses={200: {"description": "The configuration document"},
                                          304: {"description": "Unchanged since the ETag sent"}, **_ERRORS})
def station_config(request: Request, station: StationRecord = Depends(authenticated_station),
                   if_none_match: str | None = Header(None)) -> Response:
    """Settings, watch list and key material for this station; send If-None-Match to skip an unchanged one."""
    contact = contact_from(request)
    engine = request.app.state.engine
    with writing(engine) as conn:
        note_contact(conn, station, contact)
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
