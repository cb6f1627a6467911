"""The ISO weeks keys rotate by: "2026-W49" runs from Monday 00:00 UTC to the next Monday 00:00 UTC."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

WEEK = timedelta(days=7)
_WEEK_ID = re.compile(r"([0-9]{4})-W([0-9]{2})")


def week_of(moment: datetime) -> str:
    year, week, _ = moment.astimezone(timezone.utc).isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_start(week: str) -> datetime:
    """Monday 00:00 UTC of `week`; ValueError for a text that is not a week id."""
    match = _WEEK_ID.fullmatch(week)
    if not match:
        raise ValueError(f"not a week id: {week!r}")
    day = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def weeks_from(moment: datetime, count: int) -> tuple[str, ...]:
    """`count` consecutive week ids, the first the week of `moment`."""
    start = week_start(week_of(moment))
    return tuple(week_of(start + WEEK * index) for index in range(count))


def weeks_between(first: datetime, last: datetime) -> tuple[str, ...]:
    """Every week id from the week of `first` to the week of `last`, both included."""
    if last < first:
        return ()
    start, end = week_start(week_of(first)), week_start(week_of(last))
    return weeks_from(start, (end - start) // WEEK + 1)
