"""The GUI thread never waits for the database or the server: measured with a heartbeat timer while the
store is held busy (as a long sync batch or a slow disk would) and scans keep coming."""

import threading
import time

from PySide6.QtCore import QTimer, Qt

from kiosk.credentials.examples import PEOPLE, vnqr_payload
from kiosk.store import Store
from tests.ui.kiosk_fixtures import door_settings
from ui.selftest import closed_port

BUSY_SECONDS = 1.0
MOST_GUI_PAUSE = 0.050


class WatchedStore(Store):
    """Records which threads use the database."""

    threads: set[int]

    def _run(self, work):
        self.threads.add(threading.get_ident())
        return super()._run(work)


def hold_busy(store: Store, release: threading.Event) -> threading.Thread:
    def hold() -> None:
        with store._lock:  # what a sync batch does while it reads and marks entries
            release.wait(10)

    holder = threading.Thread(target=hold, name="busy-store")
    holder.start()
    return holder


def test_the_gui_thread_keeps_ticking_while_the_store_and_sync_are_busy(qtbot, tmp_path, open_kiosk):
    store = WatchedStore.open(tmp_path / "entries.sqlite3")
    store.threads = set()
    settings = door_settings(server_url=f"http://127.0.0.1:{closed_port()}", server_token="door-a")
    window = open_kiosk(settings, store=store)
    qtbot.waitUntil(lambda: window.bottom.sync.text().startswith("Ngoại tuyến"), timeout=5000)

    ticks: list[float] = []
    heartbeat = QTimer(interval=5, timerType=Qt.TimerType.PreciseTimer)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    shown = []
    window.verdict_shown.connect(shown.append)

    release = threading.Event()
    holder = hold_busy(store, release)
    heartbeat.start()
    busy_from = time.perf_counter()
    for person in PEOPLE:  # scans while the database is held: they queue on the door thread
        window.handle_scanner_text(vnqr_payload(person))
    window.refresh()  # counts and sync state need the database too
    QTimer.singleShot(int(BUSY_SECONDS * 1000), release.set)
    qtbot.waitUntil(lambda: len(shown) == len(PEOPLE), timeout=10000)
    heartbeat.stop()
    holder.join()

    assert ticks[-1] - busy_from >= 0.9 * BUSY_SECONDS  # the measurement covers the busy second
    gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:])]
    print(f"longest GUI pause while the store was busy: {max(gaps) * 1000:.1f} ms over {len(gaps)} ticks")
    assert max(gaps) < MOST_GUI_PAUSE
    assert threading.get_ident() not in store.threads  # no database call ever ran on the GUI thread
    assert len(store.entries(limit=10)) == len(PEOPLE)
