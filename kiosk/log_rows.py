"""What the admin's log shows of an entry: every value in words of the screen's language.

The log keeps codes ("in", "admit", "vn-qr"); a person reads "Vào", "Cho qua", "QR cá nhân (VNeID)", the
date and the time of day in the door's zone, the whole masked name and every reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from kiosk.entry import Entry
from kiosk.messages import Message

# How each language writes a moment in the log.
_MOMENT = {"vi": "%d/%m/%Y %H:%M:%S", "en": "%Y-%m-%d %H:%M:%S"}


@dataclass(frozen=True)
class LogRow:
    time: str
    direction: str
    verdict: str
    format: str
    name: str
    reasons: str


def log_row(entry: Entry, language: str, zone: tzinfo | None = None) -> LogRow:
    """The entry as the log viewer shows it in `language`, its time in `zone` (None: the machine's)."""
    moment = entry.scanned_at.astimezone(zone).strftime(_MOMENT.get(language, _MOMENT["vi"]))
    return LogRow(
        time=moment,
        direction=Message(f"log.direction.{entry.direction.value}").text(language),
        verdict=Message(f"log.verdict.{entry.verdict.value}").text(language),
        # A format without words of its own (a web link, a Wi-Fi code...) is "another code": its reason says which.
        format=Message(f"log.format.{entry.format}").text(language),
        name=entry.display_name,
        reasons="\n".join(reason.text(language) for reason in entry.reasons),
    )
