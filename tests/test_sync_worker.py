"""The sync worker's thread: what it tells its listener, and that a listener's bug does not end syncing."""

from __future__ import annotations

import logging
import threading

from kiosk.settings import Settings
from kiosk.store import Store
from kiosk.sync import Backoff, SyncClient, SyncReport, SyncWorker


def test_a_listener_that_fails_does_not_stop_the_rounds(tmp_path, caplog) -> None:
    store = Store.open(tmp_path / "entries.sqlite3")
    reports: list[SyncReport] = []
    second_round = threading.Event()

    def listener(report: SyncReport) -> None:
        reports.append(report)
        if len(reports) == 1:
            raise RuntimeError("a bug in whoever listens")
        second_round.set()

    client = SyncClient(store, Settings())  # no server set: every round ends at once, as failed
    worker = SyncWorker(client, backoff=Backoff(base=0.01, cap=0.01), on_round=listener)
    with caplog.at_level(logging.ERROR, logger="kiosk.sync"):
        worker.start()
        try:
            assert second_round.wait(10), "no round after the listener failed"
        finally:
            worker.stop(timeout=10)
            store.close()

    assert "No server address" in reports[0].error
    assert any("listener" in record.message and record.exc_info for record in caplog.records)
