"""A participant file read as a table (CSV or XLSX): its header and the rows below it, and what is said when
a file is not such a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from server.meetings.errors import MeetingError
from server.meetings.headers import HEADER_ROWS, NAME_HEADERS, Header, headers_seen
from server.meetings.participant_file_cells import Cell


@dataclass(frozen=True)
class Table:
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "cp1258" or "xlsx"
    header: Header
    rows: Iterable[tuple[int, Sequence[Cell]]]  # below the header: (line, cells), line 1 = the first row;
    # iterable more than once (the rows are counted before they are read)
    unread: int = 0  # rows with data left unread below `rows`: the file is over the row limit anyway


def not_a_table(vi_what: str, en_what: str) -> MeetingError:
    return MeetingError(f"Tệp này không phải bảng CSV hay Excel ({vi_what}); hãy lưu danh sách từ Excel thành "
                        f"Excel Workbook (.xlsx) hoặc CSV UTF-8.",
                        f"This file is not a CSV or Excel table ({en_what}); save the list from Excel as Excel "
                        f"Workbook (.xlsx) or CSV UTF-8.")


def no_name_column(top: Sequence[Sequence[str]]) -> MeetingError:
    """The table's top rows name no name column: says what they do hold and what would be recognised."""
    return MeetingError(f"Không tìm thấy cột họ tên trong {HEADER_ROWS} dòng đầu. Tiêu đề đã thấy: "
                        f"{headers_seen(top, 'vi')}. Cột họ tên cần có tiêu đề như: {NAME_HEADERS}.",
                        f"No name column in the first {HEADER_ROWS} rows. Headers found: "
                        f"{headers_seen(top, 'en')}. The name column needs a header such as: {NAME_HEADERS}.")


def vi_number(number: int) -> str:
    """A count as Vietnamese writes it (100.000)."""
    return f"{number:,}".replace(",", ".")
