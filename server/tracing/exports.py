"""A trace as files for the health authority: CSV (UTF-8 with a BOM, so that Excel reads Vietnamese) and
XLSX (every cell text). No cell may start a formula (luca's exports were an injection path): the trace's
table is escaped by kiosk.tracing.report.table, and every other cell written here (the sheet about the
trace: its case number, locations named by an administrator) goes through the same escape, which leaves
an escaped cell as it is."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any, Iterable, Mapping

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kiosk.tracing.report import Trace, json_lines, spreadsheet_safe, table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")
NAME_LONGEST = 60


def csv_bytes(result: Trace) -> bytes:
    """The trace's table: the case's visits, then the contacts."""
    return rows_csv(_table_rows(result))


def xlsx_bytes(result: Trace, case_number: str) -> bytes:
    """Two sheets: the trace's table, and what was asked (case number, window, options, counts, notes)."""
    case = next(json_lines(result))["case"]
    return rows_xlsx(_table_rows(result), about_rows(case, len(result.contacts.contacts), case_number))


def rows_csv(rows: Iterable[list[str]]) -> bytes:
    """Rows as CSV, UTF-8 with a BOM, every cell escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(_safe_rows(rows))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def rows_xlsx(rows: Iterable[list[str]], about: Iterable[list[str]]) -> bytes:
    """A workbook of two sheets, "trace" (`rows`) and "about", every cell escaped text."""
    book = Workbook(write_only=True)
    for title, sheet_rows in (("trace", rows), ("about", about)):
        sheet = book.create_sheet(title)
        for row in _safe_rows(sheet_rows):
            sheet.append([_text_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def about_rows(case: Mapping[str, Any], listed: int, case_number: str) -> list[list[str]]:
    """What was asked, from the case's JSON line (kiosk.tracing.report.json_lines, in English)."""
    rows = [["case number", case_number], ["searched", case["searched"]], ["keys", ", ".join(case["keys"])],
            ["from", case["from"]], ["to", case["to"]],
            ["window cut to the kept entries", "yes" if case["window_cut_to_retention"] else "no"],
            ["minimum minutes", f"{case['min_minutes']:g}"], ["padding", "yes" if case["padding"] else "no"],
            ["case visits", str(len(case["visits"]))], ["contacts found", str(case["contacts"])],
            ["contacts listed", str(listed)]]
    return rows + [["note", note] for note in case["notes"]]


def export_filename(case_number: str, asked_at: datetime, extension: str) -> str:
    """'trace-<case>-<YYYYmmdd-HHMM>.<ext>': the case number reduced to characters safe in any file system
    and in a Content-Disposition header (no quotes, slashes, dots at the start, or control characters)."""
    safe = _UNSAFE_IN_NAME.sub("_", case_number).strip("._-")[:NAME_LONGEST] or "case"
    return f"trace-{safe}-{asked_at.strftime('%Y%m%d-%H%M')}.{extension}"


def _table_rows(result: Trace) -> list[list[str]]:
    header, rows = table(result)
    return [header, *rows]


def _safe_rows(rows: Iterable[list[str]]) -> Iterable[list[str]]:
    # A spreadsheet file cannot hold control characters (openpyxl refuses them): shown as U+FFFD instead.
    return ([ILLEGAL_CHARACTERS_RE.sub("\ufffd", spreadsheet_safe(cell)) for cell in row] for row in rows)


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, whatever it looks like: never a formula, a number or a date
    return cell
