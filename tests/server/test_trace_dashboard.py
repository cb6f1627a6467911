"""The dashboard's trace page, its exports and the audit log page on a real server, on SQLite and
PostgreSQL: a tracer traces a case and sees its contacts with tiers in a table and a timeline, downloads
CSV and XLSX files that no spreadsheet runs as formulas, and an administrator sees every trace (API, page,
export) in the audit log; other roles get the 403 page; the person is never in a URL or the server's log."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ElementTree
from datetime import timedelta

import openpyxl
import pytest
import requests

from dashboard_login import csrf_token, log_in
from kiosk.messages import Message
from kiosk.tracing.identity import Identity
from kiosk.tracing.report import TABLE_HEADER, trace
from kiosk.tracing.request import TraceWindow
from kiosk.tracing.visits import EndReason, Visit
from server.dashboard_text import TEXT
from server.tracing.query import run_trace
from server.tracing.timeline import PER_BAND, timeline_svg
from trace_case import CASE_ID, FORMULA_LOCATION, HALL, PASSWORD, T, add_users_and_upload, expected

pytestmark = pytest.mark.slow  # a real server process, on SQLite and PostgreSQL

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def users(server, engine) -> dict[str, str]:
    """A user per role (and an API token for the tracer), and the case uploaded."""
    return {"token": add_users_and_upload(engine, server.url)["truy-vết"]}


def logged_in(server, username: str) -> requests.Session:
    session = requests.Session()
    answer = log_in(session, server.url, username, PASSWORD)
    assert answer.status_code == 200 and answer.url.endswith("/dashboard/"), answer.text
    return session


def post_trace(session: requests.Session, server, path: str = "/dashboard/trace", lang: str = "en",
               **fields: str) -> requests.Response:
    form = session.get(f"{server.url}/dashboard/?lang={lang}", timeout=10)
    data = {"person": CASE_ID, "case_number": "HC-2026-0042", "since": "", "until": "", "min_minutes": "0",
            **fields, "csrf_token": csrf_token(form.text)}
    return session.post(f"{server.url}{path}?lang={lang}", data=data, timeout=30)


def table_rows(page: str, css_class: str) -> list[list[str]]:
    table = re.search(rf'<table class="trace-table {css_class}">(.*?)</table>', page, re.DOTALL).group(1)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)[1:]]


def test_a_tracer_traces_a_case_and_sees_its_contacts_by_tier_in_a_table_and_a_timeline(server, users):
    session = logged_in(server, "truy-vết")
    empty = session.get(f"{server.url}/dashboard/trace?lang=en", timeout=10)

    answer = post_trace(session, server)

    assert empty.status_code == 200 and 'href="/dashboard/trace?lang=en">Contact tracing</a>' in empty.text
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert CASE_ID not in answer.url and "person" not in answer.url
    assert CASE_ID not in answer.text and 'placeholder="••••••••2345"' in answer.text
    assert "2 visits of the case, 4 contacts" in answer.text
    contacts = {row[1]: (row[0], int(row[5]), row[6]) for row in table_rows(answer.text, "contacts")}
    tiers = {"15": "≥ 15 min", "10": "10–14 min", "any": "under 10 min"}
    assert contacts == {key: (re.sub('"', "&#34;", location), minutes, tiers[tier])
                        for key, (location, minutes, tier) in expected().items()}
    assert [row[0] for row in table_rows(answer.text, "case-visits")] == [HALL, "=HYPERLINK(&#34;http://x&#34;)"]
    svg = ElementTree.fromstring(re.search(r"<svg .*?</svg>", answer.text, re.DOTALL).group(0))
    bands = [text.text for text in svg.iter(f"{SVG}text") if text.get("font-size") == "15"]
    assert bands == [HALL, FORMULA_LOCATION]  # one band per location, in time order; the name drawn as text
    fills = [rect.get("fill") for group in svg.iter(f"{SVG}g") for rect in group.iter(f"{SVG}rect")]
    assert sorted(fills) == sorted(["#1b1b1b", "#1b1b1b", "#b2182b", "url(#tier-10)", "url(#tier-any)", "#b2182b"])


def test_the_page_renders_under_the_content_security_policy(server, users):
    """No style attribute anywhere, and the page's only style blocks are allowed by their hash."""
    session = logged_in(server, "truy-vết")
    answer = post_trace(session, server)

    policy = answer.headers["content-security-policy"]
    assert " style=" not in answer.text and "<script" not in answer.text
    for block in re.findall(r"<style>(.*?)</style>", answer.text, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii")
        assert f"'sha256-{digest}'" in policy


@pytest.mark.parametrize("fields, message", [
    ({"case_number": ""}, Message("trace.case-number-missing", longest=100)),
    ({"since": "hôm qua"}, Message("trace.bad-moment", option="From (local time)", value="hôm qua")),
    ({"min_minutes": "nhiều"}, Message("trace.min-minutes-out-of-range", value="nhiều", longest=1440)),
    ({"since": "2026-11-30T10:00", "until": "2026-11-30T09:00"},
     Message("trace.window-reversed", since="2026-11-30 10:00", until="2026-11-30 09:00")),
])
def test_a_form_the_trace_cannot_answer_says_why_and_never_sends_the_number_back(server, users, fields, message):
    session = logged_in(server, "truy-vết")

    answer = post_trace(session, server, **fields)

    assert answer.status_code == 422
    assert f'<p class="problem" role="alert">{message.text("en")}</p>' in answer.text.replace("&#34;", '"')
    # The number typed is never sent back: the form shows it masked, to be typed again.
    assert 'name="person" value="" placeholder="••••••••2345"' in answer.text
    assert CASE_ID not in answer.text
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("username", ["quản-trị", "nhà-a"])
def test_administrators_and_site_administrators_never_see_a_trace(server, users, username):
    session = logged_in(server, username)
    overview = session.get(f"{server.url}/dashboard/?lang=en", timeout=10)

    opened = session.get(f"{server.url}/dashboard/trace?lang=en", timeout=10)
    posted = post_trace(session, server)
    exported = post_trace(session, server, "/dashboard/trace/export", format="csv")

    assert "/dashboard/trace" not in overview.text
    for answer in (opened, posted, exported):
        assert answer.status_code == 403 and "Your role does not open this page." in answer.text
        assert "2345" not in answer.text and HALL not in answer.text


@pytest.mark.parametrize("username", ["truy-vết", "nhà-a"])
def test_tracers_and_site_administrators_never_see_the_audit_log(server, users, username):
    session = logged_in(server, username)

    answer = session.get(f"{server.url}/dashboard/audit?lang=en", timeout=10)

    assert answer.status_code == 403 and "Your role does not open this page." in answer.text
    assert "/dashboard/audit" not in answer.text


@pytest.mark.parametrize("path", ["/dashboard/trace", "/dashboard/audit"])
def test_the_pages_ask_for_a_login_first(server, path):
    answer = requests.get(f"{server.url}{path}", timeout=10, allow_redirects=False)

    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/login"


def test_the_csv_export_opens_in_a_spreadsheet_as_text_never_as_a_formula(server, users):
    session = logged_in(server, "truy-vết")

    answer = post_trace(session, server, "/dashboard/trace/export", case_number="+1", format="csv")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["cache-control"] == "no-store"
    assert re.fullmatch(r'attachment; filename="trace-1-\d{8}-\d{4}\.csv"', answer.headers["content-disposition"])
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8 (Vietnamese) right
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == TABLE_HEADER
    assert [row[3] for row in rows[1:3]] == [HALL, "'" + FORMULA_LOCATION]  # the case's visits
    assert {row[1]: (row[3].removeprefix("'"), int(row[6]), row[7]) for row in rows[3:]} == expected()
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_xlsx_export_holds_every_cell_as_text_and_names_the_case(server, users):
    session = logged_in(server, "truy-vết")

    answer = post_trace(session, server, "/dashboard/trace/export", case_number="+1", format="xlsx",
                        padding="on")

    assert answer.status_code == 200, answer.text
    assert re.fullmatch(r'attachment; filename="trace-1-\d{8}-\d{4}\.xlsx"', answer.headers["content-disposition"])
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert {cell.data_type for cell in cells} <= {"s", "inlineStr"}  # text: no number, date, formula
    rows = [[cell.value for cell in row] for row in book["trace"].iter_rows()]
    assert rows[0] == TABLE_HEADER and [row[3] for row in rows[1:3]] == [HALL, "'" + FORMULA_LOCATION]
    about = dict((row[0].value, row[1].value) for row in book["about"].iter_rows())
    assert about["case number"] == "'+1" and about["padding"] == "yes" and about["contacts found"] == "4"
    assert not [cell for cell in cells if str(cell.value)[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_a_case_number_makes_a_safe_file_name(server, users):
    session = logged_in(server, "truy-vết")

    answer = post_trace(session, server, "/dashboard/trace/export", case_number='../"Ca 7"/ước\\x', format="csv")

    assert re.fullmatch(r'attachment; filename="trace-Ca_7_c_x-\d{8}-\d{4}\.csv"',
                        answer.headers["content-disposition"])


def test_every_trace_is_in_the_audit_log_newest_first(server, users):
    tracer = logged_in(server, "truy-vết")
    requests.post(f"{server.url}/api/v1/trace", json={"person": CASE_ID, "case_number": "AUDIT-API"},
                  headers={"Authorization": f"Bearer {users['token']}"}, timeout=30).raise_for_status()
    assert post_trace(tracer, server, case_number="AUDIT-PAGE").status_code == 200
    assert post_trace(tracer, server, "/dashboard/trace/export", case_number="AUDIT-CSV", format="csv",
                      min_minutes="10").status_code == 200
    admin = logged_in(server, "quản-trị")

    page = admin.get(f"{server.url}/dashboard/audit?lang=en", timeout=10)

    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'href="/dashboard/audit?lang=en">Trace audit log</a>' in page.text
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row)
            for row in re.findall(r"<tr>(<td.*?)</tr>", page.text, re.DOTALL)]
    newest = [(row[1], row[2], row[3], row[4], row[7], row[9]) for row in rows[:3]]
    assert newest == [("truy-vết", "tracer", "dashboard", "AUDIT-CSV", "10", "3"),
                      ("truy-vết", "tracer", "dashboard", "AUDIT-PAGE", "0", "4"),
                      ("truy-vết", "tracer", "API", "AUDIT-API", "0", "4")]
    searched = {row[5] for row in rows[:3]}  # one person, shown by their masked tag: no digit of the number
    assert len(searched) == 1 and re.fullmatch(r"cccd:#[0-9a-f]{8}", searched.pop())
    assert CASE_ID not in page.text


def test_the_audit_log_is_shown_a_page_at_a_time(server, engine, users):
    for n in range(55):
        run_trace(engine, CASE_ID, asked_by="vận-hành", role="operator", via="cli", case_number=f"PAGE-{n:02d}")
    admin = logged_in(server, "quản-trị")

    first = admin.get(f"{server.url}/dashboard/audit?lang=en", timeout=10).text
    second = admin.get(f"{server.url}/dashboard/audit?lang=en&page=2", timeout=10).text

    cases = [re.findall(r'<td class="case">(PAGE-\d\d)</td>', page) for page in (first, second)]
    assert cases[0] == [f"PAGE-{n:02d}" for n in range(54, 4, -1)]  # 50 a page, newest first
    assert cases[1][:5] == ["PAGE-04", "PAGE-03", "PAGE-02", "PAGE-01", "PAGE-00"]
    assert '?page=2&amp;lang=en">Next ›</a>' in first and '?page=1&amp;lang=en">‹ Previous</a>' in second
    assert "server operator" in first and "command line" in first


def test_a_band_draws_its_longest_contacts_up_to_its_share_and_says_so():
    start = T
    case = Visit("case", "cccd:001099012345", HALL, start, start + timedelta(hours=2), EndReason.EXIT)
    others = [Visit(f"v{n}", f"qid:1629{n:014d}", HALL, start + timedelta(minutes=n),
                    start + timedelta(minutes=n + 5 + n % 20), EndReason.EXIT) for n in range(PER_BAND + 5)]
    window = TraceWindow(start - timedelta(days=1), start + timedelta(days=1))
    result = trace(Identity("••••2345", (case.person_key,)), window, [case], others)

    svg = ElementTree.fromstring(str(timeline_svg(result, T.tzinfo, TEXT["en"])))

    bars = [group for group in svg.iter(f"{SVG}g") if not group.find(f"{SVG}title").text.startswith("Case")]
    assert len(bars) == PER_BAND
    assert f"the {PER_BAND} longest are drawn; the table below lists all {PER_BAND + 5}" in ElementTree.tostring(
        svg, encoding="unicode")
    drawn = [int(group.findall(f"{SVG}text")[1].text.split()[0]) for group in bars]
    assert min(drawn) >= sorted((5 + n % 20 for n in range(PER_BAND + 5)), reverse=True)[PER_BAND - 1]
    assert {rect.get("fill") for group in bars for rect in group.iter(f"{SVG}rect")} == {
        "#b2182b", "url(#tier-10)", "url(#tier-any)"}


def test_no_person_id_number_is_in_the_servers_log(server, users):
    """Last in this module: every request above has been logged by now."""
    requests.get(f"{server.url}/healthz", timeout=10)
    log = server.log_path.read_text(encoding="utf-8")

    assert '"path": "/dashboard/trace/export"' in log and '"path": "/dashboard/trace"' in log
    assert CASE_ID not in log and "9012345" not in log
