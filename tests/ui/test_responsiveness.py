"""The GUI thread never waits for the database or the server: measured with a heartbeat timer while the
store's disk stalls (as a slow disk would, or a long sync batch holding the store) and scans keep coming."""

import sqlite3
import threading
import time

from PySide6.QtCore import QTimer, Qt

from kiosk.credentials.examples import PEOPLE, vnqr_payload
from kiosk.full_disk import store_on_own_connection
from tests.ui.kiosk_fixtures import door_settings
from ui.selftest import closed_port

BUSY_SECONDS = 1.0
MOST_GUI_PAUSE = 0.050


class StallingDisk:
    """Watches the statements run on a store's connection: records the threads that run them and, while
    stalled, holds each one (and with it the store) until `resume()`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.threads: set[int] = set()
        self._running = threading.Event()
        self._running.set()
        connection.set_trace_callback(self._statement)

    def _statement(self, _sql: str) -> None:
        self.threads.add(threading.get_ident())
        self._running.wait(10)

    def stall(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()


def test_the_gui_thread_keeps_ticking_while_the_store_and_sync_are_busy(qtbot, tmp_path, open_kiosk):
    store, connection = store_on_own_connection(tmp_path / "entries.sqlite3")
    disk = StallingDisk(connection)
    settings = door_settings(server_url=f"http://127.0.0.1:{closed_port()}", server_token="door-a")
    window = open_kiosk(settings, store=store)
    qtbot.waitUntil(lambda: window.bottom.sync.text().startswith("Ngoại tuyến"), timeout=5000)

    ticks: list[float] = []
    heartbeat = QTimer(interval=5, timerType=Qt.TimerType.PreciseTimer)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    shown: list[float] = []
    window.verdict_shown.connect(lambda _result: shown.append(time.perf_counter()))

    disk.stall()
    heartbeat.start()
    busy_from = time.perf_counter()
    for person in PEOPLE:  # scans while the disk stalls: they queue on the door thread
        window.handle_scanner_text(vnqr_payload(person))
    window.refresh()  # counts and sync state need the database too
    QTimer.singleShot(int(BUSY_SECONDS * 1000), disk.resume)
    qtbot.waitUntil(lambda: len(shown) == len(PEOPLE), timeout=10000)
    heartbeat.stop()

    assert shown[0] - busy_from >= 0.9 * BUSY_SECONDS  # the scans did wait for the disk
    assert ticks[-1] - busy_from >= 0.9 * BUSY_SECONDS  # the measurement covers the busy second
    gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:])]
    print(f"longest GUI pause while the store was busy: {max(gaps) * 1000:.1f} ms over {len(gaps)} ticks")
    assert max(gaps) < MOST_GUI_PAUSE
    assert threading.get_ident() not in disk.threads  # no database call ever ran on the GUI thread
    assert len(store.entries(limit=10)) == len(PEOPLE)
