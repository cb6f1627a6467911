"""Reading a scanned text as a personal credential: one module per format, tried in registry order.

`parse(text)` never raises: it returns a `Credential` or a `Refusal` that says specifically what the text
is. Adding a format means one new module exposing `PARSER` and one line in `REGISTRY` (the most specific
formats first: a format's `claims` only has to beat the formats after it).
"""

from __future__ import annotations

import logging
import traceback
import unicodedata

from kiosk.credentials import badge, bhyt, cccd, dcc, fields as f, hd1, other, vnqr
from kiosk.credentials.base import Credential, ParseContext, Parser, Refusal
from kiosk.reasons import PARSER_FAULT, Reason

__all__ = ["REGISTRY", "parse", "clean", "Credential", "Refusal", "ParseContext", "Parser"]

log = logging.getLogger(__name__)

REGISTRY: tuple[Parser, ...] = (
    dcc.PARSER,     # `HC1:` prefix
    hd1.PARSER,     # `HD1:` prefix
    badge.PARSER,   # `MB1:` prefix (a meeting badge)
    bhyt.PARSER,    # ends with `$` / starts with a card code: checked before the other `|` formats
    vnqr.PARSER,
    cccd.PARSER,
)

# Scanners end a read with CR/LF; some prepend a byte-order mark.
_STRIPPED = " \t\r\n\ufeff"


def clean(text: str) -> str:
    """The text as the parsers see it: surrounding whitespace, line ends and a byte-order mark removed,
    composed to NFC (names arrive decomposed from some cards and phones)."""
    return unicodedata.normalize("NFC", text.strip(_STRIPPED))


def parse(text: str, context: ParseContext | None = None) -> Credential | Refusal:
    """The credential in `text`, or a refusal naming what the text is and what is wrong with it.

    Never raises: a fault in any parser becomes a refusal with the code `reasons.PARSER_FAULT`, which
    tells a bug apart from a bad code (tests assert it never appears).
    """
    format = "other"
    try:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", errors="replace")
        text = clean(str(text))
        context = context or ParseContext()
        if not text:
            return other.classify(text)
        hidden = other.invisible_characters(text)
        hidden_set = set(hidden)
        visible = "".join(ch for ch in text if ch not in hidden_set) if hidden else text
        for parser in REGISTRY:
            format = parser.format
            if not parser.claims(visible):
                continue
            if hidden:
                return other.hidden_characters(text, parser.format, hidden, _field_holding(parser, text, hidden[0]))
            return other.checked(parser.parse(text, context))
        format = "other"
        return other.classify(text)
    except Exception as error:  # a parser bug must not stop the door
        return _parser_failed(format, text, error)


def _field_holding(parser: Parser, text: str, hidden: str) -> f.Field | None:
    """The field of a `|` format where `hidden` first occurs; None for a line break (two codes read as one
    is about the whole text) and for formats without a layout."""
    if hidden in "\r\n":
        return None
    return f.field_at(getattr(parser, "layout", ()), text, text.index(hidden))


def _parser_failed(format: str, text: object, error: Exception) -> Refusal:
    # Exception messages can quote the payload: log only the type and where it happened.
    where = "".join(traceback.format_tb(error.__traceback__))
    log.error("The %s parser failed with %s:\n%s", format, type(error).__name__, where)
    return Refusal(
        format=format,
        reason=Reason(PARSER_FAULT),
        raw=text if isinstance(text, str) else "",
    )
