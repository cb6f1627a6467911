"""The organiser's participant list as their computer writes it: CSV in every encoding and separator Excel
uses, XLSX with a title row and numbers Excel mangled, Vietnamese headers in any order; and every file or
row that must not be imported, refused with words an organiser can act on, in Vietnamese and English.
Every file here is written for real (openpyxl, encoders, zip) and read back through the one public door."""

from __future__ import annotations

import io
import random
import time
import unicodedata
import zipfile

import pytest
from openpyxl import Workbook

from server.meetings.errors import MeetingError
from server.meetings.participant_file import MAX_ROWS, FileRow, read_participant_file

HEADER = ["STT", "Họ và tên", "Đơn vị", "Chỗ ngồi", "Số CCCD", "Số điện thoại"]
PEOPLE = [["1", "Nguyễn Văn An", "Sở Y tế", "A-01", "001099012345", "0912345678"],
          ["2", "Trần Thị Bình", "Ủy ban nhân dân phường Bến Nghé", "A-02", "079188004321", "+84 913 222 333"],
          ["3", "Lê Hoàng Dũng", "Trường Đại học Cần Thơ", "", "", ""]]
EXPECTED = (FileRow(2, "Nguyễn Văn An", "Sở Y tế", "A-01", "001099012345", "0912345678"),
            FileRow(3, "Trần Thị Bình", "Ủy ban nhân dân phường Bến Nghé", "A-02", "079188004321", "0913222333"),
            FileRow(4, "Lê Hoàng Dũng", "Trường Đại học Cần Thơ", "", "", ""))
FORMULA = '=HYPERLINK("http://example.invalid","bấm vào đây")'
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # Windows-1258 writes these apart from their letter


