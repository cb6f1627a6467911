"""The report's files (server.meetings.report_files), read back the way an organiser's tools read them:
CSV with Python's csv module as Excel would split it, XLSX with openpyxl, the PDF's text with pypdf."""

from __future__ import annotations

import csv
import json
import stat
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader

from kiosk.tracing.report import FORMULA_STARTS
from server.meetings.attendance import (STATUSES, EventReport, ListedPerson, Scan, SessionRules,
                                        session_attendance)
from server.meetings.report_files import (report_json_lines, write_report_csv, write_report_pdf,
                                          write_report_xlsx)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
EVENT = "Hội nghị tổng kết công tác y tế dự phòng năm 2026"
HOSTILE = ListedPerson("f0f0f0f0f0f0f0f0", '=HYPERLINK("http://example.com/x","Bấm")', "+Sở Y tế", "@Bàn 9",
                       frozenset({"cccd:#" + "f" * 32}))


def at(day: int, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 12, 1, hour, minute, tzinfo=ZONE) + timedelta(days=day - 1)


def make_report(sessions: int = 2, people: int = 12) -> EventReport:
    """`people` participants (and one whose cells look like formulas); in each session the first half on time
    and staying, then one late, one leaving early, the rest absent; and two walk-ins."""
    listed = [ListedPerson(f"{n:016x}", f"Nguyễn Thị Thảo {n:02d}", "Bệnh viện Bạch Mai", f"Bàn {n % 4}",
                           frozenset({f"cccd:#{n:032x}"})) for n in range(people)] + [HOSTILE]
    summaries, rows = [], []
    for number in range(sessions):
        day, start = 2 + number // 2, ("08:00", "14:00")[number % 2]
        rules = SessionRules(f"Phiên {number + 1}: Tổng kết", "Hội trường Diên Hồng", at(day, start),
                             at(day, start) + timedelta(hours=2), at(day, start) - timedelta(minutes=30),
                             timedelta(minutes=10), timedelta(minutes=10), frozenset({1}))
        scans = [Scan(1, rules.start - timedelta(minutes=5 - n % 5), "in", "admit", f"cccd:#{n:032x}")
                 for n in range(people // 2)]
        scans += [Scan(1, rules.start + timedelta(minutes=25), "in", "admit", f"cccd:#{people // 2:032x}"),
                  Scan(1, rules.start, "in", "admit", f"cccd:#{people // 2 + 1:032x}"),
                  Scan(1, rules.start + timedelta(minutes=50), "out", "admit", f"cccd:#{people // 2 + 1:032x}")]
        scans += [Scan(1, rules.start + timedelta(minutes=m), "in", "warn", f"phone:#{m:032x}", None, f"LE V** {m}*")
                  for m in (3, 40)]
        session_rows, summary = session_attendance(rules, listed, scans)
        rows += session_rows
        summaries.append(summary)
    return EventReport(EVENT, datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc), ZONE, tuple(summaries), tuple(rows))


@pytest.fixture(scope="module")
def report() -> EventReport:
    return make_report()


def test_json_lines_hold_one_object_per_participant_and_session(report: EventReport) -> None:
    lines = report_json_lines(report).splitlines()
    objects = [json.loads(line) for line in lines]

    assert len(objects) == len(report.rows) == 2 * (13 + 2)
    assert all(set(item) == {"session", "participant", "name", "organisation", "group", "status", "minutes",
                             "first_in", "last_out"} for item in objects)
    assert {item["status"] for item in objects} == set(STATUSES)
    first = objects[0]
    assert (first["name"], first["status"], first["minutes"]) == ("Nguyễn Thị Thảo 00", "present", 120)
    assert first["first_in"] == "2026-12-02T07:55:00+07:00" and first["last_out"] is None
    assert "Nguyễn" in lines[0]  # written as is, not as \u escapes
    late_leaver = next(item for item in objects if item["status"] == "left-early")
    assert late_leaver["last_out"] == "2026-12-02T08:50:00+07:00" and late_leaver["minutes"] == 50
    walk_in = next(item for item in objects if item["status"] == "walk-in")
    assert (walk_in["participant"], walk_in["name"], walk_in["minutes"]) == ("", "LE V** 3*", 117)


def test_the_csv_opens_in_excel_with_the_numbers_of_the_rows_and_no_formula(report: EventReport,
                                                                             tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    write_report_csv(report, path)

    data = path.read_bytes()
    assert data.startswith("\ufeff".encode("utf-8"))
    header, *rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert header == ["Phiên", "Mã đại biểu", "Họ và tên", "Đơn vị", "Nhóm / chỗ ngồi", "Tình trạng", "Số phút dự",
                      "Vào lúc", "Ra lúc"]
    assert [(row[1], row[2], int(row[6])) for row in rows] == [(r.participant, r.name, r.minutes)
                                                               for r in _escaped(report.rows)]
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
    hostile = next(row for row in rows if row[1] == HOSTILE.id)
    assert hostile[2:5] == ["'" + HOSTILE.name, "'" + HOSTILE.organisation, "'" + HOSTILE.group]
    assert {row[5] for row in rows} == {"Có mặt", "Đến muộn", "Về sớm", "Vắng mặt", "Ngoài danh sách"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_csv_in_english(report: EventReport, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    write_report_csv(report, path, language="en")
    header, *rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert header[:3] == ["Session", "Participant id", "Name"]
    assert {row[5] for row in rows} == {"Present", "Late", "Left early", "Absent", "Walk-in"}


def test_the_xlsx_summary_and_rows_equal_the_report(report: EventReport, tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    write_report_xlsx(report, path)

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Tổng hợp", "Điểm danh"]
    summary = list(book["Tổng hợp"].iter_rows(values_only=True))
    assert summary[0][:2] == ("Sự kiện", EVENT) and summary[1][:2] == ("Lập lúc", "2026-12-03T16:30:00+07:00")
    assert summary[3][:6] == ("Phiên", "Phòng", "Bắt đầu", "Kết thúc", "Trong danh sách", "Tham dự")
    assert [row[4:] for row in summary[4:]] == [
        (s.listed, s.attended, s.present, s.late, s.left_early, s.absent, s.walk_ins) for s in report.sessions]
    assert [row[4:] for row in summary[4:]] == [(13, 8, 6, 1, 1, 5, 2)] * 2
    assert summary[4][:4] == ("Phiên 1: Tổng kết", "Hội trường Diên Hồng", "2026-12-02T08:00:00+07:00",
                              "2026-12-02T10:00:00+07:00")

    sheet = book["Điểm danh"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[6] == "Số phút dự"
    assert [(row[1] or "", row[2], row[6]) for row in rows] == [(r.participant, r.name, r.minutes)
                                                                for r in _escaped(report.rows)]
    assert all(isinstance(row[6], int) for row in rows)
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell for cell in cells if cell.data_type == "f"]  # not one formula
    assert all(cell.data_type == "s" for cell in cells if cell.column != 7)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_xlsx_in_english(report: EventReport, tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    write_report_xlsx(report, path, language="en")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Attendance"]
    assert next(book["Attendance"].iter_rows(values_only=True))[:3] == ("Session", "Participant id", "Name")


def test_the_pdf_is_one_page_with_the_event_and_each_sessions_counts(report: EventReport, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_report_pdf(report, path)

    reader = PdfReader(path)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert unicodedata.is_normalized("NFC", text)
    assert EVENT in lines and "Báo cáo điểm danh" in lines and "Lập lúc: 03/12/2026 16:30 (Asia/Ho_Chi_Minh)" in lines
    for session in report.sessions:
        row = next(line for line in lines if line.startswith(session.session))
        assert row.split()[-6:] == [str(n) for n in (session.listed, session.attended, session.late,
                                                     session.left_early, session.absent, session.walk_ins)]
    assert "Số người đến theo thời gian (mỗi cột 10 phút; lần vào đầu tiên của mỗi người)" in lines
    assert "02/12 07:50" in text and "Giờ đến" in lines  # the chart's first bar and its axis
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_pdfs_font_is_embedded(report: EventReport, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_report_pdf(report, path)
    fonts = PdfReader(path).pages[0]["/Resources"]["/Font"].values()
    descriptors = [font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"] for font in fonts]
    assert descriptors and all("/FontFile2" in descriptor for descriptor in descriptors)


def test_the_chart_draws_the_arrivals_as_bars(tmp_path: Path) -> None:
    # 30 sessions over five days; the bars are filled rectangles ("re ... f") in the page's content.
    report = make_report(sessions=30)
    path = tmp_path / "report.pdf"
    write_report_pdf(report, path, language="en")

    page = PdfReader(path).pages[0]
    assert page.get_contents().get_data().count(b" re f") >= 30
    text = page.extract_text()
    assert "Attendance report" in text and "Arrivals over time" in text


def test_a_hundred_sessions_still_fit_one_page_and_say_how_many_more(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_report_pdf(make_report(sessions=100, people=4), path, language="en")

    reader = PdfReader(path)
    assert len(reader.pages) == 1
    lines = [" ".join(line.split()) for line in reader.pages[0].extract_text().splitlines()]
    listed = [n for n in range(1, 101) if any(line.startswith(f"Phiên {n}: Tổng kết ") for line in lines)]
    [more] = [line for line in lines if line.endswith("more sessions: see the XLSX or CSV file.")]
    assert listed == list(range(1, len(listed) + 1)) and len(listed) >= 30
    assert more == f"… and {100 - len(listed)} more sessions: see the XLSX or CSV file."
    assert "Arrivals over time (1-day bars; each person's first entry)" in lines  # 50 days: a bar a day


def test_a_report_where_nobody_came_says_so(tmp_path: Path) -> None:
    empty = EventReport("Tập huấn", datetime(2026, 12, 3, tzinfo=timezone.utc), ZONE, (), ())
    path = tmp_path / "report.pdf"
    write_report_pdf(empty, path)
    assert "Chưa có ai đến." in PdfReader(path).pages[0].extract_text()
    write_report_csv(empty, tmp_path / "report.csv")
    assert (tmp_path / "report.csv").read_text(encoding="utf-8-sig").count("\n") == 1
    assert report_json_lines(empty) == ""


def test_an_unknown_language_is_refused(report: EventReport, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_report_csv(report, tmp_path / "report.csv", language="fr")
    assert not (tmp_path / "report.csv").exists()


def _escaped(rows):
    """The rows as a spreadsheet shows them: a cell that could start a formula has a leading apostrophe."""
    from dataclasses import replace
    return [replace(row, name="'" + row.name) if row.name.startswith(FORMULA_STARTS) else row for row in rows]
