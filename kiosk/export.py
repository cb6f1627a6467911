"""CSV export of the log for the health authority; every export is recorded in the audit table."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from kiosk.atomic_file import replacing
from kiosk.errors import KioskError, os_problem
from kiosk.policy import local_time
from kiosk.store import Store

COLUMNS = ("id", "date", "time", "station", "direction", "source", "format", "person_key", "name",
           "id_number", "phone", "verdict", "reasons")


class ExportError(KioskError):
    pass


def export_csv(store: Store, path: Path, who: str, since: datetime | None = None) -> int:
    """Write the entries (oldest first) to `path` atomically; returns how many were written."""
    count = 0
    try:
        with replacing(path, newline="", encoding="utf-8-sig") as out:  # BOM: Excel reads UTF-8
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for entry in store.iter_entries(since):
                fields = entry.fields
                writer.writerow([
                    entry.id, f"{entry.scanned_at.astimezone():%Y-%m-%d}", local_time(entry.scanned_at),
                    entry.station, entry.direction.value, entry.source.value, entry.format, entry.person_key,
                    fields.get("name", entry.display_name), fields.get("id_number", ""),
                    fields.get("phone", ""), entry.verdict.value,
                    "; ".join(reason.en for reason in entry.reasons),
                ])
                count += 1
    except OSError as error:
        raise ExportError(f"Cannot write {path}: {os_problem(error)}.") from None
    store.record_export(str(path), count, who)
    return count
