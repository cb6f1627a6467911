"""Faults that must lose nothing and duplicate nothing, with real server and kiosk processes on 127.0.0.1.

After each fault the server holds exactly the kiosk's entries, each once, and the kiosk's queue is empty.
"""

from __future__ import annotations

import threading

import pytest

from factories import make_entry
from kiosk.store import Store
from kiosk.sync import SyncClient

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

BATCH = 300


def test_server_killed_in_the_middle_of_a_batch_and_restarted(start_server, fault_proxy, make_kiosk,
                                                               assert_exactly_once):
    server = start_server()
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url, entries=4 * BATCH)
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH)
    proxy.on_kill = server.kill
    proxy.plan(None, "kill")  # the second batch is on its way when the server dies

    interrupted = client.run_once()
    proxy.upstream = start_server().url
    finished = client.run_once()

    assert not interrupted.ok and interrupted.accepted == BATCH
    assert finished.ok and finished.accepted + finished.duplicate == 3 * BATCH
    assert_exactly_once(kiosk)


def test_answer_lost_after_the_server_committed(server, fault_proxy, make_kiosk, assert_exactly_once):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url, entries=3 * BATCH)
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH)
    proxy.plan("drop")

    lost = client.run_once()
    resent = client.run_once()

    assert not lost.ok and lost.waiting == 3 * BATCH
    assert resent.ok and resent.duplicate == BATCH and resent.accepted == 2 * BATCH
    assert_exactly_once(kiosk)


def test_500s_429s_and_slow_answers_keep_entries_until_confirmed(server, fault_proxy, make_kiosk,
                                                                  assert_exactly_once):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url, entries=2 * BATCH)
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH, timeout=(2, 1))
    proxy.plan("500", "slow", "429", None, "500")

    rounds = [client.run_once() for _ in range(5)]

    failed, finished = rounds[:3] + rounds[4:], rounds[3]
    assert proxy.applied == ["500", "slow", "429", "500"]
    assert [r.ok for r in rounds] == [False, False, False, False, True]
    assert "HTTP 500" in rounds[0].error and "in time" in rounds[1].error and "busy" in rounds[2].error
    assert rounds[2].retry_after == 7
    assert all(r.rejected == 0 for r in rounds) and kiosk.store.rejected() == []
    assert finished.duplicate == BATCH  # the slow answer's batch had been stored: not stored again
    assert failed[-1].accepted == BATCH
    assert_exactly_once(kiosk)


def test_a_network_login_page_answering_in_the_servers_place_loses_nothing(server, fault_proxy, make_kiosk,
                                                                           assert_exactly_once):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url, entries=BATCH)
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH)
    proxy.plan("portal")

    intercepted = client.run_once()
    through = client.run_once()

    assert not intercepted.ok and "not from a check-in server" in intercepted.error
    assert intercepted.waiting == BATCH and kiosk.store.rejected() == []
    assert through.ok and through.accepted == BATCH
    assert_exactly_once(kiosk)


def test_the_door_keeps_writing_while_a_batch_is_on_the_wire(server, fault_proxy, make_kiosk,
                                                             assert_exactly_once):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url, entries=10)
    proxy.plan("hold")
    round_in_progress = threading.Thread(target=SyncClient(kiosk.store, kiosk.settings).run_once)
    round_in_progress.start()
    assert proxy.holding.wait(30), "the batch never reached the server"

    kiosk.store.add(make_entry(11, station=kiosk.station.name))  # a scan at the door meanwhile
    waiting_during_upload = kiosk.store.pending_count()
    still_on_the_wire = round_in_progress.is_alive()
    proxy.release()
    round_in_progress.join(30)
    SyncClient(kiosk.store, kiosk.settings).run_once()

    assert still_on_the_wire and waiting_during_upload == 11
    assert_exactly_once(kiosk)


def test_a_full_kiosk_disk_after_the_server_confirmed(server, make_kiosk, small_disk, disk_filler, kiosk_command,
                                                       assert_exactly_once):
    kiosk = make_kiosk(server.url, entries=2 * BATCH, folder=small_disk)
    kiosk.store.close()  # checkpointed: the next writer starts with an empty journal
    # Room to open the database, not to record that a confirmed batch was sent.
    filler = disk_filler(small_disk, leave_free=96 * 1024)

    full = kiosk_command(kiosk, "sync", "--once")
    filler.unlink()
    freed = kiosk_command(kiosk, "sync", "--once")

    assert full.returncode == 1, full.stdout + full.stderr
    assert "The disk holding" in full.stdout and "is full" in full.stdout and "nothing was lost" in full.stdout
    assert freed.returncode == 0 and "already there" in freed.stdout, freed.stdout + freed.stderr
    kiosk.store = Store.open(kiosk.settings.database)
    assert_exactly_once(kiosk)


def test_kiosk_killed_during_sync(server, fault_proxy, make_kiosk, start_kiosk, kiosk_command,
                                  assert_exactly_once):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url, entries=4 * BATCH)
    sync = start_kiosk(kiosk, "sync", "--once")
    proxy.on_kill = sync.kill
    proxy.plan(None, "kill")  # killed while its second batch is on the wire

    sync.communicate(timeout=120)
    rerun = kiosk_command(kiosk, "sync", "--once")

    assert sync.returncode == -9
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert_exactly_once(kiosk)
    assert len(kiosk.all_ids()) == 4 * BATCH


def test_the_same_station_syncing_from_two_processes_while_the_door_keeps_writing(
        server, make_kiosk, start_kiosk, kiosk_command, assert_exactly_once):
    kiosk = make_kiosk(server.url, entries=10 * BATCH)
    both = [start_kiosk(kiosk, "sync", "--once", "--json") for _ in range(2)]
    for n in range(40):
        kiosk.store.add(make_entry(10_000 + n, station=kiosk.station.name))

    outputs = [process.communicate(timeout=120) for process in both]
    last = kiosk_command(kiosk, "sync", "--once")  # whatever the door wrote after their last batch

    assert [process.returncode for process in both] == [0, 0], outputs
    assert last.returncode == 0
    assert len(kiosk.all_ids()) == 10 * BATCH + 40
    assert_exactly_once(kiosk)


def test_an_upload_the_server_fails_still_fetches_the_station_config(server, fault_proxy, make_kiosk):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url, entries=BATCH)
    received = []
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=BATCH, on_config=received.append)
    proxy.plan("500")

    report = client.run_once()

    assert not report.ok and "HTTP 500" in report.error and report.waiting == BATCH
    assert report.config_changed and received[0]["station"]["name"] == kiosk.station.name
    assert kiosk.store.held() == []
