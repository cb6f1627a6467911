"""Reading a batch upload: size limits before and after gzip, then the JSON envelope {"entries": [...]}.

What is wrong with the body as a whole (not gzip, two gzip members, not JSON, no entries list, too large)
is answered for the whole request. What is wrong inside one entry must cost only that entry, so decoding
never fails the document for it: bytes that are not UTF-8 become lone surrogates, and NaN, Infinity and
overlong numbers become `Unusable` markers (server.wire rejects the entries holding any of them). An entry
nested so deep that Python's decoder gives up (RecursionError, for the whole document) is found by
decoding the entries one by one, which only happens for such a body: a normal batch is decoded at once.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass

from fastapi import Request

from server.errors import ApiError
from server.wire import JSON_HOOKS, MAX_NESTING, Problem, Unusable


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
    items = decode_entries(raw.decode("utf-8", errors="surrogateescape"))
    if len(items) > limits.max_entries:
        raise ApiError(413, "batch_too_large", f"A batch holds at most {limits.max_entries} entries.",
                       max_entries=limits.max_entries)
    return items


def decode_entries(text: str) -> list[object]:
    """The items of the body's "entries" list; an item too deep to decode becomes an `Unusable`."""
    try:
        return _entries_of(json.loads(text, **JSON_HOOKS))
    except RecursionError:
        return _decode_one_by_one(text)
    except json.JSONDecodeError as error:
        raise _malformed(f"The body is not valid JSON: {error}") from None


def _entries_of(document: object) -> list[object]:
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise _malformed('The body must be a JSON object {"entries": [...]}.')
    return document["entries"]


def _malformed(message: str) -> ApiError:
    return ApiError(422, "malformed", message)


# --- the slow path, for a body holding something nested too deep ----------------------------------------

# A JSON string (escapes included), or one of the characters that give a JSON text its structure.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]', re.DOTALL)
_NOT_JSON = "The body is not valid JSON (brackets do not match)."


def _decode_one_by_one(text: str) -> list[object]:
    """Find the "entries" list's items by their brackets and decode each on its own."""
    try:
        start, end, spans = _entries_spans(text)
        try:
            envelope = json.loads(text[:start + 1] + text[end:], **JSON_HOOKS)  # the list emptied
        except RecursionError:
            raise _malformed("The body is nested too deeply outside its entries.") from None
        _entries_of(envelope)
        return [_decode_item(text[a:b]) for a, b in spans]
    except json.JSONDecodeError as error:
        raise _malformed(f"The body is not valid JSON: {error}") from None


def _decode_item(text: str) -> object:
    try:
        return json.loads(text, **JSON_HOOKS)
    except RecursionError:
        return Unusable(Problem.TOO_DEEP, f"nested deeper than {MAX_NESTING} levels", _shallow_id(text))


def _entries_spans(text: str) -> tuple[int, int, list[tuple[int, int]]]:
    """Where the top-level "entries" list opens and closes (its brackets), and where each item lies.
    The last "entries" key counts, as it does for json.loads."""
    depth, key, after_colon = 0, None, False
    found: tuple[int, int, list[tuple[int, int]]] | None = None
    current: list[tuple[int, int]] | None = None
    item_start = list_start = 0
    for token in _TOKEN.finditer(text):
        symbol = token.group()
        if symbol in "[{":
            if depth == 1 and symbol == "[" and after_colon and key == "entries":
                current, list_start, item_start = [], token.start(), token.end()
            depth += 1
        elif symbol in "]}":
            depth -= 1
            if depth < 0:
                raise _malformed(_NOT_JSON)
            if depth == 1 and current is not None:
                _add_span(text, current, item_start, token.start(), closing=True)
                found, current = (list_start, token.start(), current), None
        elif symbol == "," and depth == 2 and current is not None:
            _add_span(text, current, item_start, token.start(), closing=False)
            item_start = token.end()
        if depth == 1:
            key = _key(symbol, after_colon, key)
            after_colon = symbol == ":"
    if depth != 0 or found is None:
        raise _malformed(_NOT_JSON if depth else 'The body must be a JSON object {"entries": [...]}.')
    return found


def _key(symbol: str, after_colon: bool, key: str | None) -> str | None:
    """The key an object's member has, following the tokens at the object's own level."""
    if symbol[0] == '"' and not after_colon:
        return json.loads(symbol)
    return key if symbol == ":" else None if symbol == "," else key


def _add_span(text: str, spans: list[tuple[int, int]], start: int, end: int, closing: bool) -> None:
    if text[start:end].strip():
        spans.append((start, end))
    elif not (closing and not spans):  # only an empty list may have nothing between its brackets
        raise _malformed("The body is not valid JSON (an empty item in the entries list).")


def _shallow_id(text: str) -> str | None:
    """The "id" string of an object too deep to decode, read from its first level only."""
    depth, key, after_colon = 0, None, False
    for token in _TOKEN.finditer(text):
        symbol = token.group()
        if depth == 1 and after_colon and key == "id" and symbol[0] == '"':
            return json.loads(symbol)
        if symbol in "[{":
            depth += 1
        elif symbol in "]}":
            depth -= 1
        if depth == 1:
            key = _key(symbol, after_colon, key)
            after_colon = symbol == ":"
    return None


# --- the body's bytes -------------------------------------------------------------------------------------


def _too_large(limits_bytes: int) -> ApiError:
    return ApiError(413, "body_too_large", f"The body is larger than {limits_bytes} bytes.",
                    max_body_bytes=limits_bytes)


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _gunzip_limited(raw: bytes, limit: int) -> bytes:
    """Decompress without letting a small gzip bomb grow past the limit. One member only: what a second
    member (or anything after the first) holds would otherwise be dropped without a word."""
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        body = inflater.decompress(raw, limit + 1)
    except zlib.error as error:
        raise _malformed(f"The body is not valid gzip: {error}") from None
    if len(body) > limit:
        raise _too_large(limit)
    if not inflater.eof:
        raise _malformed("The gzip body is truncated.")
    if inflater.unused_data:
        raise _malformed("The gzip body holds more than one member (or bytes after its end); send one member.")
    return body
