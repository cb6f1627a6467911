"""A participant list saved as an Excel workbook (.xlsx), read from the first sheet with a recognised header.

The file is a zip: the sizes its members declare are checked before openpyxl unpacks anything (Python's
zipfile never unpacks more than a member declares), so a zip bomb is refused instead of filling memory.
Formulas are read as formulas (data_only=False), never as the values they last computed."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from typing import Any, Sequence

from openpyxl import load_workbook

from server.meetings.errors import MeetingError
from server.meetings.headers import HEADER_ROWS, find_header
from server.meetings.participant_file_cells import FORMULA, Cell
from server.meetings.participant_file_table import Table, no_name_column, not_a_table

MAX_UNPACKED = 100 * 1024 * 1024  # bytes the workbook's members may declare in all
MAX_MEMBERS = 1_000
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # all Excel writes; others unpack unbounded


def read_xlsx_table(data: bytes) -> Table:
    _check_archive(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl says "not a workbook" in a dozen exception types
        raise not_a_table("tệp nén nhưng không phải sổ tính Excel", "a zip file but not an Excel workbook") \
            from None
    try:
        return _first_listed_sheet(book)
    except MeetingError:
        raise
    except Exception:  # a damaged sheet: openpyxl's parser fails in many ways
        raise MeetingError("Tệp Excel bị hỏng, không đọc được; hãy mở bằng Excel và lưu lại.",
                           "The Excel file is damaged and cannot be read; open it in Excel and save it "
                           "again.") from None
    finally:
        book.close()


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise not_a_table("tệp nén bị hỏng", "a damaged zip file") from None
    if (len(members) > MAX_MEMBERS or sum(member.file_size for member in members) > MAX_UNPACKED
            or any(member.compress_type not in _COMPRESSIONS for member in members)):
        raise MeetingError(f"Tệp Excel khi giải nén lớn hơn {MAX_UNPACKED // 2**20} MB hoặc nén theo cách Excel "
                           f"không dùng (có thể là tệp hỏng hoặc độc hại); hãy lưu lại danh sách thành tệp "
                           f"mới hoặc CSV.",
                           f"The Excel file unpacks to more than {MAX_UNPACKED // 2**20} MB or is packed in a "
                           f"way Excel does not use (it may be damaged or hostile); save the list again as a "
                           f"new file or as CSV.")


def _first_listed_sheet(book: Any) -> Table:
    first_top: list[list[str]] | None = None
    for sheet in book.worksheets:
        sheet.reset_dimensions()  # the size a sheet declares may be wrong, or hostile
        top = [[_header_text(cell) for cell in row] for row in sheet.iter_rows(max_row=HEADER_ROWS)]
        header = find_header(top)
        if header is not None:
            width = max(index for indexes in header.columns.values() for index in indexes) + 1
            below = sheet.iter_rows(min_row=header.line + 1, max_col=width)
            rows = [(line, _cells(row)) for line, row in enumerate(below, start=header.line + 1)]
            return Table("xlsx", header, rows)
        first_top = top if first_top is None else first_top
    raise no_name_column(first_top or [])


def _header_text(cell: Any) -> str:
    return "" if cell.value is None or cell.data_type == "f" else str(cell.value)


def _cells(row: Sequence[Any]) -> tuple[Cell, ...]:
    return tuple(_cell(cell) for cell in row)


def _cell(cell: Any) -> Cell:
    value = cell.value
    if cell.data_type == "f":
        return FORMULA
    if value is None:
        return ""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value)  # a date, a time, TRUE / FALSE
