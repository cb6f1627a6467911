"""The dashboard against a real server: any stored time renders, each station's queue health shows, the
counts tell visits from refusals, and a person key is searched by POST, never put in a URL."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa

from dashboard_login import csrf_token, log_in
from factories import make_entry
from kiosk.entry import format_utc
from kiosk.station import Station
from kiosk.tracing.masking import mask_person_key
from kiosk.sync import SyncClient
from kiosk.verdict import Outcome
from processes import ServerProcess
from server.admins import add_admin
from server.dashboard import local_time
from server.reports import QUEUE_STALLED_AFTER, StationHealth, is_stalled
from server.sealing_store import stored_key
from server.tables import entries, stations

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

PASSWORD = "mật-khẩu-dài-2"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def vietnam_server(database_url: str, engine, tmp_path_factory) -> Iterator[ServerProcess]:
    """The server, its PostgreSQL sessions in Vietnam's time zone (as a server set up there would have them):
    a time PostgreSQL hands back in that zone can lie beyond what Python can hold."""
    url = database_url
    if url.startswith("postgresql"):
        url = url.replace("options=", "options=-ctimezone%3DAsia%2FHo_Chi_Minh%20", 1)
    process = ServerProcess(url, tmp_path_factory.mktemp("log") / "server.log").start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def admin(vietnam_server, engine) -> requests.Session:
    add_admin(engine, "quan-tri-2", PASSWORD)
    session = requests.Session()
    answer = log_in(session, vietnam_server.url, "quan-tri-2", PASSWORD)
    assert answer.status_code == 200 and answer.url.endswith("/dashboard/")
    return session


def _search(admin: requests.Session, server, lang: str = "vi", **form: str) -> requests.Response:
    """Search as the browser does: the form's page first, for its CSRF token, then the POST."""
    page = admin.get(f"{server.url}/dashboard/entries", timeout=10).text
    return admin.post(f"{server.url}/dashboard/entries?lang={lang}", data={**form, "csrf_token": csrf_token(page)},
                      timeout=10)


def _post(server, token: str, batch: list[dict], headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/entries", json={"entries": batch},
                         headers={"Authorization": f"Bearer {token}", **(headers or {})}, timeout=30)


def _station_id(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(stations.c.id).where(stations.c.name == name)).scalar_one()


def _station_row(engine, name: str) -> sa.Row:
    with engine.connect() as conn:
        return conn.execute(sa.select(stations).where(stations.c.name == name)).one()


def _row_of(page: str, station_name: str) -> str:
    """The overview's table row of one station."""
    return re.search(r"<tr[^>]*>\s*<td>" + re.escape(station_name) + r"</td>.*?</tr>", page, re.DOTALL).group()


# --- times -------------------------------------------------------------------------------------------------


def test_a_time_without_a_local_equivalent_is_shown_in_utc():
    assert local_time(datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc), VIETNAM) == "2026-03-02 08:15:00"
    assert local_time(datetime(9999, 12, 31, 23, 0, tzinfo=timezone.utc), VIETNAM) == "9999-12-31 23:00:00 UTC"


def test_entries_dated_in_the_year_9999_or_1_render_on_every_page(vietnam_server, engine, admin, new_station):
    """Stored before the server refused such times (or written by anything else): the pages still load."""
    station = new_station(location=f"Kho {uuid.uuid4().hex[:6]}")
    for moment, person in ((datetime(9999, 12, 31, 23, 0, tzinfo=timezone.utc), "qid:162900000000009999"),
                           (datetime(1, 1, 1, 0, 0, tzinfo=timezone.utc), "qid:162900000000000001")):
        row = make_entry(station=station.name, person=person, at=moment).to_json()
        with engine.begin() as conn:
            conn.execute(entries.insert().values(
                id=uuid.UUID(row["id"]), station_id=_station_id(engine, station.name), scanned_at=moment,
                received_at=NOW, location=station.name, direction="in", source="camera", format="vn-qr",
                person_key=stored_key(person), display_name=row["display_name"], verdict="admit", reasons=[]))

    overview = admin.get(f"{vietnam_server.url}/dashboard/", timeout=10)
    latest = admin.get(f"{vietnam_server.url}/dashboard/entries", timeout=10)
    searched = _search(admin, vietnam_server, person_key="qid:162900000000009999", station=station.name)
    by_day = _search(admin, vietnam_server, day="9999-12-31")

    assert [page.status_code for page in (overview, latest, searched, by_day)] == [200, 200, 200, 200]
    assert "9999-12-31 23:00:00 UTC" in latest.text and "9999-12-31 23:00:00 UTC" in searched.text
    assert by_day.text.split("</form>")[-1].count("<tr>") == 2  # the header, and the one entry of that day
    assert "<td>0001-01-01 07:" in latest.text
    assert station.name not in overview.text.split("<h2>")[-1]  # not counted on a day of the last two weeks


