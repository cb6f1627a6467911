"""The health authority's trace API: `POST /api/v1/trace` with a tracer's bearer token.

The person is sent in the JSON body only, never in a URL (the request log keeps paths; proxies keep URLs).
The answer is the JSON lines `kiosk-server trace --json` prints: first the case, then one contact per line.
With `"sealed": true` (what `kiosk-server trace --key FILE --server URL` asks), each line also carries its
rows of the trace's table and each contact its entry's sealed box, for the authority's key to open on the
authority's machine: the boxes of the contacts this trace returned and of no one else, released only after
the release is recorded in the unseal audit (server.tracing.reveal).
A request the trace cannot answer as asked is a 422 with the catalogue's sentence, in English or, when the
client's Accept-Language prefers it, Vietnamese.
"""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kiosk.contract import hidden_in
from kiosk.tracing.report import json_lines
from kiosk.tracing.request import LONGEST_MINIMUM, TraceProblem
from server.secret_keys import SecretError
from server.errors import ApiError
from server.api_auth import require_api_role
from server.roles import Role, User
from kiosk.tracing.request import CASE_NUMBER_LONGEST
from server.tracing.query import run_trace
from server.tracing.reveal import authority_lines, release_boxes

router = APIRouter(prefix="/api/v1", tags=["tracing"])

BODY_LARGEST = 65536  # bytes: the fields fit in under a kilobyte; a longer field is refused by name (422)
PERSON_LONGEST = 80  # a person key is a kind and at most 64 characters
MOMENT_LONGEST = 40  # an ISO 8601 time with fractions and a zone
NDJSON = "application/x-ndjson"


class TraceRequest(BaseModel):
    """What a trace asks. Types are strict: a number sent as text, or text as a flag, is refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    person: str = Field(min_length=1, max_length=PERSON_LONGEST, strict=True,
                        description="an ID number, a QID or a person key as `kiosk log` prints it")
    since: str | None = Field(None, alias="from", max_length=MOMENT_LONGEST, strict=True,
                              description="ISO 8601; without a zone, the server's; default: the oldest kept entry")
    until: str | None = Field(None, alias="to", max_length=MOMENT_LONGEST, strict=True,
                              description="ISO 8601; default: now")
    min_minutes: float = Field(0, ge=0, le=LONGEST_MINIMUM, allow_inf_nan=False, strict=True)
    padding: bool = Field(False, strict=True)
    case_number: str = Field(min_length=1, max_length=CASE_NUMBER_LONGEST, strict=True)
    sealed: bool = Field(False, strict=True, description="also release the contacts' sealed entries, for the "
                                                          "authority's key (recorded in the unseal audit)")

    @field_validator("person")
    @classmethod
    def _visible(cls, text: str) -> str:
        hidden = hidden_in(text)
        if hidden:
            raise ValueError(f"holds an invisible or control character (U+{ord(hidden[0]):04X}); send it without")
        return text

    @field_validator("since", "until")
    @classmethod
    def _moment(cls, text: str | None) -> str | None:
        if text is not None:
            try:
                datetime.fromisoformat(text)
            except ValueError:
                raise ValueError("is not a time: write it as ISO 8601, e.g. 2026-11-30T08:00 or "
                                 "2026-11-30T08:00+07:00") from None
        return text

    def moments(self) -> tuple[datetime | None, datetime | None]:
        return tuple(datetime.fromisoformat(text) if text else None for text in (self.since, self.until))


_ANSWERS = {
    200: {"description": "JSON lines: {\"case\": {...}}, then {\"contact\": {...}} per contact; with "
                         "\"sealed\": true, each contact also {\"sealed\": {\"id\", \"sealed_kid\", \"box\"}}",
          "content": {NDJSON: {}}},
    401: {"description": "No token, or an unknown or revoked one"},
    403: {"description": "The token's user is not a tracer"},
    413: {"description": f"A body of more than {BODY_LARGEST} bytes"},
    422: {"description": "A malformed body (code malformed, problems listed), or a trace that cannot be "
                         "answered as asked (code trace.*)"},
}
_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": TraceRequest.model_json_schema(by_alias=True)}}}}


@router.post("/trace", responses=_ANSWERS, openapi_extra=_BODY)
async def trace(request: Request, user: User = Depends(require_api_role(Role.TRACER))) -> Response:
    """Trace a person's contacts; the trace is recorded in the audit log against the case number."""
    asked = parsed_request(await _bounded_body(request))
    lang = preferred_language(request.headers.get("accept-language", ""))
    since, until = asked.moments()
    try:
        result = await run_in_threadpool(
            run_trace, request.app.state.engine, asked.person, since=since, until=until,
            min_minutes=asked.min_minutes, padding=asked.padding, asked_by=user.name, role=user.role.value,
            via="api", case_number=asked.case_number, zone=request.app.state.zone)
    except TraceProblem as problem:
        raise ApiError(422, problem.message.code, problem.message.text(lang)) from None
    except SecretError:
        raise ApiError(503, "audit_unavailable", "The trace cannot be recorded in the audit log right now, so it "
                       "is not answered; the server's operator sees why in its log.") from None
    if asked.sealed:
        released = await run_in_threadpool(release_boxes, request.app.state.engine, result, released_to=user.name,
                                           case_number=asked.case_number)
        lines = authority_lines(result, released, lang)
    else:
        lines = json_lines(result, lang)
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    return Response(body, media_type=NDJSON, headers={"Cache-Control": "no-store"})


def parsed_request(body: bytes) -> TraceRequest:
    """The request, or a 422 naming each problem (never the values sent: they may be an ID number)."""
    try:
        return TraceRequest.model_validate_json(body)
    except ValidationError as error:
        problems = [f"{'.'.join(str(part) for part in e['loc']) or 'body'}: {e['msg']}"
                    for e in error.errors(include_input=False, include_url=False)]
        raise ApiError(422, "malformed", "The request is malformed: send a JSON object with person and "
                       "case_number (text), and optionally from and to (ISO 8601 text), min_minutes (a number "
                       f"from 0 to {LONGEST_MINIMUM}), padding and sealed (true or false).",
                       problems=problems) from None


async def _bounded_body(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_LARGEST:
            raise ApiError(413, "too_large", f"A trace request has at most {BODY_LARGEST} bytes.")
    return bytes(body)


def preferred_language(header: str) -> str:
    """'vi' when the client prefers Vietnamese to English (Accept-Language, q-values honoured); else 'en'."""
    best, best_weight = "en", 0.0
    for part in header.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        language = tag.strip().lower().split("-")[0]
        if language in ("vi", "en") and weight > best_weight:
            best, best_weight = language, weight
    return best
