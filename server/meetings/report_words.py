"""The words of the attendance report's files (CSV, XLSX, PDF), in Vietnamese and English. The JSON lines
keep the statuses' codes (present, absent, late, left-early, walk-in): automation reads those."""

from __future__ import annotations

from server.meetings.attendance import ABSENT, LATE, LEFT_EARLY, PRESENT, WALK_IN
from server.meetings.errors import Words

LANGUAGES = ("vi", "en")

STATUS = {
    PRESENT: Words("Có mặt", "Present"),
    LATE: Words("Đến muộn", "Late"),
    LEFT_EARLY: Words("Về sớm", "Left early"),
    ABSENT: Words("Vắng mặt", "Absent"),
    WALK_IN: Words("Ngoài danh sách", "Walk-in"),
}

ROW_COLUMNS = (
    Words("Phiên", "Session"),
    Words("Mã đại biểu", "Participant id"),
    Words("Họ và tên", "Name"),
    Words("Đơn vị", "Organisation"),
    Words("Nhóm / chỗ ngồi", "Group / seat"),
    Words("Tình trạng", "Status"),
    Words("Số phút dự", "Minutes"),
    Words("Vào lúc", "First in"),
    Words("Ra lúc", "Last out"),
)

SUMMARY_COLUMNS = (
    Words("Phiên", "Session"),
    Words("Phòng", "Room"),
    Words("Bắt đầu", "Start"),
    Words("Kết thúc", "End"),
    Words("Trong danh sách", "Listed"),
    Words("Tham dự", "Attended"),
    Words("Có mặt đúng giờ", "Present"),
    Words("Đến muộn", "Late"),
    Words("Về sớm", "Left early"),
    Words("Vắng mặt", "Absent"),
    Words("Ngoài danh sách", "Walk-ins"),
)

# The PDF's table: fewer columns than the XLSX summary, so that a page holds them.
PDF_COLUMNS = (
    Words("Phiên", "Session"),
    Words("Thời gian", "Time"),
    Words("Danh sách", "Listed"),
    Words("Tham dự", "Attended"),
    Words("Đến muộn", "Late"),
    Words("Về sớm", "Left early"),
    Words("Vắng", "Absent"),
    Words("Ngoài DS", "Walk-ins"),
)

SUMMARY_SHEET = Words("Tổng hợp", "Summary")
ROWS_SHEET = Words("Điểm danh", "Attendance")
EVENT = Words("Sự kiện", "Event")
GENERATED = Words("Lập lúc", "Generated")
TITLE = Words("Báo cáo điểm danh", "Attendance report")
ATTENDED_NOTE = Words("Tham dự = có mặt đúng giờ + đến muộn + về sớm.",
                      "Attended = present + late + left early.")
CHART_TITLE = Words("Số người đến theo thời gian (mỗi cột {length}; lần vào đầu tiên của mỗi người)",
                    "Arrivals over time ({length} bars; each person's first entry)")
BAR_LENGTH = {1: Words("{n} phút", "{n}-minute"), 60: Words("{n} giờ", "{n}-hour"), 1440: Words("{n} ngày", "{n}-day")}
CHART_Y = Words("Số người", "People")
CHART_X = Words("Giờ đến", "Time of arrival")
NOBODY_YET = Words("Chưa có ai đến.", "Nobody has arrived yet.")
MORE_SESSIONS = Words("… và {count} phiên khác: xem tệp XLSX hoặc CSV.",
                      "… and {count} more sessions: see the XLSX or CSV file.")
