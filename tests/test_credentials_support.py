"""Helpers shared by the credential tests (this module holds no tests itself)."""

from datetime import datetime, timezone

from kiosk.credentials import Credential, ParseContext, Refusal, parse

# A fixed clock, so that "not in the future" and "expired" do not drift with the calendar.
CONTEXT = ParseContext(now=datetime(2025, 6, 1, 8, 0, tzinfo=timezone.utc))


def parsed(text: str, context: ParseContext = CONTEXT) -> Credential:
    result = parse(text, context)
    assert isinstance(result, Credential), result
    return result


def refused(text: str, context: ParseContext = CONTEXT) -> Refusal:
    result = parse(text, context)
    assert isinstance(result, Refusal), result
    return result
