"""What a trace may ask: a time window inside what is kept, and a sensible minimum overlap."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.contract import hidden_in
from kiosk.errors import KioskError
from kiosk.messages import Message

CASE_NUMBER_LONGEST = 100
LONGEST_MINIMUM = 24 * 60  # a minimum overlap above a day can match nothing: no visit is longer


class TraceProblem(KioskError):
    """A trace that cannot be answered as asked; `message` says why and what to do, in either language."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.en)
        self.message = message


@dataclass(frozen=True)
class TraceWindow:
    since: datetime
    until: datetime
    cut_to_retention: bool = False  # the asked start lay before anything kept: it was moved up


def checked_window(since: datetime | None, until: datetime | None, now: datetime,
                   retention_days: int) -> TraceWindow:
    """The window to search: by default the whole retention period. Times must carry their zone."""
    oldest = now - timedelta(days=retention_days)
    if since is not None and until is not None and since >= until:
        raise TraceProblem(Message("trace.window-reversed", since=_shown(since), until=_shown(until)))
    if since is not None and since > now:
        raise TraceProblem(Message("trace.window-in-future", since=_shown(since), now=_shown(now)))
    if until is not None and until <= oldest:
        raise TraceProblem(Message("trace.window-before-retention", until=_shown(until), days=retention_days,
                                   oldest=_shown(oldest)))
    since = since or oldest
    until = until or now
    if since >= until:
        raise TraceProblem(Message("trace.window-reversed", since=_shown(since), until=_shown(until)))
    if since < oldest:
        return TraceWindow(oldest, until, cut_to_retention=True)
    return TraceWindow(since, until)


def typed_moment(text: str | None, option: str) -> datetime | None:
    """A time typed as ISO 8601 (`option` names where: "--from", a form's field), None when left empty; it
    keeps no zone when none was typed, for the caller to read in its own."""
    if not text or not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise TraceProblem(Message("trace.bad-moment", option=option, value=text[:40])) from None


def checked_case_number(text: str) -> str:
    """The case a trace is for (every trace is recorded with it): required, at most CASE_NUMBER_LONGEST
    characters, nothing a reader cannot see."""
    text = unicodedata.normalize("NFC", (text or "").strip())
    if not text:
        raise TraceProblem(Message("trace.case-number-missing", longest=CASE_NUMBER_LONGEST))
    if len(text) > CASE_NUMBER_LONGEST:
        raise TraceProblem(Message("trace.case-number-too-long", longest=CASE_NUMBER_LONGEST, length=len(text)))
    hidden = hidden_in(text)
    if hidden:
        raise TraceProblem(Message("trace.case-number-hidden", code_point=f"U+{ord(hidden[0]):04X}"))
    return text


def checked_min_minutes(value: float) -> float:
    if not 0 <= value <= LONGEST_MINIMUM:
        raise TraceProblem(Message("trace.min-minutes-out-of-range", value=f"{value:g}",
                                   longest=LONGEST_MINIMUM))
    return value


def _shown(moment: datetime) -> str:
    """'2026-11-04 17:04', in the zone the time was given in (the station's or the server's)."""
    return moment.strftime("%Y-%m-%d %H:%M")
