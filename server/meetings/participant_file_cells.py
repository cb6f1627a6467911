"""One cell of a participant file, checked: text a reader can see, an ID number of 9 or 12 digits, a phone
number, never a formula. What Excel does to numbers (drops the leading 0, writes 1.23E+11) is recognised
and explained, not imported wrong."""

from __future__ import annotations

import re
from typing import Sequence

from kiosk.contract import hidden_in
from kiosk.meetings.keys import phone_number
from server.meetings.errors import Words


class Formula:
    """An Excel cell that holds a formula: its text is never read (it would be one again in a report)."""

    __slots__ = ()


FORMULA = Formula()
Cell = str | int | float | Formula  # "" for an empty cell; int and float for an Excel cell stored as a number

_FORMULA_START = ("=", "+", "-", "@")
_EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!",
                           "#CALC!", "#GETTING_DATA"})
_LINE_BREAKS = str.maketrans("\t\r\n", "   ")
_PLACEHOLDER = re.compile(r"[-–—.]+")  # what an organiser writes for "none"
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]*)?e[+-]?[0-9]+", re.IGNORECASE)
_DECIMAL = re.compile(r"[0-9]+[.,]0+")  # 1099012345.0
_SEPARATORS = re.compile(r"[\s.]")
_FIX_COLUMN = ("hãy định dạng cột là Văn bản (Text) rồi nhập lại",
               "format the column as Text and type the numbers again")


class BadCell(Exception):
    """Why a row is not imported, said without its line (the row adds it)."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en

    def on_line(self, line: int) -> Words:
        return Words(f"Dòng {line}: {self.vi}.", f"Line {line}: {self.en}.")


def check_cell(cell: Cell, column: str) -> None:
    """Refuses a formula, an error Excel shows in place of a value, and a character no reader can see."""
    if _is_formula(cell):
        raise BadCell(f"một ô chứa công thức (cột “{column}”); công thức không bao giờ được nhập — hãy sao chép "
                      f"cột rồi dán giá trị (Paste Special → Values)",
                      f"a cell holds a formula (column “{column}”); formulas are never imported — copy the "
                      f"column and paste values only (Paste Special → Values)")
    if not isinstance(cell, str):
        return
    if cell.strip().upper() in _EXCEL_ERRORS:
        raise BadCell(f"một ô chứa lỗi của Excel {cell.strip()} thay cho giá trị (cột “{column}”); hãy sửa ô này",
                      f"a cell holds Excel's error {cell.strip()} instead of a value (column “{column}”); fix "
                      f"the cell")
    if cell.isprintable() and "\ufffd" not in cell:  # every hidden character is unprintable
        return
    hidden = hidden_in(cell.translate(_LINE_BREAKS))
    if hidden:
        code = f"U+{ord(hidden[0]):04X}"
        raise BadCell(f"ô ở cột “{column}” chứa ký tự ẩn không nhìn thấy được ({code}); hãy gõ lại ô này",
                      f"a cell in column “{column}” holds a character no reader can see ({code}); type the "
                      f"cell again")


def _is_formula(cell: Cell) -> bool:
    """An Excel formula, or text a spreadsheet would run as one ("=HYPERLINK(…)", "@SUM(1)", "-2+3"); a
    phone number written "+84 …" is not one."""
    if isinstance(cell, Formula):
        return True
    if not isinstance(cell, str):
        return False
    text = cell.strip()
    return (text.startswith(_FORMULA_START) and not _PLACEHOLDER.fullmatch(text)
            and phone_number(text) is None)


def is_blank(cell: Cell) -> bool:
    """Nothing, or what an organiser writes for "none" ("-"): the same cells text_of gives "" for."""
    if not isinstance(cell, str):
        return False
    text = cell.strip()
    return not text or _PLACEHOLDER.fullmatch(text) is not None


def has_data(cells: Sequence[Cell], columns: Sequence[int]) -> bool:
    """Whether a row holds anything in the columns read (a row of nothing is not a participant)."""
    return any(index < len(cells) and not is_blank(cells[index]) for index in columns)


def text_of(cell: Cell) -> str:
    """A cell as one line of text, spaces collapsed ("" for a placeholder such as "-"); a number Excel
    stored as a number loses no digit here (1099012345.0 → "1099012345"), only what Excel itself lost."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = " ".join(str(cell).split())
    return "" if _PLACEHOLDER.fullmatch(text) else text


def id_number_of(cell: Cell) -> str:
    """The ID number a cell holds, 9 or 12 digits ("001 099 012 345" → "001099012345"), "" for none."""
    text = _number_text(cell)
    if not text:
        return ""
    if _SCIENTIFIC.fullmatch(text) or _DECIMAL.fullmatch(text):
        raise BadCell("số CCCD/CMND sai: Excel đã đổi số này thành dạng số (như 1,23E+11) và làm mất chữ số; "
                      + _FIX_COLUMN[0],
                      "bad ID number: Excel turned it into a number (like 1.23E+11) and lost digits; "
                      + _FIX_COLUMN[1])
    digits = _SEPARATORS.sub("", text)
    if not (digits.isascii() and digits.isdigit()):
        raise BadCell("số CCCD/CMND sai: chỉ được có chữ số", "bad ID number: it may hold digits only")
    if len(digits) == 12 and isinstance(cell, (int, float)):
        raise BadCell("số CCCD/CMND sai: Excel lưu ô này dạng số, mà số CCCD 12 chữ số luôn bắt đầu bằng 0, nên "
                      "chữ số đã bị mất hoặc đổi; " + _FIX_COLUMN[0],
                      "bad ID number: Excel keeps this cell as a number, and a 12-digit ID number always starts "
                      "with 0, so digits were lost or changed; " + _FIX_COLUMN[1])
    if len(digits) in (9, 12):
        return digits
    if len(digits) in (8, 10, 11):
        raise BadCell(f"số CCCD/CMND sai: có {len(digits)} chữ số — có thể Excel đã bỏ số 0 ở đầu; "
                      + _FIX_COLUMN[0],
                      f"bad ID number: it has {len(digits)} digits — Excel may have dropped the 0 at the "
                      f"start; " + _FIX_COLUMN[1])
    raise BadCell(f"số CCCD/CMND sai: phải có 9 hoặc 12 chữ số, ô này có {len(digits)}",
                  f"bad ID number: it must have 9 or 12 digits, this one has {len(digits)}")


def phone_of(cell: Cell) -> str:
    """The phone number a cell holds as "0xxxxxxxxx" ("+84 912.345.678" → "0912345678"), "" for none."""
    text = _number_text(cell)
    if not text:
        return ""
    number = phone_number(text)
    if number:
        return number
    digits = _SEPARATORS.sub("", text)
    if _SCIENTIFIC.fullmatch(text) or (digits.isascii() and digits.isdigit() and len(digits) == 9
                                        and not digits.startswith("0")):
        raise BadCell("số điện thoại sai: có thể Excel đã bỏ số 0 ở đầu hoặc đổi thành dạng số; "
                      + _FIX_COLUMN[0],
                      "bad phone number: Excel may have dropped the 0 at the start or turned it into a "
                      "number; " + _FIX_COLUMN[1])
    raise BadCell("số điện thoại sai: cần 10 hoặc 11 chữ số, bắt đầu bằng 0 (hoặc +84)",
                  "bad phone number: it needs 10 or 11 digits starting with 0 (or +84)")


def _number_text(cell: Cell) -> str:
    """A number's cell as text, without the leading ' that tells Excel "this is text"."""
    return text_of(cell).removeprefix("'").strip()