# --- the stations' queues ----------------------------------------------------------------------------------


def test_each_station_shows_its_oldest_waiting_entry_and_its_last_successful_upload(
        vietnam_server, engine, admin, new_station):
    station = new_station()
    oldest = (NOW - timedelta(minutes=3)).replace(microsecond=0)
    batch = [make_entry(n, station=station.name).to_json() for n in range(2)]

    first = _post(vietnam_server, station.token, batch,
                  {"X-Queue-Length": "2", "X-Queue-Oldest": format_utc(oldest)})
    after_first = _station_row(engine, station.name)
    repeated = _post(vietnam_server, station.token, batch, {"X-Queue-Length": "2", "X-Queue-Oldest": ""})
    after_repeat = _station_row(engine, station.name)
    row = _row_of(admin.get(f"{vietnam_server.url}/dashboard/?lang=en", timeout=10).text, station.name)

    assert first.json()["accepted"] == 2 and repeated.json()["duplicate"] == 2
    assert after_first.queue_oldest_at.replace(tzinfo=timezone.utc) == oldest
    assert after_repeat.queue_oldest_at is None  # an empty header: nothing waiting any more
    # A batch of repeats only is still a batch stored: the upload worked.
    assert after_repeat.last_upload_at > after_first.last_upload_at
    assert local_time(after_repeat.last_upload_at.replace(tzinfo=timezone.utc), VIETNAM) in row
    assert "not draining" not in row


def test_a_station_whose_queue_does_not_drain_is_marked(vietnam_server, engine, admin, new_station):
    """It keeps in touch (it downloads its configuration) and says entries wait since long ago, but no batch
    of it has been stored in that time: an entry the server cannot take, say, holds its queue."""
    stuck, fine = new_station(), new_station()
    long_ago = format_utc(NOW - QUEUE_STALLED_AFTER - timedelta(minutes=5))
    for station in (stuck, fine):
        requests.get(f"{vietnam_server.url}/api/v1/station/config", timeout=10,
                     headers={"Authorization": f"Bearer {station.token}", "X-Queue-Length": "12",
                              "X-Queue-Oldest": long_ago})
    _post(vietnam_server, fine.token, [make_entry(station=fine.name).to_json()],
          {"X-Queue-Length": "12", "X-Queue-Oldest": long_ago})

    page = admin.get(f"{vietnam_server.url}/dashboard/?lang=en", timeout=10).text

    assert "not sending: queue not draining" in _row_of(page, stuck.name)
    assert "<td>12</td>" in _row_of(page, stuck.name)
    assert "not draining" not in _row_of(page, fine.name)


def _health(**changes) -> StationHealth:
    base = dict(name="Cổng A", location="", revoked=False, last_contact_at=NOW, reported_queue=3,
                clock_offset_seconds=0.0, queue_oldest_at=NOW - timedelta(minutes=40), last_upload_at=None,
                stalled=False)
    return StationHealth(**(base | changes))


