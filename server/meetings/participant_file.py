"""The organiser's participant list (CSV or XLSX) read into rows to import and rows skipped, each with why in
Vietnamese and English, before anything is stored: the import and the dashboard's preview both read it here.

The file is whatever the organiser's computer wrote (see participant_file_csv and participant_file_xlsx):
columns in any order under Vietnamese or English headers, the meeting's title above them. Every row is
hostile until checked: a formula is never imported (it would run again in a report), nor a character no
reader can see, nor a number Excel mangled. A file that cannot be read as a whole (not a table, no name
column, too big, too many rows) raises MeetingError and gives nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from server.meetings.errors import MeetingError, Words
from server.meetings.headers import LABELS, Header
from server.meetings.participant_file_cells import (BadCell, Cell, check_cell, has_data, id_number_of, phone_of,
                                                    text_of)
from server.meetings.participant_file_csv import read_csv_table
from server.meetings.participant_file_table import vi_number
from server.meetings.participant_file_xlsx import read_xlsx_table

MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024
NAME_LONGEST = 120
TEXT_LONGEST = 200  # organisation, group


@dataclass(frozen=True)
class FileRow:
    line: int  # the row's number as the organiser's spreadsheet shows it
    name: str
    organisation: str
    group: str
    id_number: str  # 9 or 12 digits, or ""
    phone: str  # kiosk.meetings.keys.phone_number form, or ""


@dataclass(frozen=True)
class SkippedRow:
    line: int
    words: Words  # why, starting with the line: "Dòng 14: …" / "Line 14: …"


@dataclass(frozen=True)
class ParticipantFile:
    columns: dict[str, str]  # field ("name", "organisation", "group", "id_number", "phone") → header as written
    ignored: tuple[str, ...]  # headers not used
    rows: tuple[FileRow, ...]
    skipped: tuple[SkippedRow, ...]
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "cp1258" or "xlsx"


def read_participant_file(data: bytes, filename: str, max_rows: int = MAX_ROWS) -> ParticipantFile:
    """The participants a file lists. Its content decides how it is read (an .xlsx is a zip, whatever its
    name); `filename` only names it. Raises MeetingError when the file as a whole cannot be imported."""
    if len(data) > MAX_BYTES:
        size, named = f"{len(data) / 2**20:.1f}", _shown(filename)
        raise MeetingError(f"Tệp {named}nặng {size.replace('.', ',')} MB, vượt giới hạn {MAX_BYTES // 2**20} MB; "
                           f"hãy tách danh sách thành nhiều tệp.",
                           f"The file {named}is {size} MB, over the {MAX_BYTES // 2**20} MB limit; split the "
                           f"list into several files.")
    table = read_xlsx_table(data, max_rows) if data.startswith(b"PK") else read_csv_table(data)
    reader, used = _Rows(table.header), table.header.used
    listed = sum(1 for _, cells in table.rows if has_data(cells, used)) + table.unread
    if listed > max_rows:
        raise MeetingError(f"Tệp có {vi_number(listed)} dòng người tham dự, vượt giới hạn {vi_number(max_rows)} "
                           f"dòng mỗi lần nhập; không dòng nào được nhập. Hãy tách danh sách thành nhiều tệp.",
                           f"The file has {listed:,} participant rows, over the limit of {max_rows:,} per "
                           f"import; nothing was imported. Split the list into several files.")
    for line, cells in table.rows:
        if has_data(cells, used):
            reader.read(line, cells)
    return ParticipantFile(dict(table.header.written), table.header.ignored, tuple(reader.rows),
                           tuple(reader.skipped), table.encoding)


class _Rows:
    """The rows read so far, in file order; a later row with the same ID number or phone is skipped."""

    def __init__(self, header: Header) -> None:
        self.header = header
        self.rows: list[FileRow] = []
        self.skipped: list[SkippedRow] = []
        self.lines_of: dict[tuple[str, str], int] = {}  # ("id_number" | "phone", value) → its first line

    def read(self, line: int, cells: Sequence[Cell]) -> None:
        try:
            row = self._row(line, cells)
            self._check_unique(row)
        except BadCell as bad:
            self.skipped.append(SkippedRow(line, bad.on_line(line)))
            return
        self.rows.append(row)
        for field in ("id_number", "phone"):
            if getattr(row, field):
                self.lines_of[field, getattr(row, field)] = line

    def _row(self, line: int, cells: Sequence[Cell]) -> FileRow:
        values = {field: [cells[index] if index < len(cells) else "" for index in indexes]
                  for field, indexes in self.header.columns.items()}
        for field, field_cells in values.items():
            for cell in field_cells:
                check_cell(cell, self.header.written[field])
        name = " ".join(filter(None, (text_of(cell) for cell in values["name"])))
        return FileRow(line, _name(name), _text(values, "organisation"), _text(values, "group"),
                       id_number_of(values["id_number"][0]) if "id_number" in values else "",
                       phone_of(values["phone"][0]) if "phone" in values else "")

    def _check_unique(self, row: FileRow) -> None:
        for field, vi_what, en_what in (("id_number", "số CCCD/CMND", "ID number"),
                                        ("phone", "số điện thoại", "phone number")):
            first = self.lines_of.get((field, getattr(row, field)))
            if first is not None:
                raise BadCell(f"trùng {vi_what} với dòng {first}", f"same {en_what} as line {first}")


def _name(name: str) -> str:
    if not name:
        raise BadCell("thiếu họ tên (dòng có dữ liệu khác nhưng không có họ tên)",
                      "missing name (the row has other data but no name)")
    if not any(ch.isalpha() for ch in name):
        raise BadCell("họ tên không có chữ cái nào", "the name has no letters")
    if len(name) > NAME_LONGEST:
        raise BadCell(f"họ tên dài hơn {NAME_LONGEST} ký tự", f"the name is longer than {NAME_LONGEST} characters")
    return name


def _text(values: dict[str, list[Cell]], field: str) -> str:
    text = text_of(values[field][0]) if field in values else ""
    if len(text) > TEXT_LONGEST:
        vi_what, en_what = LABELS[field]
        raise BadCell(f"{vi_what} dài hơn {TEXT_LONGEST} ký tự", f"the {en_what} is longer than {TEXT_LONGEST} "
                      f"characters")
    return text


def _shown(filename: str) -> str:
    """A file's name fit for a message, quoted and followed by a space ("" for none): its last part, visible
    characters, not too long."""
    name = "".join(ch for ch in filename.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable())
    return f"“{name if len(name) <= 60 else name[:59] + '…'}” " if name else ""
