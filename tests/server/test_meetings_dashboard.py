"""The organiser's meeting pages on a real server, on SQLite and PostgreSQL: an administrator adds an event
and a session at a station, uploads a participant list with a bad row, reads the preview (the skipped row
and why, in Vietnamese), confirms it without choosing the file again and sees the participants; a changed
confirmation is refused; mistakes are said on the page with the form kept; reports and badges download as
files; tracers and site administrators get the forbidden page."""

from __future__ import annotations

import base64
import html
import re
import zlib
from datetime import datetime, timedelta, timezone

import pytest
import requests

from dashboard_login import csrf_token, log_in
from server.admins import add_admin
from server.dashboard_text import TEXT
from server.meetings.pages import PREVIEW_LIFETIME, PageProblem, carry, uncarry
from server.meetings.participant_file import read_participant_file
from server.meetings.service import list_events, participants_of
from server.roles import Role
from server.stations import add_station, revoke_station

pytestmark = pytest.mark.slow  # a real server process, on SQLite and PostgreSQL

PASSWORD = "mật-khẩu-dài-4"
DOOR, GONE = "Cổng hội trường A", "Cổng cũ đã thu hồi"
LIST_NAME = "danh sách đại biểu.csv"
LIST = ("Họ và tên,Đơn vị,Số CCCD,Số điện thoại,Nhóm,Ghi chú\n"
        "Nguyễn Văn An,Sở Y tế,001099012345,0912345678,Bàn 1,\n"
        "Trần Thị Bình,Sở Tài chính,001199012346,0912345679,Bàn 2,\n"
        ",Sở Nội vụ,001099012347,0912345680,Bàn 3,không tên\n"
        "Lê Văn Cường,UBND tỉnh,,0987654321,Bàn 3,\n").encode("utf-8")
NAMES = {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"}


@pytest.fixture(scope="module")
def organiser(server, engine) -> requests.Session:
    """An administrator's browser; a tracer and a site administrator exist too, and two stations, one of
    them revoked."""
    add_admin(engine, "ban-tổ-chức", PASSWORD, Role.ADMIN)
    add_admin(engine, "truy-vết-hội-nghị", PASSWORD, Role.TRACER)
    add_admin(engine, "nhà-hội-nghị", PASSWORD, Role.SITE, ["Tầng 1"])
    add_station(engine, DOOR, "Tầng 1")
    add_station(engine, GONE, "Tầng 1")
    revoke_station(engine, GONE)
    return logged_in(server, "ban-tổ-chức")


def logged_in(server, username: str) -> requests.Session:
    browser = requests.Session()
    answer = log_in(browser, server.url, username, PASSWORD)
    assert answer.status_code == 200 and answer.url.endswith("/dashboard/"), answer.text
    return browser


def post(browser: requests.Session, server, path: str, data: dict, files: dict | None = None,
         lang: str = "vi") -> requests.Response:
    """A form posted as the page holding it would: with the browser's CSRF token, following the answer."""
    token = csrf_token(browser.get(f"{server.url}/dashboard/events?lang={lang}", timeout=10).text)
    return browser.post(f"{server.url}{path}?lang={lang}", data={**data, "csrf_token": token}, files=files,
                        timeout=60)


def new_event(browser: requests.Session, server, name: str) -> int:
    answer = post(browser, server, "/dashboard/events", {"name": name, "not_listed": "refuse", "outside_hours": "warn"})
    assert answer.status_code == 200 and html.escape(name, quote=False) in answer.text, answer.text
    return int(re.search(r"/dashboard/events/(\d+)\?", answer.url).group(1))


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found}


def table(page: str, css_class: str) -> list[list[str]]:
    body = re.search(rf'<table class="{css_class}">(.*?)</table>', page, re.DOTALL).group(1)
    return [[html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)[1:]]


def preview(browser: requests.Session, server, event_id: int, data: bytes = LIST) -> requests.Response:
    return post(browser, server, f"/dashboard/events/{event_id}/import", {},
                files={"file": (LIST_NAME, data, "text/csv")})