@pytest.mark.parametrize("changes, stalled", [
    ({}, True),  # entries wait since 40 minutes, no upload ever
    ({"last_upload_at": NOW - timedelta(minutes=2)}, False),  # draining: a batch was stored just now
    ({"last_upload_at": NOW - timedelta(minutes=20)}, True),
    ({"queue_oldest_at": NOW - timedelta(minutes=5)}, False),  # waiting, but not for long
    # Its clock is an hour ahead: what it calls five minutes ago is over an hour ago.
    ({"queue_oldest_at": NOW - timedelta(minutes=5), "clock_offset_seconds": 3600.0}, True),
    ({"reported_queue": 0, "queue_oldest_at": None}, False),  # nothing waiting
    ({"queue_oldest_at": None}, True),  # a kiosk that does not send X-Queue-Oldest: its queue length counts
    ({"revoked": True}, False),
    ({"clock_offset_seconds": 2.5e11}, True),  # a clock in the year 9999 (X-Station-Time) breaks nothing
    ({"clock_offset_seconds": -6.4e10, "queue_oldest_at": NOW}, False),  # nor one in the year 1
])
def test_not_draining_means_entries_wait_longer_than_the_limit_and_no_batch_was_stored_meanwhile(changes, stalled):
    assert is_stalled(_health(**changes), NOW) is stalled


# --- counts and the search ---------------------------------------------------------------------------------


def test_refusals_at_the_door_reach_the_server_and_are_counted_apart_from_visits(
        vietnam_server, engine, admin, make_kiosk):
    location = f"Sảnh {uuid.uuid4().hex[:6]}"
    kiosk = make_kiosk(vietnam_server.url, station=None)
    with engine.begin() as conn:
        conn.execute(stations.update().where(stations.c.name == kiosk.station.name).values(location=location))
    door = Station(kiosk.settings, kiosk.store)
    refused = door.check_text("https://example.com/khai-bao")
    kiosk.store.add_many([make_entry(1, station=kiosk.station.name, at=NOW - timedelta(minutes=5)),
                          make_entry(2, station=kiosk.station.name, at=NOW - timedelta(minutes=4),
                                     verdict=Outcome.WARN)])

    report = SyncClient(kiosk.store, kiosk.settings).run_once()
    page = admin.get(f"{vietnam_server.url}/dashboard/", params={"location": location}, timeout=10).text
    today = datetime.now(VIETNAM).date()

    assert refused.entry is not None and refused.entry.person_key == "" and refused.verdict.outcome is Outcome.REFUSE
    assert report.ok and (report.accepted, report.rejected) == (3, 0) and kiosk.store.rejected() == []
    with engine.connect() as conn:
        verdict = conn.execute(sa.select(entries.c.verdict).where(entries.c.id == uuid.UUID(refused.entry.id)))
        assert verdict.scalar_one() == "refuse"
    assert f"<td>{today}</td><td>2</td><td>1</td>" in page.split(location)[-1]  # two visits, one refusal


def shown(person_key: str) -> str:
    """A person key as the dashboard shows a stored entry's: the server's tag, masked."""
    return mask_person_key(stored_key(person_key))


def test_a_person_key_is_searched_by_post_and_never_put_in_a_url(vietnam_server, admin, new_station):
    station = new_station()
    wanted, other = (make_entry(n, station=station.name, person=f"qid:16290000000{n:07d}", at=NOW).to_json()
                     for n in (4242, 4343))
    _post(vietnam_server, station.token, [wanted, other])

    form_page = admin.get(f"{vietnam_server.url}/dashboard/entries?lang=en", timeout=10).text
    found = _search(admin, vietnam_server, lang="en", person_key=wanted["person_key"], station=station.name)
    results = found.text.split("</form>")[-1]

    form = re.search(r"<form[^>]*action=\"/dashboard/entries[^>]*>", form_page).group()
    assert 'method="post"' in form
    assert found.status_code == 200 and found.url.endswith("/dashboard/entries?lang=en")
    assert results.count("<tr>") == 2  # the header and the one entry found
    assert shown(wanted["person_key"]) in results and shown(other["person_key"]) not in results
    assert wanted["person_key"] not in found.text.replace(f'value="{wanted["person_key"]}"', "")
