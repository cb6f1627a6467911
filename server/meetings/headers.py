"""The header of an organiser's participant list: which column holds which field, whatever the language
(Vietnamese or English), case, diacritics, punctuation and order ("HỌ VÀ TÊN", "Ho va ten", "Họ tên:" all
name the name), and which of the first rows it is (organisers put the meeting's title above it)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from kiosk.contract import is_hidden, without_diacritics

FIELDS = ("name", "organisation", "group", "id_number", "phone")
HEADER_ROWS = 10  # the header is looked for in this many rows at the top of the table

# Headers as organisers write them. "Tên" alone holds a full name, but next to a "Họ" column it holds the
# given name only: the two are joined (family name first, as Vietnamese names are written).
_SYNONYMS = {
    "name": ("Họ và tên", "Họ tên", "Tên", "Họ và tên đại biểu", "Họ tên đại biểu", "Tên đại biểu", "Đại biểu",
             "Họ và tên học viên", "Họ và tên người tham dự", "Người tham dự", "Full name", "Fullname", "Name",
             "Participant", "Participant name"),
    "organisation": ("Đơn vị", "Cơ quan", "Đơn vị công tác", "Cơ quan công tác", "Tên đơn vị", "Tên cơ quan",
                     "Tổ chức", "Công ty", "Phòng ban", "Ban", "Organisation", "Organization", "Company",
                     "Agency", "Affiliation"),
    "group": ("Nhóm", "Tổ", "Chỗ ngồi", "Ghế", "Số ghế", "Bàn", "Vị trí", "Vị trí ngồi", "Group", "Seat",
              "Table", "Team"),
    "id_number": ("Số CCCD", "CCCD", "CMND", "CCCD/CMND", "CMND/CCCD", "Số CMND", "Số CCCD/CMND",
                  "Số CMND/CCCD", "Căn cước", "Số căn cước", "Số định danh", "Số định danh cá nhân",
                  "Số giấy tờ", "ID", "ID number", "ID No", "National ID"),
    "phone": ("Số điện thoại", "SĐT", "SDT", "Điện thoại", "Điện thoại di động", "Di động", "Số di động",
              "Phone", "Phone number", "Mobile", "Tel", "Telephone"),
    "given_name": ("First name", "Given name"),
    "family_name": ("Họ", "Họ đệm", "Họ và đệm", "Họ và tên đệm", "Họ lót", "Họ và chữ lót", "Last name",
                    "Surname", "Family name"),
    "row_number": ("STT", "TT", "Số TT", "Số thứ tự", "No", "No.", "#"),
}

# What the organiser reads about each field, in both languages.
LABELS = {"name": ("họ tên", "name"), "organisation": ("đơn vị", "organisation"),
          "group": ("nhóm/chỗ ngồi", "group/seat"), "id_number": ("số CCCD/CMND", "ID number"),
          "phone": ("số điện thoại", "phone")}
NAME_HEADERS = ", ".join(_SYNONYMS["name"][:3] + ("Full name", "Name"))
_PUNCTUATION = re.compile(r"[^\w#]+")
_IN_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def cleaned(text: str) -> str:
    """A header as the organiser wrote it, fit to show: no hidden characters, spaces collapsed."""
    return " ".join("".join(ch for ch in unicodedata.normalize("NFC", text) if not is_hidden(ch)).split())


def _key(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", cleaned(text).lower().replace("_", " ")).split())


def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """Header key → field, with diacritics, and folded; a folded key two fields share ("Bàn" a table and
    "Ban" a department) is left to the exact table."""
    exact: dict[str, str] = {}
    folded: dict[str, set[str]] = {}
    for field, names in _SYNONYMS.items():
        for written in names:
            exact[_key(written)] = field
            folded.setdefault(without_diacritics(_key(written)), set()).add(field)
    return exact, {key: fields.pop() for key, fields in folded.items() if len(fields) == 1}


_EXACT, _FOLDED = _tables()
# A "name" header that holds the given name next to a family-name column.
_GIVEN_ALONE = {without_diacritics(_key("Tên"))}


def field_of(header: str) -> str | None:
    """The field a header names ("Số CCCD" → "id_number"; "STT" → "row_number"), None if unknown."""
    for text in (header, _IN_BRACKETS.sub(" ", header)):
        key = _key(text)
        if key:
            field = _EXACT.get(key) or _FOLDED.get(without_diacritics(key))
            if field:
                return field
    return None


@dataclass(frozen=True)
class Header:
    """A table's header row: its line (1 = the first row) and the columns each field is read from (the name
    from one column, or a family-name and a given-name column joined)."""

    line: int
    columns: dict[str, tuple[int, ...]]  # field → column indexes (0 = the first column)
    written: dict[str, str]  # field → header as written ("Họ + Tên" for two joined columns)
    ignored: tuple[str, ...]  # headers not used, as written

    @property
    def used(self) -> tuple[int, ...]:
        """The columns read, in no particular order."""
        return tuple(index for indexes in self.columns.values() for index in indexes)


def recognise(cells: Sequence[str], line: int) -> Header | None:
    """The header this row is, if it names a name column; the first column of a field wins."""
    titles = tuple(cleaned(cell) for cell in cells)
    first: dict[str, int] = {}
    for index, title in enumerate(titles):
        field = field_of(title)
        if field is not None and field not in first:
            first[field] = index
    name = _name_columns(first, titles)
    if name is None:
        return None
    columns = {"name": name, **{field: (first[field],) for field in FIELDS[1:] if field in first}}
    used = {index for indexes in columns.values() for index in indexes}
    ignored = tuple(title for index, title in enumerate(titles) if title and index not in used)
    written = {field: " + ".join(titles[index] for index in indexes) for field, indexes in columns.items()}
    return Header(line, columns, written, ignored)


def _name_columns(first: dict[str, int], titles: tuple[str, ...]) -> tuple[int, ...] | None:
    full, given, family = first.get("name"), first.get("given_name"), first.get("family_name")
    if full is not None and family is not None and without_diacritics(_key(titles[full])) in _GIVEN_ALONE:
        full, given = None, full
    if full is not None:
        return (full,)
    if given is None:
        return None
    return (given,) if family is None else (family, given)


def find_header(rows: Sequence[Sequence[str]]) -> Header | None:
    """The top row that names a name column and the most other fields (a title "Đại biểu" above the header
    names a name too), the first of equals."""
    headers = [header for line, cells in enumerate(rows[:HEADER_ROWS], start=1)
               if (header := recognise(cells, line)) is not None]
    return max(headers, key=lambda header: len(header.columns), default=None)


def headers_seen(rows: Sequence[Sequence[str]], language: str) -> str:
    """What the top rows hold that looks most like a header (the row with most known headers, else the
    first row with anything in it), each known one followed by its field: "STT, Đơn vị (organisation)"."""
    top = [[cleaned(cell) for cell in cells if cleaned(cell)] for cells in rows[:HEADER_ROWS]]
    known = [sum(field_of(cell) is not None for cell in cells) for cells in top]
    filled = [cells for cells in top if cells]
    if not filled:
        return "(không có)" if language == "vi" else "(none)"
    best = top[known.index(max(known))] if max(known) else filled[0]
    return ", ".join(_seen(cell, language) for cell in best[:12]) + (", …" if len(best) > 12 else "")


def _seen(cell: str, language: str) -> str:
    shown = cell if len(cell) <= 40 else cell[:39] + "…"
    field = field_of(cell)
    if field in LABELS:
        return f"{shown} ({LABELS[field][0 if language == 'vi' else 1]})"
    return shown
