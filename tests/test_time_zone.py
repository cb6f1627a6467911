"""The door tells times and starts its day in the zone it is given (`DoorApp(zone=...)`), whatever zone the
machine it runs on is set to: the same scans under two machine zones give the same words on the screen."""

import os
import queue
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest

from kiosk.credentials.examples import AN, BINH, vnqr_payload
from kiosk.door_app import CountsChanged, DoorApp, DoorEvent, ViewChanged
from kiosk.entry import Source
from kiosk.settings import Settings
from kiosk.store import Store

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
EVENING = datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc)  # 23:30 on 1 March in Vietnam, 11:30 in New York
MORNING = datetime(2026, 3, 1, 23, 15, tzinfo=timezone.utc)  # 06:15 on 2 March in Vietnam, 18:15 on 1 March

pytestmark = pytest.mark.skipif(not hasattr(time, "tzset"), reason="the machine's zone is set with time.tzset")


@pytest.fixture
def machine_zone() -> Iterator[Callable[[str], None]]:
    """Set the zone of this process as an administrator would set the machine's (TZ), and put it back."""
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def what_the_door_shows(database: Path) -> tuple[list[tuple[str, str]], int]:
    """One visitor late in the evening; the next morning another, who then scans again. Returns the time
    and reason lines of each verdict, and today's count after the last."""
    now = [EVENING]
    events: list[DoorEvent] = []
    with Store.open(database) as store:
        app = DoorApp(Settings(station_name="Cổng A", language="en"), store, post=queue.SimpleQueue().put,
                      clock=lambda: now[0], monotonic=lambda: 0.0, zone=VIETNAM)
        app.subscribe(events.append)
        shown = []
        for at, person in ((EVENING, BINH), (MORNING, AN), (MORNING, AN)):
            now[0] = at
            app.check_text(vnqr_payload(person), Source.SCANNER)
            view = next(event.view for event in reversed(events) if isinstance(event, ViewChanged))
            shown.append((view.time, view.reason))
    today = [event.counts.today for event in events if isinstance(event, CountsChanged)][-1]
    return shown, today


@pytest.mark.parametrize("machine", ["Asia/Ho_Chi_Minh", "America/New_York", "UTC"])
def test_the_door_speaks_its_own_zone_whatever_the_machines(machine, machine_zone, tmp_path):
    machine_zone(machine)
    assert MORNING.astimezone().utcoffset() == ZoneInfo(machine).utcoffset(MORNING)  # the machine's zone moved

    shown, today = what_the_door_shows(tmp_path / "entries.sqlite3")

    assert [time_shown for time_shown, _ in shown] == ["23:30:00", "06:15:00", "06:15:00"]
    assert shown[2][1] == "Already checked in at 06:15 — not logged again"
    assert today == 1  # the evening's visitor came yesterday in Vietnam (in New York, it is the same day)


def test_two_machine_zones_give_identical_verdict_texts(machine_zone, tmp_path):
    machine_zone("Asia/Ho_Chi_Minh")
    in_vietnam = what_the_door_shows(tmp_path / "vietnam.sqlite3")
    machine_zone("America/New_York")
    in_new_york = what_the_door_shows(tmp_path / "new-york.sqlite3")
    assert in_vietnam == in_new_york
