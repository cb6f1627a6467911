"""A meeting from the organiser's list to the report, through the real parts.

The organiser imports 50 made-up participants from a CSV file, adds a two-hour session at the room's
station and prints badges, all with `kiosk-server` as automation would. The room's kiosk (a real Station
on a real SQLite file) syncs, gets the session's list and is in meeting mode by itself. Thirty participants
arrive with what they have: a chip ID card and a national QR code (the handheld scanner and the camera),
a phone number typed by the guard, the printed badge shown to the camera (a page of the badges PDF,
rasterised); one scans twice; two people not on the list come in; four leave shortly before the end. The
server goes down half-way: the kiosk keeps the door and uploads later. The report counts what the entries
say: before the offline entries arrive, the first fifteen; after, 30 present, 20 absent, 2 walk-ins, each
with the minutes the script gives.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import threading
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pypdfium2
import pytest
import zxingcpp

from commands import kiosk_server
from kiosk.credentials.examples import Person, cccd_payload, vnqr_payload
from kiosk.entry import Direction, Source
from kiosk.frames import open_source
from kiosk.meetings import badge_code
from kiosk.pipeline import ScanLoop, Scanned
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.station_config import load_station_config
from kiosk.store import Store
from kiosk.sync import SyncClient
from processes import ServerProcess
from server.database import make_engine, migrate
from server.stations import add_station
from visitor_day import qr_image

pytestmark = pytest.mark.slow  # real server processes and command lines, on SQLite and PostgreSQL

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hương", "Khánh", "Lan", "Phúc", "Thảo")
ROOM = "Hội trường A"
SESSION = "Phiên toàn thể"
TODAY = datetime.now(timezone.utc).replace(second=0, microsecond=0)
START = TODAY - timedelta(hours=3)
END = START + timedelta(hours=2)


def participant(n: int) -> Person:
    return Person(family_name=FAMILY[n % 10], middle_name=MIDDLE[n // 10], given_name=GIVEN[(n * 3) % 10],
                  birth_date=date(1970 + n % 30, 1 + n % 12, 1 + n % 28), gender=("male", "female")[n % 2],
                  id_number=f"0010{80 + n % 20:02d}{700000 + n:06d}", old_id_number="",
                  qid=f"1629{n:014d}", phone=f"09{31000000 + n:08d}", insurance_code=f"HS4010{n:09d}",
                  address="Phường Láng Hạ, Quận Đống Đa, Hà Nội", issue_date=date(2022, 5, 1))


PEOPLE = [participant(n) for n in range(50)]
WALK_INS = [dataclasses.replace(participant(n), id_number=f"0790{85:02d}{900000 + n:06d}",
                                family_name="Khách", middle_name="Vãng", given_name=given)
            for n, given in ((1, "Lai"), (2, "Lại"))]
BY_ID = range(0, 10)          # chip ID card, handheld scanner
BY_NATIONAL_QR = range(10, 18)  # national QR code shown to the camera
BY_PHONE = range(18, 23)      # listed by phone only; the guard types the phone
BY_BADGE = range(23, 30)      # the printed badge shown to the camera
LEAVING = range(0, 4)         # scan out five minutes before the end


def arrival(n: int) -> datetime:
    return START + timedelta(minutes=-10 + n % 15)  # ten minutes early to four minutes late: all on time


def expected_minutes(n: int) -> int:
    left = END - timedelta(minutes=5) if n in LEAVING else END
    return round((left - max(arrival(n), START)).total_seconds() / 60)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def server_folders(tmp_path, monkeypatch) -> dict[str, str]:
    folders = {"KIOSK_SERVER_DATA_DIR": str(tmp_path / "server-data"),
               "KIOSK_SERVER_KEYS_DIR": str(tmp_path / "server-keys"),
               "KIOSK_SERVER_TIMEZONE": "Asia/Ho_Chi_Minh"}
    for name, value in folders.items():
        monkeypatch.setenv(name, value)  # the command lines and the server process share them
    return folders


def test_a_meeting_from_the_list_to_the_report(fresh_database_url, server_folders, tmp_path):
    engine = make_engine(fresh_database_url)
    migrate(engine)
    _, token = add_station(engine, "Cửa hội trường A", "Trụ sở Sở Y tế")
    engine.dispose()

    event = _ok(fresh_database_url, "event", "add", "Hội nghị tổng kết năm 2026").stdout.strip()
    assert event.isdigit()
    imported = _ok(fresh_database_url, "event", "import", event, str(_participant_file(tmp_path)))
    assert "50" in imported.stdout
    _ok(fresh_database_url, "session", "add", event, SESSION, "--start", START.isoformat(),
        "--end", END.isoformat(), "--station", "Cửa hội trường A", "--room", ROOM)
    badges_pdf = tmp_path / "badges.pdf"
    _ok(fresh_database_url, "event", "badges", event, "--out", str(badges_pdf), "--layout", "label")
    badges = _badge_pages(badges_pdf)
    assert len(badges) == 50

    clock = Clock(START - timedelta(minutes=20))
    folder = tmp_path / "kiosk"
    store = Store.open(folder / "entries.sqlite3")
    server = ServerProcess(fresh_database_url, tmp_path / "server.log", server_folders).start()
    settings = Settings(station_name="Cửa hội trường A", location="Trụ sở Sở Y tế", dedup_minutes=5,
                        server_url=server.url, server_token=token, database=str(folder / "entries.sqlite3"))
    try:
        assert SyncClient(store, settings, clock=clock).run_once().ok
        station = Station(settings, store, clock=clock, config=load_station_config(store))
        frames = tmp_path / "frames"
        frames.mkdir()

        first_half, second_half = range(0, 15), range(15, 30)
        _arrive(station, clock, first_half, badges, frames)
        repeat = _scan_at(station, clock, arrival(0) + timedelta(minutes=1), cccd_payload(PEOPLE[0]))
        assert repeat.entry is None  # the same person within the window: "already checked in", no entry
        assert SyncClient(store, settings, clock=clock).run_once().ok

        server.stop()  # the network goes; the door goes on
        _arrive(station, clock, second_half, badges, frames)
        for walk_in in WALK_INS:
            result = _scan_at(station, clock, START + timedelta(minutes=2), cccd_payload(walk_in))
            assert result.entry is not None and result.participant is None
            assert result.verdict.outcome.value == "warn"  # not on the list: the organiser's amber
        station.set_direction(Direction.OUT)
        for n in LEAVING:
            result = _scan_at(station, clock, END - timedelta(minutes=5), cccd_payload(PEOPLE[n]))
            assert result.entry is not None and result.participant is not None
        assert not SyncClient(store, settings, clock=clock).run_once().ok
        assert store.pending_count() > 15

        before = _report(fresh_database_url, event)
        assert Counter(line["status"] for line in before)["present"] == 15

        server = ServerProcess(fresh_database_url, tmp_path / "server.log", server_folders).start()
        settings = settings.replace(server_url=server.url)
        assert SyncClient(store, settings, clock=clock).run_once().ok
        assert store.pending_count() == 0
    finally:
        store.close()
        server.stop()

    lines = _report(fresh_database_url, event)
    assert Counter(line["status"] for line in lines) == {"present": 30, "absent": 20, "walk-in": 2}
    assert {line["session"] for line in lines} == {SESSION}
    minutes = {line["name"]: line["minutes"] for line in lines if line["status"] != "walk-in"}
    assert minutes == {person.full_name: expected_minutes(n) if n < 30 else 0 for n, person in enumerate(PEOPLE)}
    assert sorted(line["minutes"] for line in lines if line["status"] == "walk-in") == [118, 118]


def _arrive(station: Station, clock: Clock, who: range, badges: dict[str, np.ndarray], frames: Path) -> None:
    """Each participant of `who` arrives at their time, with their kind of code."""
    for n in who:
        person = PEOPLE[n]
        if n in BY_ID:
            result = _scan_at(station, clock, arrival(n), cccd_payload(person), Source.SCANNER)
        elif n in BY_PHONE:
            clock.now = arrival(n)
            result = station.check_manual(person.full_name, person.phone)
        else:
            text = vnqr_payload(person) if n in BY_NATIONAL_QR else None
            image = qr_image(text) if text else _on_camera(badges[person.full_name])
            result = _seen_by_camera(station, clock, arrival(n), image, frames / f"{n:02d}")
        assert result.entry is not None and result.participant is not None, (n, result.verdict)
        assert result.verdict.outcome.value == "admit", (n, result.verdict)


def _scan_at(station: Station, clock: Clock, at: datetime, text: str, source: Source = Source.CAMERA):
    clock.now = at
    return station.check_text(text, source)


def _seen_by_camera(station: Station, clock: Clock, at: datetime, image: np.ndarray, folder: Path):
    clock.now = at
    folder.mkdir()
    cv2.imwrite(str(folder / "frame.png"), image)
    loop = ScanLoop(open_source(str(folder), realtime=False, repeat=1), station)
    [seen] = [event.result for event in loop.run(threading.Event(), max_frames=1) if isinstance(event, Scanned)]
    return seen


def _participant_file(tmp_path: Path) -> Path:
    """The organiser's list: Vietnamese headers in their own order; the phone-only ones have no ID."""
    path = tmp_path / "dai-bieu.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["STT", "Họ và tên", "Đơn vị công tác", "Số CCCD", "Số điện thoại", "Chỗ ngồi"])
        for n, person in enumerate(PEOPLE):
            id_number = "" if n in BY_PHONE else person.id_number
            writer.writerow([n + 1, person.full_name, f"Phòng {n % 5 + 1}", id_number, person.phone, f"Bàn {n % 8 + 1}"])
    return path


def _badge_pages(pdf: Path) -> dict[str, np.ndarray]:
    """Each page of the label PDF as a printed badge looks to a camera, by the name its code carries."""
    pages = {}
    document = pypdfium2.PdfDocument(str(pdf))
    for page in document:
        image = np.array(page.render(scale=200 / 72).to_pil().convert("L"))
        [read] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        badge = badge_code.check(read.text, None, datetime.now(timezone.utc)).badge
        pages[badge.name] = image
    document.close()
    return pages


def _on_camera(page: np.ndarray) -> np.ndarray:
    """A badge held up in front of the room's camera: the page on a grey 720p frame."""
    canvas = np.full((720, 1280), 190, np.uint8)
    height, width = min(page.shape[0], 680), min(page.shape[1], 1200)
    canvas[20:20 + height, 40:40 + width] = page[:height, :width]
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)


def _report(database_url: str, event: str) -> list[dict]:
    done = _ok(database_url, "event", "report", event, "--json")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def _ok(database_url: str, *args: str):
    done = kiosk_server(database_url, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done