def test_an_organiser_adds_an_event_and_a_session_previews_a_list_imports_it_and_sees_the_participants(
        server, engine, organiser):
    event_id = new_event(organiser, server, "Hội nghị tổng kết năm 2026")

    added = post(organiser, server, f"/dashboard/events/{event_id}/sessions",
                 {"name": "Phiên khai mạc", "room": "Hội trường A", "start": "2026-12-03T08:00",
                  "end": "2026-12-03T11:30", "station": DOOR})
    shown = preview(organiser, server, event_id)

    assert added.status_code == 200, added.text
    assert 'href="/dashboard/events?lang=vi">Hội nghị</a>' in added.text
    assert table(added.text, "sessions")[0][:4] == ["Phiên khai mạc", "Hội trường A", "2026-12-03 08:00–11:30", DOOR]
    assert f'value="{DOOR}"' in added.text and GONE not in added.text  # a revoked station is not offered
    assert shown.status_code == 200, shown.text
    assert shown.headers["cache-control"] == "no-store"
    expected = read_participant_file(LIST, LIST_NAME)
    assert len(expected.skipped) == 1 and len(expected.rows) == 3
    skipped = expected.skipped[0]
    assert table(shown.text, "skipped") == [[skipped.words.vi]]  # "Dòng 4: …": the reason names its line
    assert skipped.words.vi.startswith(f"Dòng {skipped.line}:")
    assert skipped.words.en not in shown.text
    assert "<strong>3</strong> mới" in shown.text
    assert "Ghi chú" in shown.text  # the column it ignored, named
    assert participants_of(engine, event_id) == []  # a preview changes nothing

    imported = organiser.post(f"{server.url}/dashboard/events/{event_id}/import/confirm?lang=vi",
                              data=hidden_fields(shown.text), timeout=60)

    assert imported.status_code == 200, imported.text
    assert "Đã nhập: 3 mới" in imported.text
    assert {row[0] for row in table(imported.text, "participants")} == NAMES
    assert "001099012345" not in imported.text and "0912345678" not in imported.text  # hints only
    assert {person.name for person in participants_of(engine, event_id)} == NAMES


def test_a_participant_is_removed_after_a_confirmation_that_names_them(server, engine, organiser):
    event_id = new_event(organiser, server, "Hội nghị cán bộ")
    organiser.post(f"{server.url}/dashboard/events/{event_id}/import/confirm",
                   data=hidden_fields(preview(organiser, server, event_id).text), timeout=60)
    binh = next(person for person in participants_of(engine, event_id) if person.name == "Trần Thị Bình")
    page = organiser.get(f"{server.url}/dashboard/events/{event_id}?lang=vi", timeout=10)
    asked = organiser.get(f"{server.url}/dashboard/events/{event_id}?lang=vi&remove={binh.id}", timeout=10)
    confirmation = re.search(r'<div class="confirm" role="alert">(.*?)</div>', asked.text, re.DOTALL).group(1)

    removed = organiser.post(f"{server.url}/dashboard/events/{event_id}/participants/{binh.id}/remove?lang=vi",
                             data=hidden_fields(confirmation), timeout=10)

    assert 'class="confirm"' not in page.text  # the list's link only asks
    assert html.escape(TEXT["vi"]["ev_remove_confirm"].format(name="Trần Thị Bình"), quote=False) in confirmation
    assert removed.status_code == 200 and TEXT["vi"]["ev_done_removed"] in removed.text
    assert {person.name for person in participants_of(engine, event_id)} == NAMES - {"Trần Thị Bình"}


def test_a_changed_confirmation_or_another_events_is_refused_and_imports_nothing(server, engine, organiser):
    event_id = new_event(organiser, server, "Tập huấn phòng chống dịch")
    other_id = new_event(organiser, server, "Hội thảo chuyển đổi số")
    fields = hidden_fields(preview(organiser, server, event_id).text)
    more = LIST + "Phạm Thị Dung,Sở Xây dựng,001099012399,0912345699,Bàn 4,\n".encode("utf-8")
    changed = {**fields, "file_data": base64.urlsafe_b64encode(zlib.compress(more)).decode("ascii")}
    refused = TEXT["vi"]["ev_preview_refused"]

    def confirm(event: int, sent: dict[str, str]) -> requests.Response:
        return organiser.post(f"{server.url}/dashboard/events/{event}/import/confirm?lang=vi", data=sent, timeout=60)

    tampered, elsewhere = confirm(event_id, changed), confirm(other_id, fields)

    assert tampered.status_code == 422 and refused in tampered.text
    assert elsewhere.status_code == 422 and refused in elsewhere.text
    assert participants_of(engine, event_id) == [] and participants_of(engine, other_id) == []
    assert confirm(event_id, fields).status_code == 200  # the form as the preview made it is accepted
    assert len(participants_of(engine, event_id)) == 3


