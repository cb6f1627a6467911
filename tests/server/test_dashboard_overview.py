"""The overview with a few hundred stations, on a real server over SQLite and PostgreSQL: a summary, one
page of stations at a time with the ones whose queue does not drain first, filters that page links keep,
and the counts per day for every location together or for one location."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from dashboard_login import log_in
from dashboard_rows import add_entries, add_stations, station_row
from server.admins import add_admin
from server.reports import PAGE_SIZE

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

PASSWORD = "mật-khẩu-dài-4"
STATIONS = 320
LOCAL_NOON = datetime.now(timezone(timedelta(hours=7))).replace(hour=12, minute=0, second=0, microsecond=0)


def _kind(n: int) -> str:
    if n % 40 == 7:
        return "revoked"
    if n % 25 == 11:
        return "stalled"
    if n % 50 == 3:
        return "never"
    if n % 50 == 28:
        return "silent"
    return "fine"


def _row(n: int) -> dict:
    kind = _kind(n)
    contact = {"never": None, "silent": timedelta(days=2)}.get(kind, timedelta(minutes=3))
    return station_row(f"Trạm {n:03d}", f"Khu {n % 16:02d}", revoked=kind == "revoked", stalled=kind == "stalled",
                       contact=contact)


NAMES = [f"Trạm {n:03d}" for n in range(STATIONS)]
STALLED = [name for n, name in enumerate(NAMES) if _kind(n) == "stalled"]


@pytest.fixture(scope="module")
def session(server, engine) -> requests.Session:
    """An administrator's browser on a server holding 320 stations in 16 locations (Khu 00 .. Khu 15)
    and, at each station of Khu 05, 3 admitted entries and 1 refused today and 2 admitted a week ago."""
    ids = add_stations(engine, [_row(n) for n in range(STATIONS)])
    for n in range(5, STATIONS, 16):
        add_entries(engine, ids[NAMES[n]], "Khu 05", LOCAL_NOON, admitted=3, refused=1)
        add_entries(engine, ids[NAMES[n]], "Khu 05", LOCAL_NOON - timedelta(days=7), admitted=2)
    add_entries(engine, ids[NAMES[6]], "Khu 06", LOCAL_NOON, admitted=1)
    add_admin(engine, "quản-trị-tổng-quan", PASSWORD)
    browser = requests.Session()
    assert log_in(browser, server.url, "quản-trị-tổng-quan", PASSWORD).status_code == 200
    return browser


def _open(session: requests.Session, server, query: str) -> str:
    answer = session.get(f"{server.url}/dashboard/{query}", timeout=10)
    assert answer.status_code == 200
    return answer.text


def _names(page: str) -> list[str]:
    table = re.search(r'<table class="stations">(.*?)</table>', page, re.DOTALL)
    return re.findall(r"<tr[^>]*>\s*<td>([^<]*)</td>", table.group(1)) if table else []


def _links(page: str) -> dict[str, dict[str, list[str]]]:
    """The page links under the station table, by their text, as their query parameters."""
    pager = re.search(r'<nav class="pages"[^>]*>(.*?)</nav>', page, re.DOTALL).group(1)
    return {text: parse_qs(urlsplit(html.unescape(href)).query)
            for href, text in re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', pager)}


def _per_day(page: str, table_class: str) -> dict[str, tuple[int, int]]:
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', page, re.DOTALL).group(1)
    return {day: (int(admitted), int(refused))
            for day, admitted, refused in re.findall(r"<tr><td>([0-9-]{10})</td><td>(\d+)</td><td>(\d+)</td>", table)}


def test_the_first_page_sums_up_every_station_and_shows_fifty_those_not_draining_first(server, session):
    page = _open(session, server, "?lang=en")
    summary = dict((label, int(count)) for count, label in re.findall(r"<strong>(\d+)</strong> ([a-z0-9 ]+)<", page))
    active = [n for n in range(STATIONS) if _kind(n) != "revoked"]

    assert summary == {"in all": STATIONS, "active": len(active),
                       "revoked": sum(_kind(n) == "revoked" for n in range(STATIONS)),
                       "never contacted": sum(_kind(n) == "never" for n in active),
                       "no contact for 24 h": sum(_kind(n) in ("never", "silent") for n in active),
                       "not draining": len(STALLED)}
    others = [name for name in NAMES if name not in STALLED]
    assert _names(page) == (STALLED + others)[:PAGE_SIZE]
    assert f"Stations 1–{PAGE_SIZE} of {STATIONS} (page 1 of 7)" in page
    assert page.count("<tr") < 100


def test_page_two_shows_the_next_fifty_and_a_page_past_the_last_shows_the_last(server, session):
    ordered = STALLED + [name for name in NAMES if name not in STALLED]
    second = _open(session, server, "?lang=en&page=2")
    beyond = _open(session, server, "?lang=en&page=99")

    assert _names(second) == ordered[PAGE_SIZE:2 * PAGE_SIZE]
    assert _links(second)["‹ Previous"] == {}  # page 1: no parameter at all
    assert _links(second)["Next ›"]["page"] == ["3"]
    assert _names(beyond) == ordered[6 * PAGE_SIZE:] and "(page 7 of 7)" in beyond


def test_a_filter_keeps_stalled_stations_first_and_its_page_links_keep_it(server, session):
    page = _open(session, server, "?lang=en&q=tr%E1%BA%A1m+1")  # "trạm 1": any case, Vietnamese letters
    wanted = [name for name in NAMES if name.startswith("Trạm 1")]
    stalled = [name for name in STALLED if name in wanted]
    second = _open(session, server, "?lang=en&q=tr%E1%BA%A1m+1&page=2")

    assert stalled and _names(page) == (stalled + [n for n in wanted if n not in stalled])[:PAGE_SIZE]
    assert _links(page)["Next ›"] == {"q": ["trạm 1"], "page": ["2"]}
    assert _links(page)["2"] == {"q": ["trạm 1"], "page": ["2"]}
    assert _names(second) == (stalled + [n for n in wanted if n not in stalled])[PAGE_SIZE:]
    assert 'href="?q=tr%E1%BA%A1m+1&amp;page=2&amp;lang=vi">Tiếng Việt</a>' in second  # so does a language


@pytest.mark.parametrize("state, kinds", [("stalled", {"stalled"}), ("revoked", {"revoked"}),
                                          ("silent", {"never", "silent"})])
def test_a_state_shows_only_the_stations_in_it(server, session, state, kinds):
    page = _open(session, server, f"?lang=en&state={state}&q=Khu+0")

    expected = [name for n, name in enumerate(NAMES) if _kind(n) in kinds and n % 16 < 10]
    assert _names(page) == expected[:PAGE_SIZE] and expected
    assert f'<option value="{state}" selected>' in page


def test_counts_per_day_are_every_locations_together_or_one_locations(server, session):
    today, week_ago = str(LOCAL_NOON.date()), str((LOCAL_NOON - timedelta(days=7)).date())
    stations_of_khu_05 = len(range(5, STATIONS, 16))
    overview = _open(session, server, "?lang=en")
    khu_05 = _open(session, server, "?lang=en&location=Khu+05&state=stalled")
    khu_07 = _open(session, server, "?lang=en&location=Khu+07")

    totals = _per_day(overview, "per-day")
    assert len(totals) >= 14 and totals[today] == (3 * stations_of_khu_05 + 1, stations_of_khu_05)
    assert totals[week_ago] == (2 * stations_of_khu_05, 0)
    busiest = re.findall(r'location=([^"&]*)[^"]*">([^<]*)</a></td><td>(\d+)</td><td>(\d+)</td>', overview)
    assert [row[1:] for row in busiest] == [("Khu 05", str(5 * stations_of_khu_05), str(stations_of_khu_05)),
                                            ("Khu 06", "1", "0")]

    assert _per_day(khu_05, "at-location")[today] == (3 * stations_of_khu_05, stations_of_khu_05)
    assert _per_day(khu_05, "at-location")[week_ago] == (2 * stations_of_khu_05, 0)
    assert "At: Khu 05" in khu_05 and 'name="state" value="stalled"' in khu_05  # the other filter is kept
    assert set(_per_day(khu_07, "at-location").values()) == {(0, 0)}
    assert 'class="top-locations"' not in khu_05


@pytest.mark.parametrize("query", ["?page=abc", "?page=-3", "?page=99999999999999", "?state=all%27--",
                                   "?q=%3Cscript%3Ealert(1)%3C/script%3E", "?location=" + "x" * 5000,
                                   "?location=Khu%0005", "?q=%E2%80%AEKhu"])
def test_odd_filters_are_read_as_no_filter_and_never_break_the_page(server, session, query):
    page = _open(session, server, query)

    assert "<script>" not in page
    assert _names(page) == [] or len(_names(page)) == PAGE_SIZE