def cp1258(text: str) -> bytes:
    """Text as Vietnamese Windows saves it: base letters precomposed (â, ơ, đ), tone marks combining."""
    out = []
    for ch in text:
        marks = "".join(mark for mark in unicodedata.normalize("NFD", ch) if mark in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", ch) if c not in marks))
        out.append((base + marks).encode("cp1258"))
    return b"".join(out)


def csv_file(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    text = "\r\n".join(delimiter.join(cell if delimiter not in cell else f'"{cell}"' for cell in row)
                       for row in rows) + "\r\n"
    if encoding == "cp1258":
        return cp1258(text)
    return text.encode(encoding)


def xlsx_file(*sheets: list[list[object]]) -> bytes:
    """A workbook with these sheets (rows of cell values; text starting with "=" is a formula), saved by
    openpyxl with shared strings, as Excel saves."""
    book = Workbook()
    book.remove(book.active)
    for number, rows in enumerate(sheets, start=1):
        sheet = book.create_sheet(f"Trang {number}")
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(workbook: bytes, sheet_xml: str) -> bytes:
    """An openpyxl workbook with its first sheet's XML replaced (written here as Excel writes it, for rows
    too many for openpyxl to write quickly, or XML no writer would)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            archive.writestr(member.filename, sheet_xml if member.filename == "xl/worksheets/sheet1.xml"
                             else source.read(member.filename))
    return out.getvalue()


def sheet_xml(rows: list[list[str]]) -> str:
    def cell(column: int, line: int, text: str) -> str:
        return f'<c r="{"ABCDEFGHIJ"[column]}{line}" t="inlineStr"><is><t>{text}</t></is></c>'

    body = "".join(f'<row r="{line}">' + "".join(cell(column, line, text) for column, text in enumerate(row))
                   + "</row>" for line, row in enumerate(rows, start=1))
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            f"{body}</sheetData></worksheet>")


def refusal(data: bytes, filename: str = "danh-sach.csv", **options: int) -> MeetingError:
    with pytest.raises(MeetingError) as raised:
        read_participant_file(data, filename, **options)
    return raised.value


def reasons(data: bytes, filename: str = "danh-sach.csv") -> dict[int, tuple[str, str]]:
    return {row.line: (row.words.vi, row.words.en) for row in read_participant_file(data, filename).skipped}


# --- what organisers' computers write ---------------------------------------------------------------------

@pytest.mark.parametrize("encoding, delimiter, reported", [
    ("utf-8", ",", "utf-8"), ("utf-8-sig", ",", "utf-8-sig"), ("utf-8-sig", ";", "utf-8-sig"),
    ("utf-16", "\t", "utf-16"), ("utf-16-be", "\t", "utf-16"), ("cp1258", ";", "cp1258"),
    ("cp1258", ",", "cp1258"), ("utf-8", "\t", "utf-8")])
def test_csv_in_every_encoding_and_separator_excel_writes_gives_the_same_people(encoding, delimiter, reported):
    data = csv_file([HEADER, *PEOPLE], delimiter, encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    read = read_participant_file(data, "danh-sach.csv")
    assert read.rows == EXPECTED
    assert read.encoding == reported
    assert read.columns == {"name": "Họ và tên", "organisation": "Đơn vị", "group": "Chỗ ngồi",
                            "id_number": "Số CCCD", "phone": "Số điện thoại"}
    assert read.ignored == ("STT",)
    assert read.skipped == ()


def test_windows_1258_tone_marks_become_the_letters_the_door_compares():
    data = csv_file([["Họ tên", "Đơn vị"], ["Phạm Thị Hương", "Sở Giáo dục"]], ";", "cp1258")
    assert "\u0323".encode("cp1258") in data  # the file really holds a combining dot below
    (row,) = read_participant_file(data, "ds.csv").rows
    assert row.name == "Phạm Thị Hương" and unicodedata.is_normalized("NFC", row.name)
    assert row.organisation == "Sở Giáo dục"


def test_headers_in_any_order_case_and_diacritics_under_a_title_row():
    rows = [["DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ TỔNG KẾT NĂM 2026", "", "", "", ""],
            ["", "", "", "", ""],
            ["so dien thoai", "CCCD/CMND", "Ghi chú", "HỌ VÀ TÊN ĐẠI BIỂU", "co quan"],
            ["0987654321", "001099012345", "khách mời", "Võ Minh Khôi", "Báo Nhân Dân"]]
    read = read_participant_file(csv_file(rows), "ds.csv")
    assert read.columns == {"name": "HỌ VÀ TÊN ĐẠI BIỂU", "organisation": "co quan", "id_number": "CCCD/CMND",
                            "phone": "so dien thoai"}
    assert read.ignored == ("Ghi chú",)
    assert read.rows == (FileRow(4, "Võ Minh Khôi", "Báo Nhân Dân", "", "001099012345", "0987654321"),)


@pytest.mark.parametrize("headers, field", [
    (("Họ tên", "Tên", "Họ và tên đại biểu", "Full name", "Name", "NAME:"), "name"),
    (("Cơ quan", "Đơn vị công tác", "Tổ chức", "Organisation", "Organization", "Company"), "organisation"),
    (("Nhóm", "Tổ", "Ghế", "Bàn", "Vị trí", "Group", "Seat", "Table"), "group"),
    (("CCCD", "CMND", "Số định danh", "Số giấy tờ", "ID", "ID number", "Số CCCD (*)"), "id_number"),
    (("SĐT", "SDT", "Điện thoại", "Di động", "Phone", "Mobile"), "phone")])
def test_every_header_an_organiser_writes_is_recognised(headers, field):
    for header in headers:
        columns = ["Họ và tên", header] if field != "name" else [header]
        values = ["Đỗ Thu Hà", {"id_number": "001099012345", "phone": "0912345678"}.get(field, "Nhóm 1")]
        read = read_participant_file(csv_file([columns, values[:len(columns)]]), "ds.csv")
        assert read.columns[field] == header, header


def test_a_family_name_column_beside_a_given_name_column_makes_the_full_name():
    read = read_participant_file(csv_file([["STT", "Họ và tên đệm", "Tên", "Đơn vị"],
                                           ["1", "Nguyễn Thị", "Mai", "Sở Tư pháp"]]), "ds.csv")
    assert read.columns["name"] == "Họ và tên đệm + Tên"
    assert read.rows[0].name == "Nguyễn Thị Mai"


def test_a_second_column_for_the_same_field_is_listed_as_ignored_and_the_first_is_used():
    read = read_participant_file(csv_file([["Họ và tên", "SĐT", "Điện thoại"],
                                           ["Bùi Văn Nam", "0912345678", "0988888888"]]), "ds.csv")
    assert read.columns["phone"] == "SĐT" and read.ignored == ("Điện thoại",)
    assert read.rows[0].phone == "0912345678"


def test_xlsx_with_a_title_row_numbers_stored_as_numbers_and_a_formula():
    rows = [["Hội nghị tập huấn phòng chống dịch — danh sách học viên"],
            ["Số CCCD", "Đơn vị", "Họ và tên", "Số điện thoại", "Nhóm"],
            ["001099012345", "Sở Y tế", "Nguyễn Văn An", "0912345678", 1],
            [123456789, "Sở Y tế", "Hoàng Thị Lan", 84912000111, 2.0],
            [79188004321, "Bệnh viện Chợ Rẫy", "Đinh Công Tráng", None, 3],
            [None, "Sở Y tế", "Phan Văn Tài", 912345679, 4],
            [None, None, None, None, None],
            ["", "Sở Nội vụ", None, "", None],
            [None, FORMULA, "Lý Thị Ngọc", None, None],
            [123457000000, "Sở Y tế", "Mai Văn Sơn", None, None]]
    data = xlsx_file(rows)
    assert b"<f>HYPERLINK" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    read = read_participant_file(data, "ds.xlsx")
    assert read.encoding == "xlsx"
    assert read.rows == (FileRow(3, "Nguyễn Văn An", "Sở Y tế", "1", "001099012345", "0912345678"),
                         FileRow(4, "Hoàng Thị Lan", "Sở Y tế", "2", "123456789", "0912000111"))
    assert reasons(data, "ds.xlsx") == {
        5: ("Dòng 5: số CCCD/CMND sai: có 11 chữ số — có thể Excel đã bỏ số 0 ở đầu; hãy định dạng cột là Văn "
            "bản (Text) rồi nhập lại.",
            "Line 5: bad ID number: it has 11 digits — Excel may have dropped the 0 at the start; format the "
            "column as Text and type the numbers again."),
        6: ("Dòng 6: số điện thoại sai: có thể Excel đã bỏ số 0 ở đầu hoặc đổi thành dạng số; hãy định dạng cột "
            "là Văn bản (Text) rồi nhập lại.",
            "Line 6: bad phone number: Excel may have dropped the 0 at the start or turned it into a number; "
            "format the column as Text and type the numbers again."),
        8: ("Dòng 8: thiếu họ tên (dòng có dữ liệu khác nhưng không có họ tên).",
            "Line 8: missing name (the row has other data but no name)."),
        9: ("Dòng 9: một ô chứa công thức (cột “Đơn vị”); công thức không bao giờ được nhập — hãy sao chép cột "
            "rồi dán giá trị (Paste Special → Values).",
            "Line 9: a cell holds a formula (column “Đơn vị”); formulas are never imported — copy the column "
            "and paste values only (Paste Special → Values)."),
        10: ("Dòng 10: số CCCD/CMND sai: Excel lưu ô này dạng số, mà số CCCD 12 chữ số luôn bắt đầu bằng 0, nên "
             "chữ số đã bị mất hoặc đổi; hãy định dạng cột là Văn bản (Text) rồi nhập lại.",
             "Line 10: bad ID number: Excel keeps this cell as a number, and a 12-digit ID number always starts "
             "with 0, so digits were lost or changed; format the column as Text and type the numbers again.")}


def test_xlsx_reads_the_first_sheet_with_a_header_and_is_known_by_its_content_not_its_name():
    instructions = [["Hướng dẫn: điền danh sách ở trang 2"], ["Không sửa dòng tiêu đề"]]
    data = xlsx_file(instructions, [HEADER, *PEOPLE])
    read = read_participant_file(data, "danh-sach.csv")
    assert read.encoding == "xlsx" and read.rows == EXPECTED
    read = read_participant_file(csv_file([HEADER, *PEOPLE]), "danh-sach.xlsx")
    assert read.encoding == "utf-8" and read.rows == EXPECTED


def test_a_formula_in_a_column_not_imported_does_not_cost_the_row():
    rows = [["STT", "Họ và tên"], ["=ROW()-1", "Nguyễn Văn An"]]
    read = read_participant_file(xlsx_file(rows), "ds.xlsx")
    assert [row.name for row in read.rows] == ["Nguyễn Văn An"] and read.skipped == ()


def test_a_list_with_only_its_header_gives_no_rows_and_no_error():
    read = read_participant_file(csv_file([["Họ và tên", "Đơn vị"], ["", ""]]), "ds.csv")
    assert (read.rows, read.skipped) == ((), ())


# --- rows that are not imported ------------------------------------------------------------------------------

def test_text_a_spreadsheet_would_run_as_a_formula_is_never_imported():
    rows = [["Họ và tên", "Đơn vị", "SĐT"],
            ["Nguyễn Văn An", '=HYPERLINK("http://example.invalid","x")', ""],
            ["@SUM(1)", "Sở Y tế", ""],
            ["Trần Văn Bảo", "+1+1", ""],
            ["Lê Thị Cúc", "-2+3", ""],
            ["Phạm Văn Đức", "Sở Y tế", "+84 912 345 678"],
            ["Vũ Thị Én", "-", ""]]
    read = read_participant_file(csv_file(rows), "ds.csv")
    assert {row.name: row.organisation for row in read.rows} == {"Phạm Văn Đức": "Sở Y tế", "Vũ Thị Én": ""}
    assert read.rows[0].phone == "0912345678"
    skipped = {row.line: row.words for row in read.skipped}
    assert sorted(skipped) == [2, 3, 4, 5]
    assert all("a cell holds a formula" in words.en and "một ô chứa công thức" in words.vi
               for words in skipped.values())
    assert "column “Họ và tên”" in skipped[3].en and "cột “Họ và tên”" in skipped[3].vi


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_error_excel_shows_in_place_of_a_value_is_never_imported(kind):
    rows = [["Họ và tên", "Đơn vị"], ["Nguyễn Văn An", "#N/A"], ["#REF!", "Sở Y tế"], ["Trần Thị Bình", "Sở Y tế"]]
    data = csv_file(rows) if kind == "csv" else xlsx_file(rows)
    if kind == "xlsx":
        assert b't="e"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    read = read_participant_file(data, f"ds.{kind}")
    assert [row.name for row in read.rows] == ["Trần Thị Bình"]
    assert reasons(data, f"ds.{kind}") == {
        2: ("Dòng 2: một ô chứa lỗi của Excel #N/A thay cho giá trị (cột “Đơn vị”); hãy sửa ô này.",
            "Line 2: a cell holds Excel's error #N/A instead of a value (column “Đơn vị”); fix the cell."),
        3: ("Dòng 3: một ô chứa lỗi của Excel #REF! thay cho giá trị (cột “Họ và tên”); hãy sửa ô này.",
            "Line 3: a cell holds Excel's error #REF! instead of a value (column “Họ và tên”); fix the cell.")}


@pytest.mark.parametrize("hidden", ["\u202e", "\u200b", "\x07", "\ufeff", "\u2028"], ids=lambda ch: f"U+{ord(ch):04X}")
def test_a_character_no_reader_can_see_costs_the_row(hidden):
    rows = [["Họ và tên", "Đơn vị"], [f"Nguyễn{hidden} Văn An", "Sở Y tế"], ["Trần Thị Bình", "Sở Y tế"]]
    read = read_participant_file(csv_file(rows), "ds.csv")
    assert [row.name for row in read.rows] == ["Trần Thị Bình"]
    code = f"U+{ord(hidden):04X}"
    assert reasons(csv_file(rows), "ds.csv") == {2: (
        f"Dòng 2: ô ở cột “Họ và tên” chứa ký tự ẩn không nhìn thấy được ({code}); hãy gõ lại ô này.",
        f"Line 2: a cell in column “Họ và tên” holds a character no reader can see ({code}); type the cell "
        f"again.")}


def test_spaces_and_line_breaks_in_a_cell_are_collapsed_not_refused():
    rows = [["Họ và tên", "Đơn vị"], ["  Nguyễn   Văn\u00a0An ", '"Sở Y tế\nTP. Hồ Chí Minh"']]
    (row,) = read_participant_file(csv_file(rows), "ds.csv").rows
    assert (row.name, row.organisation) == ("Nguyễn Văn An", "Sở Y tế TP. Hồ Chí Minh")


@pytest.mark.parametrize("written, expected", [
    ("001 099 012 345", "001099012345"), ("001.099.012.345", "001099012345"), ("'001099012345", "001099012345"),
    ("123456789", "123456789")])
def test_id_numbers_are_read_with_their_separators_removed(written, expected):
    (row,) = read_participant_file(csv_file([["Họ và tên", "Số CCCD"], ["Nguyễn Văn An", written]]), "ds.csv").rows
    assert row.id_number == expected


@pytest.mark.parametrize("written, vi, en", [
    ("1.23457E+11", "Excel đã đổi số này thành dạng số (như 1,23E+11) và làm mất chữ số",
     "Excel turned it into a number (like 1.23E+11) and lost digits"),
    ("1,23457E+11", "Excel đã đổi số này thành dạng số", "Excel turned it into a number"),
    ("1099012345.0", "Excel đã đổi số này thành dạng số", "Excel turned it into a number"),
    ("10990123456", "có 11 chữ số — có thể Excel đã bỏ số 0 ở đầu",
     "it has 11 digits — Excel may have dropped the 0 at the start"),
    ("1099012345", "có 10 chữ số — có thể Excel đã bỏ số 0 ở đầu",
     "it has 10 digits — Excel may have dropped the 0 at the start"),
    ("0010990", "phải có 9 hoặc 12 chữ số, ô này có 7", "it must have 9 or 12 digits, this one has 7"),
    ("00109901234A", "chỉ được có chữ số", "it may hold digits only"),
    ("001-099-012-345", "chỉ được có chữ số", "it may hold digits only")])
def test_an_id_number_excel_mangled_or_mistyped_is_explained_not_imported(written, vi, en):
    data = csv_file([["Họ và tên", "Số CCCD"], ["Nguyễn Văn An", written], ["Trần Thị Bình", "001099012345"]],
                    ";")
    read = read_participant_file(data, "ds.csv")
    assert [row.name for row in read.rows] == ["Trần Thị Bình"]
    (skipped,) = read.skipped
    assert skipped.line == 2
    assert skipped.words.vi.startswith("Dòng 2: số CCCD/CMND sai: ") and vi in skipped.words.vi
    assert skipped.words.en.startswith("Line 2: bad ID number: ") and en in skipped.words.en


@pytest.mark.parametrize("written", ["12345", "0912 345 67", "abc", "001099012345"])
def test_a_phone_number_that_is_not_one_costs_the_row(written):
    data = csv_file([["Họ và tên", "SĐT"], ["Nguyễn Văn An", written]])
    assert reasons(data) == {2: ("Dòng 2: số điện thoại sai: cần 10 hoặc 11 chữ số, bắt đầu bằng 0 (hoặc +84).",
                                 "Line 2: bad phone number: it needs 10 or 11 digits starting with 0 (or +84).")}


def test_the_same_id_number_or_phone_twice_keeps_the_first_row():
    rows = [["Họ và tên", "Số CCCD", "SĐT"],
            ["Nguyễn Văn An", "001099012345", "0912345678"],
            ["Nguyễn Văn An", "001 099 012 345", ""],
            ["Trần Thị Bình", "", "+84912345678"],
            ["Trần Thị Bình", "", ""],
            ["Trần Thị Bình", "", ""]]
    read = read_participant_file(csv_file(rows), "ds.csv")
    assert [row.line for row in read.rows] == [2, 5, 6]  # the same name alone is two people, matched by badge
    assert reasons(csv_file(rows)) == {3: ("Dòng 3: trùng số CCCD/CMND với dòng 2.", "Line 3: same ID number as line 2."),
                                       4: ("Dòng 4: trùng số điện thoại với dòng 2.", "Line 4: same phone number as line 2.")}


def test_missing_names_long_texts_and_empty_rows():
    rows = [["STT", "Họ và tên", "Đơn vị", "Nhóm", "SĐT"],
            ["1", "", "Sở Y tế", "", ""],
            ["2", "", "", "", ""],
            ["", "", "", "", ""],
            ["3", "-", "-", "", ""],
            ["4", "A" * 121, "", "", ""],
            ["5", "Nguyễn Văn An", "Đ" * 201, "", ""],
            ["6", "Nguyễn Văn Bảo", "", "T" * 201, ""],
            ["7", "(5)", "", "", ""],
            ["8", "B" * 120, "C" * 200, "D" * 200, ""]]
    read = read_participant_file(csv_file(rows), "ds.csv")
    assert [row.line for row in read.rows] == [10]
    assert reasons(csv_file(rows)) == {
        2: ("Dòng 2: thiếu họ tên (dòng có dữ liệu khác nhưng không có họ tên).",
            "Line 2: missing name (the row has other data but no name)."),
        6: ("Dòng 6: họ tên dài hơn 120 ký tự.", "Line 6: the name is longer than 120 characters."),
        7: ("Dòng 7: đơn vị dài hơn 200 ký tự.", "Line 7: the organisation is longer than 200 characters."),
        8: ("Dòng 8: nhóm/chỗ ngồi dài hơn 200 ký tự.", "Line 8: the group/seat is longer than 200 characters."),
        9: ("Dòng 9: họ tên không có chữ cái nào.", "Line 9: the name has no letters.")}


# --- files that are not imported at all ------------------------------------------------------------------------

NOT_A_TABLE = {
    "empty": b"",
    "blank": b"\r\n  \r\n",
    "pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
    "png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "random": random.Random(12).randbytes(4096),
    "html": "<!DOCTYPE html><html><body><table><tr><td>Họ và tên</td></tr></table></body></html>".encode(),
    "old excel": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
    "zip": None,
    "damaged zip": b"PK\x03\x04" + bytes(100)}


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize("kind", NOT_A_TABLE)
def test_a_file_that_is_not_a_table_is_refused_whole(kind):
    data = NOT_A_TABLE[kind] if NOT_A_TABLE[kind] is not None else _plain_zip()
    error = refusal(data, "danh-sach.xlsx")
    assert "This file is not a CSV or Excel table (" in error.words.en
    assert "Tệp này không phải bảng CSV hay Excel (" in error.words.vi


def test_what_a_refused_file_is_is_said():
    assert "(a PDF document)" in refusal(NOT_A_TABLE["pdf"]).words.en
    assert "(the file is empty)" in refusal(b"").words.en
    assert "(tệp rỗng)" in refusal(b"").words.vi
    assert "(an old Excel 97–2003 file (.xls) or Office document)" in refusal(NOT_A_TABLE["old excel"]).words.en
    assert "(a web page or XML document)" in refusal(NOT_A_TABLE["html"]).words.en
    assert "(it holds binary data, not text)" in refusal(NOT_A_TABLE["random"]).words.en
    assert "(a zip file but not an Excel workbook)" in refusal(_plain_zip()).words.en


def test_a_table_without_a_name_column_names_what_it_found_and_what_would_do():
    data = csv_file([["Báo cáo tháng 11"], ["STT", "Đơn vị", "SĐT", "Chức vụ"], ["1", "Sở Y tế", "0912345678", "GĐ"]])
    error = refusal(data)
    assert error.words.en == ("No name column in the first 10 rows. Headers found: STT, Đơn vị (organisation), "
                              "SĐT (phone), Chức vụ. The name column needs a header such as: Họ và tên, Họ tên, "
                              "Tên, Full name, Name.")
    assert error.words.vi == ("Không tìm thấy cột họ tên trong 10 dòng đầu. Tiêu đề đã thấy: STT, Đơn vị (đơn vị), "
                              "SĐT (số điện thoại), Chức vụ. Cột họ tên cần có tiêu đề như: Họ và tên, Họ tên, "
                              "Tên, Full name, Name.")
    assert "Headers found: Số CCCD (ID number)" in refusal(xlsx_file([["Số CCCD"], ["001099012345"]])).words.en


def test_a_title_that_reads_like_a_header_is_passed_over_for_the_real_one():
    rows = [["Đại biểu"], ["Họ và tên", "Đơn vị"], ["Nguyễn Văn An", "Sở Y tế"]]
    read = read_participant_file(csv_file(rows), "ds.csv")
    assert read.columns == {"name": "Họ và tên", "organisation": "Đơn vị"}
    assert [row.name for row in read.rows] == ["Nguyễn Văn An"]


def test_a_header_below_the_tenth_row_is_not_looked_for():
    rows = [[f"Ghi chú {n}"] for n in range(10)] + [["Họ và tên"], ["Nguyễn Văn An"]]
    assert refusal(csv_file(rows)).words.en.startswith("No name column in the first 10 rows.")


def _many_rows(count: int) -> list[list[object]]:
    return [["Họ và tên", "Số CCCD", "SĐT"]] + [[f"Người tham dự {n}", f"001099{n:06d}", f"09{n:08d}"]
                                                for n in range(count)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_over_the_row_limit_is_refused_quickly_with_its_count(kind):
    rows = _many_rows(100_000)
    data = csv_file(rows) if kind == "csv" else with_sheet(xlsx_file([["x"]]), sheet_xml(rows))
    started = time.process_time()
    error = refusal(data, f"ds.{kind}")
    assert time.process_time() - started < 3.0
    assert error.words.en == ("The file has 100,000 participant rows, over the limit of 20,000 per import; "
                              "nothing was imported. Split the list into several files.")
    assert error.words.vi == ("Tệp có 100.000 dòng người tham dự, vượt giới hạn 20.000 dòng mỗi lần nhập; "
                              "không dòng nào được nhập. Hãy tách danh sách thành nhiều tệp.")


def test_the_row_limit_counts_participants_not_empty_rows():
    rows = _many_rows(5) + [["", "", ""]] * 10
    assert len(read_participant_file(csv_file(rows), "ds.csv", max_rows=5).rows) == 5
    assert "The file has 6 participant rows, over the limit of 5" in refusal(
        csv_file(_many_rows(6)), max_rows=5).words.en
    assert MAX_ROWS == 20_000


def test_a_file_over_20_mb_is_refused_before_it_is_read():
    data = csv_file([["Họ và tên"]]) + b"Nguyen Van An\r\n" * (21 * 1024 * 1024 // 15)
    error = refusal(data, "C:\\Users\\to chuc\\danh-sach-lon.csv")
    assert error.words.en.startswith("The file “danh-sach-lon.csv” is 21.0 MB, over the 20 MB limit")
    assert error.words.vi.startswith("Tệp “danh-sach-lon.csv” nặng 21,0 MB, vượt giới hạn 20 MB")


def test_an_xlsx_zip_bomb_is_refused_from_its_declared_sizes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(101):
                member.write(block)
    data = out.getvalue()
    assert len(data) < 1_000_000
    started = time.process_time()
    error = refusal(data, "ds.xlsx")
    assert time.process_time() - started < 0.5
    assert error.words.en.startswith("The Excel file unpacks to more than 100 MB")
    assert error.words.vi.startswith("Tệp Excel khi giải nén lớn hơn 100 MB")


def test_an_entity_bomb_inside_a_sheet_is_refused_as_a_damaged_workbook():
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8))
            + ']><worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>&i;</t></is></c></row></sheetData>'
            '</worksheet>')
    error = refusal(with_sheet(xlsx_file([HEADER, *PEOPLE]), bomb), "ds.xlsx")
    assert error.words.en == "The Excel file is damaged and cannot be read; open it in Excel and save it again."
    assert error.words.vi == "Tệp Excel bị hỏng, không đọc được; hãy mở bằng Excel và lưu lại."


def test_a_sheet_whose_namespace_has_a_prefix_is_read_too():
    xml = sheet_xml([HEADER, *PEOPLE]).replace("<", "<x:").replace("<x:/", "</x:").replace("xmlns=", "xmlns:x=")
    assert read_participant_file(with_sheet(xlsx_file([["x"]]), xml), "ds.xlsx").rows == EXPECTED


def test_a_cut_off_xlsx_is_refused_as_damaged_not_with_a_traceback():
    data = xlsx_file([HEADER, *PEOPLE])
    error = refusal(data[: len(data) // 2], "ds.xlsx")
    assert "not a CSV or Excel table (a damaged zip file)" in error.words.en


def test_a_quote_never_closed_gives_the_line_it_opens_on():
    rows = [["Họ và tên", "Đơn vị"], ["Nguyễn Văn An", "Sở Y tế"]]
    data = csv_file(rows) + b'Tr\xe1\xba\xa7n Th\xe1\xbb\x8b B\xc3\xacnh,"S\xe1\xbb\x9f Y t\xe1\xba\xbf\r\n' \
        + b"x" * 200_000 + b"\r\n"
    error = refusal(data)
    assert error.words.en == ('Line 3 of the CSV file holds a cell longer than 131,072 characters — perhaps a '
                              'quotation mark (") is never closed; open the file in Excel and save it again.')
    assert error.words.vi.startswith("Dòng 3 của tệp CSV có một ô dài hơn 131.072 ký tự")


# --- speed ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_five_thousand_participants_are_read_well_under_a_second(kind):
    rows = [HEADER] + [[str(n), f"Người tham dự {n}", "Sở Y tế", f"Tổ {n % 40}", f"001099{n:06d}", f"09{n:08d}"]
                       for n in range(5_000)]
    data = csv_file(rows, ";", "utf-8-sig") if kind == "csv" else xlsx_file(rows)
    started = time.process_time()
    read = read_participant_file(data, f"ds.{kind}")
    assert time.process_time() - started < 0.8
    assert len(read.rows) == 5_000 and read.skipped == ()
