"""A participant list saved as text: CSV from Excel or a program, in the encodings Excel writes (UTF-8 with or
without a BOM, UTF-16 "Unicode text", Windows-1258 from Vietnamese Windows) and the separators it uses
(comma, semicolon in a Vietnamese locale, tab). Anything that is not text (a PDF, an image, a web page) is
refused before it is read as one."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from itertools import islice
from typing import Iterator

from server.meetings.errors import MeetingError
from server.meetings.headers import HEADER_ROWS, find_header
from server.meetings.participant_file_table import Table, no_name_column, not_a_table, vi_number

_DELIMITERS = (",", ";", "\t")
_BOMS = ((codecs.BOM_UTF8, "utf-8", "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"))
_IMAGE = ("ảnh", "an image")
_ARCHIVE = ("tệp nén", "a compressed archive")
_SIGNATURES = ((b"%PDF", ("tài liệu PDF", "a PDF document")), (b"\x89PNG", _IMAGE), (b"\xff\xd8\xff", _IMAGE),
               (b"GIF8", _IMAGE), (b"II*\x00", _IMAGE), (b"MM\x00*", _IMAGE), (b"\x1f\x8b", _ARCHIVE),
               (b"7z\xbc\xaf", _ARCHIVE), (b"Rar!", _ARCHIVE),
               (b"\xd0\xcf\x11\xe0", ("tệp Excel 97–2003 (.xls) hoặc Office cũ",
                                      "an old Excel 97–2003 file (.xls) or Office document")),
               (b"{\\rtf", ("văn bản Word/RTF", "a Word or RTF document")))
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SAMPLE = 65_536  # characters looked at to tell text from binary data


def read_csv_table(data: bytes) -> Table:
    """The table a text file holds, with the separator that makes a recognised header."""
    text, encoding = _text_of(data)
    found = []
    problem: MeetingError | None = None
    for delimiter in _DELIMITERS:
        try:
            top = list(islice(_records(text, delimiter), HEADER_ROWS))
        except MeetingError as error:
            problem = problem or error
            continue
        found.append((delimiter, top, find_header([cells for _, cells in top])))
    listed = [(delimiter, header) for delimiter, _, header in found if header is not None]
    if listed:
        delimiter, header = max(listed, key=lambda choice: len(choice[1].columns))
        return Table(encoding, header, _Below(text, delimiter, header.line))
    if problem is not None:
        raise problem
    widest = max(found, key=lambda choice: max((len(cells) for _, cells in choice[1]), default=0))
    raise no_name_column([cells for _, cells in widest[1]])


def _text_of(data: bytes) -> tuple[str, str]:
    """The file's text (NFC: Windows-1258 writes tone marks apart) and its encoding; a byte-order mark
    decides, else UTF-8 if the bytes are UTF-8, else Windows-1258."""
    for signature, (vi_what, en_what) in _SIGNATURES:
        if data.startswith(signature):
            raise not_a_table(vi_what, en_what)
    text, encoding = _decoded(data)
    if not text.strip():
        raise not_a_table("tệp rỗng", "the file is empty")
    sample = text[:_SAMPLE]
    if "\x00" in text or len(_CONTROLS.findall(sample)) > max(8, len(sample) // 100):  # a stray one costs a row
        raise not_a_table("dữ liệu nhị phân, không phải chữ", "it holds binary data, not text")
    if text.lstrip().startswith("<"):
        raise not_a_table("trang web hoặc tài liệu XML", "a web page or XML document")
    return unicodedata.normalize("NFC", text), encoding


def _decoded(data: bytes) -> tuple[str, str]:
    for bom, codec, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace"), encoding  # U+FFFD: that row is skipped
    for encoding in ("utf-8", "cp1258"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    raise not_a_table("dữ liệu nhị phân, không phải chữ", "it holds binary data, not text")


@dataclass(frozen=True)
class _Below:
    """The records below the header, read again each time they are iterated."""

    text: str
    delimiter: str
    header_line: int

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return ((line, cells) for line, cells in _records(self.text, self.delimiter) if line > self.header_line)


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each record; line counts records as a spreadsheet counts rows."""
    line = 0
    try:
        for line, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            yield line, cells
    except csv.Error as error:
        raise _damaged(line + 1, error) from None


def _damaged(line: int, error: csv.Error) -> MeetingError:
    if "field limit" in str(error):
        limit = csv.field_size_limit()
        return MeetingError(f"Dòng {line} của tệp CSV có một ô dài hơn {vi_number(limit)} ký tự — có thể thiếu "
                            f"dấu ngoặc kép (\") đóng; hãy mở tệp bằng Excel và lưu lại.",
                            f"Line {line} of the CSV file holds a cell longer than {limit:,} characters — "
                            f"perhaps a quotation mark (\") is never closed; open the file in Excel and save "
                            f"it again.")
    return MeetingError(f"Tệp CSV bị hỏng ở dòng {line}; hãy mở tệp bằng Excel và lưu lại.",
                        f"The CSV file is damaged at line {line}; open it in Excel and save it again.")
