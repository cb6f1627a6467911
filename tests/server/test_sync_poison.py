"""An entry the server fails on (5xx) must not stop a door's sync: it is found, held aside and sent again
later, while the others go up. A server that fails everything must not make entries leave the queue.

Real server processes on 127.0.0.1; the fault proxy answers 500 to every upload holding a "poisoned"
entry, as a server does that cannot store that entry.
"""

from __future__ import annotations

import datetime as dt

import pytest

from factories import make_entry, uploaded
from kiosk.sync import SyncClient, SyncWorker, describe, held_retry_delay

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

BATCH = 10


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


def queue_recent(kiosk, count: int) -> list:
    """`count` entries scanned in the last hour, oldest first, as the door logged them."""
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    entries = [make_entry(n, at=start + dt.timedelta(seconds=n), station=kiosk.station.name) for n in range(count)]
    kiosk.store.add_many(entries)
    return entries


def uploads_holding(proxy, entry_id: str) -> int:
    return sum(entry_id in ids for ids in proxy.uploaded)


def test_an_entry_the_server_fails_on_is_held_aside_and_the_rest_goes_up(server, fault_proxy, make_kiosk,
                                                                         server_ids, kiosk_command):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url)
    entries = queue_recent(kiosk, 4 * BATCH)
    bad = entries[13]
    proxy.poisoned.add(bad.id)
    clock = Clock()
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH, clock=clock)

    first = client.run_once()  # one failure could be the server's: the round stops, nothing held
    second = client.run_once()  # the same batch fails again: it is taken apart

    assert not first.ok and "HTTP 500" in first.error and first.held == 0 and first.waiting == 3 * BATCH
    assert second.ok and second.held == 1 and second.on_hold == 1 and second.waiting == 0
    assert second.accepted == 3 * BATCH - 1 and second.rejected == 0
    assert set(server_ids(kiosk.station.name)) == {e.id for e in entries} - {bad.id}
    [held] = kiosk.store.held()
    assert uploaded(kiosk.store, held.entry) == bad and "HTTP 500" in held.reason and held.held_at == clock.now
    assert held.attempts == 1 and held.retry_at == clock.now + held_retry_delay(1)
    assert kiosk.store.rejected() == []
    listed = kiosk_command(kiosk, "sync", "--held")
    assert listed.returncode == 0 and "HTTP 500" in listed.stdout and bad.display_name in listed.stdout
    status = SyncWorker(client).status()
    assert status.held == 1 and describe(status, "en").endswith(" — 1 held for the admin")
    assert describe(status, "vi").endswith(" — 1 lượt tạm giữ, báo quản trị")


def test_a_held_entry_is_sent_again_when_due_and_leaves_the_hold_once_the_server_takes_it(
        server, fault_proxy, make_kiosk, assert_exactly_once):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url)
    bad = queue_recent(kiosk, BATCH)[4]
    proxy.poisoned.add(bad.id)
    clock = Clock()
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH, clock=clock)
    client.run_once()
    client.run_once()
    tries_while_held = uploads_holding(proxy, bad.id)

    clock.now += held_retry_delay(1) / 2
    not_due = client.run_once()
    not_tried_early = uploads_holding(proxy, bad.id) == tries_while_held
    clock.now += held_retry_delay(1) / 2
    retried_at = clock.now
    still_failing = client.run_once()
    [held] = kiosk.store.held()
    proxy.poisoned.clear()  # the server was fixed
    clock.now = held.retry_at
    fixed = client.run_once()

    assert not_due.ok and not_due.on_hold == 1 and not_tried_early
    assert still_failing.ok and still_failing.held == 0 and still_failing.on_hold == 1
    assert uploads_holding(proxy, bad.id) == tries_while_held + 2  # once when due, once after the fix
    assert held.attempts == 2 and held.retry_at == retried_at + held_retry_delay(2)
    assert held_retry_delay(2) == 2 * held_retry_delay(1)
    assert fixed.ok and fixed.accepted == 1 and fixed.on_hold == 0 and kiosk.store.held() == []
    assert_exactly_once(kiosk)


def test_a_bad_entry_in_each_half_of_a_batch_is_found_too(server, fault_proxy, make_kiosk, server_ids):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url)
    entries = queue_recent(kiosk, BATCH)
    bad = {entries[2].id, entries[7].id}  # both halves fail, and nothing passed yet in the round
    proxy.poisoned |= bad
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH)

    client.run_once()
    report = client.run_once()

    assert report.ok and report.held == 2 and report.accepted == BATCH - 2
    assert {held.entry.id for held in kiosk.store.held()} == bad
    assert set(server_ids(kiosk.station.name)) == {e.id for e in entries} - bad


def test_a_server_failing_every_upload_holds_nothing_and_still_sends_the_config(server, fault_proxy,
                                                                                make_kiosk, assert_exactly_once):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url)
    queue_recent(kiosk, 3 * BATCH)
    proxy.fail_every_upload = True
    received = []
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH, on_config=received.append)

    failing = [client.run_once() for _ in range(4)]
    uploads_per_round = proxy.uploads / len(failing)
    configs_while_failing = len(received)
    proxy.fail_every_upload = False
    recovered = client.run_once()

    assert [r.ok for r in failing] == [False] * 4
    assert all(r.held == 0 and r.on_hold == 0 and r.waiting == 3 * BATCH for r in failing)
    assert kiosk.store.held() == [] and kiosk.store.rejected() == []
    assert uploads_per_round <= 4  # the batch, its two halves, one probe
    assert configs_while_failing == 1  # the configuration still came, in the first round (then 304)
    assert recovered.ok and recovered.accepted == 3 * BATCH
    assert_exactly_once(kiosk)


def test_a_server_that_is_down_behind_its_proxy_holds_nothing(start_server, fault_proxy, make_kiosk,
                                                              assert_exactly_once):
    server = start_server()
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url)
    queue_recent(kiosk, 2 * BATCH)
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH)
    server.kill()  # the proxy now answers 502 to everything

    down = [client.run_once() for _ in range(3)]
    proxy.upstream = start_server().url
    back = client.run_once()

    assert all(not r.ok and "HTTP 502" in r.error and r.waiting == 2 * BATCH for r in down)
    assert kiosk.store.held() == []
    assert back.ok and back.accepted == 2 * BATCH
    assert_exactly_once(kiosk)
