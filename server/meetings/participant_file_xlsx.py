"""A participant list saved as an Excel workbook (.xlsx), read from the first sheet with a recognised header.

The file is a zip: the sizes its members declare are checked before anything is unpacked (Python's zipfile
never unpacks more than a member declares), so a zip bomb is refused instead of filling memory. The sheets
are read by participant_file_xml, not openpyxl: openpyxl's cell parser takes seconds for a few thousand
rows, and a participant list needs only each cell's text, number or "this is a formula".
"""

from __future__ import annotations

import io
import zipfile
from itertools import chain
from typing import Callable, Iterator
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

from server.meetings.errors import MeetingError
from server.meetings.headers import HEADER_ROWS, Header, find_header
from server.meetings.participant_file_cells import FORMULA, Cell, has_data
from server.meetings.participant_file_table import Table, no_name_column, not_a_table
from server.meetings.participant_file_xml import DamagedPart, sheet_paths, sheet_rows, shared_strings

MAX_UNPACKED = 100 * 1024 * 1024  # bytes the workbook's members may declare in all
MAX_MEMBERS = 1_000
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # all Excel writes; others unpack unbounded
Rows = Iterator[tuple[int, list[Cell]]]


def read_xlsx_table(data: bytes, max_rows: int) -> Table:
    """The table of the first sheet with a header; past `max_rows` rows with data, the rest are only
    counted (the file is refused, and a sheet's XML takes seconds to parse where counting takes less)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_sizes(archive)
            return _first_listed_sheet(archive, max_rows)
    except (zipfile.BadZipFile, EOFError):
        raise not_a_table("tệp nén bị hỏng", "a damaged zip file") from None
    except KeyError:  # no workbook part: a .docx, an .ods, any other zip
        raise not_a_table("tệp nén nhưng không phải sổ tính Excel", "a zip file but not an Excel workbook") \
            from None
    except (DamagedPart, ExpatError, ParseError, ValueError, IndexError, OSError):
        raise MeetingError("Tệp Excel bị hỏng, không đọc được; hãy mở bằng Excel và lưu lại.",
                           "The Excel file is damaged and cannot be read; open it in Excel and save it "
                           "again.") from None


def _check_sizes(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if (len(members) > MAX_MEMBERS or sum(member.file_size for member in members) > MAX_UNPACKED
            or any(member.compress_type not in _COMPRESSIONS for member in members)):
        raise MeetingError(f"Tệp Excel khi giải nén lớn hơn {MAX_UNPACKED // 2**20} MB hoặc nén theo cách Excel "
                           f"không dùng (có thể là tệp hỏng hoặc độc hại); hãy lưu lại danh sách thành tệp "
                           f"mới hoặc CSV.",
                           f"The Excel file unpacks to more than {MAX_UNPACKED // 2**20} MB or is packed in a "
                           f"way Excel does not use (it may be damaged or hostile); save the list again as a "
                           f"new file or as CSV.")


def _first_listed_sheet(archive: zipfile.ZipFile, max_rows: int) -> Table:
    sheets, strings_path = sheet_paths(archive.read)
    shared: list[str] = []
    if strings_path is not None:
        with archive.open(strings_path) as source:
            shared = shared_strings(source)
    first_top: list[list[str]] | None = None
    for path in sheets:
        with archive.open(path) as source:
            top, rest = _split_top(sheet_rows(source, shared))
            grid: list[list[str]] = [[] for _ in range(HEADER_ROWS)]
            for line, cells in top:
                grid[line - 1] = [_header_text(cell) for cell in cells]
            header = find_header(grid)
            if header is not None:
                return _below(header, chain(top, rest), max_rows, lambda: _closed_rows(archive, path))
        first_top = grid if first_top is None else first_top
    raise no_name_column(first_top or [])


def _below(header: Header, rows: Rows, max_rows: int, closed_rows: Callable[[], int]) -> Table:
    used = header.used
    width = max(used) + 1
    below: list[tuple[int, list[Cell]]] = []
    listed = 0
    for line, cells in rows:
        if line > header.line:
            below.append((line, cells[:width]))
            listed += has_data(cells, used)
            if listed > max_rows:
                return Table("xlsx", header, below, unread=max(0, closed_rows() - header.line - len(below)))
    return Table("xlsx", header, below)


def _closed_rows(archive: zipfile.ZipFile, path: str) -> int:
    """How many rows with something in them a sheet's XML holds, counted without parsing it."""
    count, tail = 0, b""
    with archive.open(path) as source:
        while chunk := source.read(1 << 20):
            count += (tail + chunk).count(b"row>")  # </row> and </x:row>; <row> alone is never written
            tail = chunk[-3:]
    return count


def _split_top(rows: Rows) -> tuple[list[tuple[int, list[Cell]]], Rows]:
    """The rows among the first HEADER_ROWS lines, and the rest, still to be read."""
    top = []
    for line, cells in rows:
        if not 1 <= line <= HEADER_ROWS:
            return top, chain([(line, cells)], rows)
        top.append((line, cells))
    return top, iter(())


def _header_text(cell: Cell) -> str:
    return "" if cell is FORMULA else str(cell)
