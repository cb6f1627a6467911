"""Reading a batch upload: size limits before and after gzip, then the JSON envelope {"entries": [...]}."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

from fastapi import Request

from server.errors import ApiError


@dataclass(frozen=True)
class Limits:
    max_entries: int = 1000
    max_body_bytes: int = 4 * 1024 * 1024  # after decompression, and before it too


async def read_batch(request: Request, limits: Limits) -> list[object]:
    raw = await _read_limited(request, limits.max_body_bytes)
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding == "gzip":
        raw = _gunzip_limited(raw, limits.max_body_bytes)
    elif encoding != "identity":
        raise ApiError(415, "unsupported_encoding", f"Content-Encoding {encoding!r} is not supported; use gzip.")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(422, "malformed", f"The body is not valid JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise ApiError(422, "malformed", 'The body must be a JSON object {"entries": [...]}.')
    items = document["entries"]
    if len(items) > limits.max_entries:
        raise ApiError(413, "batch_too_large", f"A batch holds at most {limits.max_entries} entries.",
                       max_entries=limits.max_entries)
    return items


def _too_large(limits_bytes: int) -> ApiError:
    return ApiError(413, "body_too_large", f"The body is larger than {limits_bytes} bytes.",
                    max_body_bytes=limits_bytes)


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _gunzip_limited(raw: bytes, limit: int) -> bytes:
    """Decompress without letting a small gzip bomb grow past the limit."""
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        body = inflater.decompress(raw, limit + 1)
    except zlib.error as error:
        raise ApiError(422, "malformed", f"The body is not valid gzip: {error}") from None
    if len(body) > limit:
        raise _too_large(limit)
    if not inflater.eof:
        raise ApiError(422, "malformed", "The gzip body is truncated.")
    return body
