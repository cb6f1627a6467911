"""An attendance report (server.meetings.attendance.EventReport) as the files an organiser hands in:

- JSON lines, one object per participant and session (for automation: statuses as codes, times ISO 8601 in
  the server's zone);
- CSV, UTF-8 with a BOM so that Excel reads Vietnamese, every text cell escaped so that none starts a
  formula (kiosk.tracing.report.spreadsheet_safe, as every export of the project);
- XLSX, a summary sheet with one row per session and a sheet of the rows (server.meetings.report_xlsx);
- a one-page PDF summary with a chart of arrivals (server.meetings.report_pdf).

Files are written owner-only (0600) and replace the old one whole: they name people. The words are
Vietnamese unless `language` is "en".
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, tzinfo
from pathlib import Path

from kiosk.atomic_file import replace_with_bytes
from kiosk.tracing.report import spreadsheet_safe
from server.meetings.attendance import EventReport
from server.meetings.report_pdf import summary_pdf
from server.meetings.report_words import (EVENT, GENERATED, LANGUAGES, ROW_COLUMNS, ROWS_SHEET, STATUS,
                                          SUMMARY_COLUMNS, SUMMARY_SHEET)
from server.meetings.report_xlsx import Cell, Memo, Sheet, workbook_bytes

_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps with options makes one per call
ROW_WIDTHS = (24, 18, 30, 30, 16, 16, 11, 26, 26)
SUMMARY_WIDTHS = (30, 18, 26, 26, 15, 12, 15, 12, 12, 12, 15)


def report_json_lines(report: EventReport) -> str:
    """One JSON object per line: session, participant ("" for a walk-in), name, organisation, group, status,
    minutes, first_in and last_out (ISO 8601 in the report's zone, or null). Each line is put together from
    its texts, each distinct one encoded once (the same session, names and statuses recur on every row):
    the same bytes as json.dumps, a tenth of the time."""
    text = Memo(_JSON.encode)
    return "".join([
        f'{{"session": {text[row.session]}, "participant": {text[row.participant]}, "name": {text[row.name]}, '
        f'"organisation": {text[row.organisation]}, "group": {text[row.group]}, "status": {text[row.status]}, '
        f'"minutes": {int(row.minutes)}, "first_in": {_json_time(first_in)}, "last_out": {_json_time(last_out)}}}\n'
        for row, (first_in, last_out) in zip(report.rows, report.local_times)])


def write_report_csv(report: EventReport, path: Path | str, language: str = "vi") -> None:
    """The rows, one per participant and session, under a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    safe = Memo(spreadsheet_safe)  # each distinct text escaped once
    writer.writerows([safe[cell] if cell.__class__ is str else cell for cell in row]
                     for row in row_table(report, _checked(language)))
    replace_with_bytes(Path(path), ("\ufeff" + out.getvalue()).encode("utf-8"), mode=0o600)


def write_report_xlsx(report: EventReport, path: Path | str, language: str = "vi") -> None:
    """Two sheets: the sessions' counts (under the event's name and when the report was made), the rows."""
    language = _checked(language)
    summary = Sheet(SUMMARY_SHEET.text(language), summary_table(report, language), header=4, widths=SUMMARY_WIDTHS)
    rows = Sheet(ROWS_SHEET.text(language), row_table(report, language), widths=ROW_WIDTHS)
    replace_with_bytes(Path(path), workbook_bytes([summary, rows]), mode=0o600)


def write_report_pdf(report: EventReport, path: Path | str, language: str = "vi") -> None:
    """One page: the event, the time of the report, each session's counts and a chart of arrivals."""
    replace_with_bytes(Path(path), summary_pdf(report, _checked(language)), mode=0o600)


def row_table(report: EventReport, language: str) -> list[list[Cell]]:
    """A header, then one row per participant and session (statuses in words, minutes as numbers)."""
    status = {code: words.text(language) for code, words in STATUS.items()}
    return [[words.text(language) for words in ROW_COLUMNS],
            *([row.session, row.participant, row.name, row.organisation, row.group, status[row.status],
               row.minutes, first_in, last_out] for row, (first_in, last_out) in zip(report.rows, report.local_times))]


def summary_table(report: EventReport, language: str) -> list[list[Cell]]:
    """The event's name and the time of the report, a blank line, then a header and one row per session."""
    generated = _iso(report.generated_at, report.zone)
    return [[EVENT.text(language), report.event], [GENERATED.text(language), generated], [],
            [words.text(language) for words in SUMMARY_COLUMNS],
            *([session.session, session.room, _iso(session.start, report.zone), _iso(session.end, report.zone),
               session.listed, session.attended, session.present, session.late, session.left_early,
               session.absent, session.walk_ins] for session in report.sessions)]


def _json_time(text: str) -> str:
    return f'"{text}"' if text else "null"  # ISO 8601: nothing in it needs escaping


def _iso(moment: datetime | None, zone: tzinfo) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment is not None else None


def _checked(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    return language