def test_a_preview_is_bound_to_its_event_file_and_time():
    now = datetime(2026, 12, 3, 8, tzinfo=timezone.utc)
    fields = carry(7, LIST_NAME, LIST, now)

    assert uncarry(7, fields, now + timedelta(minutes=30)) == (LIST_NAME, LIST)
    for event, sent, at in [(8, fields, now), (7, {**fields, "file_name": "khác.csv"}, now),
                            (7, {**fields, "file_made": str(int(now.timestamp()) + 1)}, now),
                            (7, fields, now + PREVIEW_LIFETIME + timedelta(minutes=1))]:
        with pytest.raises(PageProblem):
            uncarry(event, sent, at)


def test_a_mistake_is_said_on_the_page_in_its_language_with_the_form_kept(server, organiser):
    event_id = new_event(organiser, server, "Hội nghị khách hàng")
    form = {"name": "Phiên chiều", "room": "Phòng 2", "start": "2026-12-03T14:00", "station": DOOR}

    backwards = post(organiser, server, f"/dashboard/events/{event_id}/sessions", {**form, "end": "2026-12-03T13:00"},
                     lang="en")
    not_a_time = post(organiser, server, f"/dashboard/events/{event_id}/sessions", {**form, "end": "ngày mai"})

    for answer in (backwards, not_a_time):
        assert answer.headers["content-type"].startswith("text/html")
        assert 'class="problem" role="alert"' in answer.text and "Traceback" not in answer.text
        assert 'value="Phiên chiều"' in answer.text and 'value="2026-12-03T14:00"' in answer.text
        assert f'value="{DOOR}" checked' in answer.text
    assert backwards.status_code == 422 and '<html lang="en">' in backwards.text
    assert not_a_time.status_code == 422
    unknown = post(organiser, server, "/dashboard/events/987654/sessions", {**form, "end": "2026-12-03T17:00"})
    assert unknown.status_code == 404 and TEXT["vi"]["ev_all_events"] in unknown.text
    assert html.escape(TEXT["vi"]["ev_bad_time"].format(field="Kết thúc"), quote=False) in not_a_time.text


def test_reports_and_badges_download_as_files_that_are_not_cached(server, organiser):
    event_id = new_event(organiser, server, "Đại hội đại biểu 2026")
    post(organiser, server, f"/dashboard/events/{event_id}/sessions",
         {"name": "Phiên sáng", "start": "2026-12-04T08:00", "end": "2026-12-04T11:00", "station": DOOR})
    organiser.post(f"{server.url}/dashboard/events/{event_id}/import/confirm",
                   data=hidden_fields(preview(organiser, server, event_id).text), timeout=60)
    kinds = {"csv": ("text/csv", None), "pdf": ("application/pdf", b"%PDF"),
             "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK")}

    for query in ("", "?session=Phiên sáng"):
        for kind, (media_type, start) in kinds.items():
            answer = organiser.get(f"{server.url}/dashboard/events/{event_id}/report.{kind}{query}", timeout=60)
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"].split(";")[0] == media_type
            assert re.fullmatch(rf'attachment; filename="dai-hoi-dai-bieu-2026[a-z0-9-]*\.{kind}"',
                                answer.headers["content-disposition"])
            assert answer.headers["cache-control"] == "no-store"
            assert start is None or answer.content.startswith(start)
    for layout in ("a4", "label"):
        badges = post(organiser, server, f"/dashboard/events/{event_id}/badges", {"layout": layout})
        assert badges.status_code == 200 and badges.headers["content-type"] == "application/pdf"
        assert badges.content.startswith(b"%PDF") and badges.headers["cache-control"] == "no-store"
    unsigned = organiser.post(f"{server.url}/dashboard/events/{event_id}/badges", data={"layout": "a4"}, timeout=10)
    assert unsigned.status_code == 403  # issuing badges is a form of this server's page


def test_a_tracer_or_a_site_administrator_gets_the_forbidden_page(server, engine, organiser):
    event_id = new_event(organiser, server, "Hội nghị nội bộ")
    before = len(list_events(engine))

    for username in ("truy-vết-hội-nghị", "nhà-hội-nghị"):
        browser = logged_in(server, username)
        overview = browser.get(f"{server.url}/dashboard/?lang=vi", timeout=10)
        pages = [browser.get(f"{server.url}/dashboard/events", timeout=10),
                 browser.get(f"{server.url}/dashboard/events/{event_id}", timeout=10),
                 browser.get(f"{server.url}/dashboard/events/{event_id}/report.csv", timeout=10),
                 browser.post(f"{server.url}/dashboard/events", timeout=10,
                              data={"name": "Không được phép", "csrf_token": csrf_token(overview.text)})]
        assert "/dashboard/events" not in overview.text
        for page in pages:
            assert page.status_code == 403 and TEXT["vi"]["forbidden"] in page.text
    assert len(list_events(engine)) == before
