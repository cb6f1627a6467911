"""CSV export of the log, masked: names as the door shows them, person keys as their tagged form's start
(kiosk.tracing.masking), no personal fields. An export that names people exists only on the health
authority's side, after unsealing. Every export is recorded in the audit table."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from kiosk.atomic_file import replacing
from kiosk.errors import KioskError, os_problem
from kiosk.policy import local_time
from kiosk.store import Store
from kiosk.reasons import Reason
from kiosk.tracing.masking import mask_person_key
from kiosk.tracing.report import spreadsheet_safe

COLUMNS = ("id", "date", "time", "station", "direction", "source", "format", "person_key", "name",
           "verdict", "reasons")


class ExportError(KioskError):
    """The export file cannot be written; `reason` says so in both languages."""

    def __init__(self, path: Path, problem: str) -> None:
        self.reason = Reason("export.cannot-write", path=str(path), problem=problem)
        super().__init__(self.reason.en)


def export_csv(store: Store, path: Path, who: str, since: datetime | None = None) -> int:
    """Write the entries (oldest first) to `path` atomically; returns how many were written."""
    count = 0
    try:
        with replacing(path, newline="", encoding="utf-8-sig") as out:  # BOM: Excel reads UTF-8
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for entry in store.iter_entries(since):
                writer.writerow([spreadsheet_safe(cell) for cell in (  # never run as a formula
                    entry.id, f"{entry.scanned_at.astimezone():%Y-%m-%d}", local_time(entry.scanned_at),
                    entry.station, entry.direction.value, entry.source.value, entry.format,
                    mask_person_key(entry.person_key) if entry.person_key else "", entry.display_name,
                    entry.verdict.value, "; ".join(reason.en for reason in entry.reasons),
                )])
                count += 1
    except OSError as error:
        raise ExportError(path, os_problem(error)) from None
    store.record_export(str(path), count, who)
    return count
