"""The kiosk's sync client against a real server: batches, refusals, status, TLS, the command line."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import signal
import socket
import threading
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from factories import T0, make_entry
from kiosk.credentials.examples import SAMPLE_PAYLOADS
from kiosk.entry import format_utc
from kiosk.station import Station
from kiosk.sync import META_LAST_SYNC, Backoff, SyncClient, SyncReport, SyncState, SyncWorker, describe
from kiosk.verdict import Outcome
from server.station_config import set_setting
from server.stations import revoke_station
from server.tables import stations

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

NOW = dt.datetime.now(dt.timezone.utc)
UTC = dt.timezone.utc


class Rounds:
    """A worker's `on_round`: keeps the reports and lets a test wait for the n-th round."""

    def __init__(self) -> None:
        self.reports: list[SyncReport] = []
        self._changed = threading.Condition()

    def __call__(self, report: SyncReport) -> None:
        with self._changed:
            self.reports.append(report)
            self._changed.notify_all()

    def reach(self, count: int, seconds: float = 30) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.reports) >= count, timeout=seconds)


class OpenConnections:
    """A TCP relay in front of the server that counts the connections the kiosk holds open. One counts as
    closed only when the kiosk closes its end (the server hanging up idle connections does not count)."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self._upstream = (target.hostname, target.port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.open = 0
        self._changed = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def settles_at(self, count: int, seconds: float = 5) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.open == count, timeout=seconds)

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                kiosk_end, _ = self._listener.accept()
            except OSError:
                return
            server_end = socket.create_connection(self._upstream)
            with self._changed:
                self.open += 1
                self._changed.notify_all()
            threading.Thread(target=_copy, args=(server_end, kiosk_end), daemon=True).start()
            threading.Thread(target=self._relay, args=(kiosk_end, server_end), daemon=True).start()

    def _relay(self, kiosk_end: socket.socket, server_end: socket.socket) -> None:
        _copy(kiosk_end, server_end)  # until the kiosk closes its end
        with self._changed:
            self.open -= 1
            self._changed.notify_all()
        kiosk_end.close()
        server_end.close()


def _copy(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass


@pytest.fixture
def open_connections(server):
    relay = OpenConnections(server.url)
    yield relay
    relay.close()


def test_one_round_sends_every_waiting_entry_once_then_fetches_the_config(server, make_kiosk, assert_exactly_once):
    kiosk = make_kiosk(server.url, entries=1100)
    received = []
    client = SyncClient(kiosk.store, kiosk.settings, batch_size=400, on_config=received.append)

    first = client.run_once()
    second = client.run_once()

    assert first.ok and (first.accepted, first.duplicate, first.rejected, first.waiting) == (1100, 0, 0, 0)
    assert first.config_changed and received[0]["station"]["name"] == kiosk.station.name
    assert second.ok and second.sent == 0 and not second.config_changed  # 304: the ETag still matched
    assert_exactly_once(kiosk)


def test_a_rehearsals_settings_send_nothing_even_with_a_server_and_token(server, make_kiosk, server_ids):
    kiosk = make_kiosk(server.url, entries=3)
    client = SyncClient(kiosk.store, replace(kiosk.settings, demo_mode=True))

    report = client.run_once()

    assert not client.configured and not report.ok and "Demo mode" in report.error
    assert server_ids(kiosk.station.name) == []


def test_a_changed_config_is_downloaded_again(server, engine, make_kiosk):
    kiosk = make_kiosk(server.url)
    client = SyncClient(kiosk.store, kiosk.settings)
    client.run_once()

    set_setting(engine, "reset_seconds", 6.5, kiosk.station.name)
    report = client.run_once()

    assert report.config_changed
    assert json.loads(kiosk.store.get_meta("sync.server_config"))["settings"]["reset_seconds"] == 6.5


def test_entries_refused_for_good_move_to_the_rejected_table_with_the_reason(server, make_kiosk, server_ids):
    kiosk = make_kiosk(server.url, entries=3)
    nameless = replace(make_entry(10, station=kiosk.station.name), person_key="")
    foreign = make_entry(11, station="Cổng của trạm khác")
    kiosk.store.add_many([nameless, foreign])

    kiosk.store.add(make_entry(12, station=kiosk.station.name))  # shares a batch with the foreign one

    report = SyncClient(kiosk.store, kiosk.settings, batch_size=2).run_once()

    assert report.ok and report.accepted == 4 and report.rejected == 2 and report.waiting == 0
    reasons = {item.entry.id: item.reason for item in kiosk.store.rejected()}
    assert "person_key" in reasons[nameless.id]
    assert "another station" in reasons[foreign.id]
    assert set(server_ids(kiosk.station.name)) == kiosk.all_ids() - {nameless.id, foreign.id}


def test_an_entry_too_large_for_any_batch_is_found_and_rejected_alone(server, make_kiosk, server_ids):
    kiosk = make_kiosk(server.url, entries=9)
    giant = replace(make_entry(50, station=kiosk.station.name), fields={"photo": "x" * (5 * 1024 * 1024)})
    kiosk.store.add(giant)

    report = SyncClient(kiosk.store, kiosk.settings, batch_size=4).run_once()

    assert report.ok and report.accepted == 9 and report.rejected == 1
    assert [item.entry.id for item in kiosk.store.rejected()] == [giant.id]
    assert "larger than" in kiosk.store.rejected()[0].reason
    assert set(server_ids(kiosk.station.name)) == kiosk.all_ids() - {giant.id}


def test_every_verdict_the_door_logged_is_sent_refusals_included(server, fault_proxy, make_kiosk):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url)
    door = Station(kiosk.settings, kiosk.store)
    for text in [sample.text for sample in SAMPLE_PAYLOADS] + ["https://example.org/menu", "\x00garbled"]:
        door.check_text(text)
    logged = kiosk.store.entries()

    SyncClient(kiosk.store, kiosk.settings).run_once()

    assert {Outcome.ADMIT, Outcome.REFUSE} <= {entry.verdict for entry in logged}
    assert sorted(id for ids in proxy.uploaded for id in ids) == sorted(entry.id for entry in logged)
    assert kiosk.store.pending_count() == 0


def test_every_request_says_how_long_and_how_old_the_queue_is(server, fault_proxy, make_kiosk):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url, entries=3)  # the oldest scanned at factories.T0
    client = SyncClient(kiosk.store, kiosk.settings)
    proxy.plan("500")

    client.run_once()  # the upload fails; the configuration is still fetched
    while_waiting = list(proxy.requests)
    client.run_once()
    after_draining = proxy.requests[-1]

    assert [(seen.method, seen.path) for seen in while_waiting] == [("POST", "/api/v1/entries"),
                                                                      ("GET", "/api/v1/station/config")]
    assert all(seen.headers["X-Queue-Oldest"] == format_utc(T0) for seen in while_waiting)
    assert all(seen.headers["X-Queue-Length"] == "3" for seen in while_waiting)
    assert after_draining.path == "/api/v1/station/config"
    assert after_draining.headers["X-Queue-Oldest"] == "" and after_draining.headers["X-Queue-Length"] == "0"


def test_a_revoked_token_keeps_every_entry_queued_and_says_so(server, engine, fault_proxy, make_kiosk):
    proxy = fault_proxy(server.url)
    kiosk = make_kiosk(proxy.url, entries=5)
    revoke_station(engine, kiosk.station.name)

    report = SyncClient(kiosk.store, kiosk.settings).run_once()

    assert not report.ok and "token" in report.error
    assert kiosk.store.pending_count() == 5 and kiosk.store.rejected() == []
    assert [seen.method for seen in proxy.requests] == ["POST"]  # the download would be refused the same way


def test_an_unreachable_server_loses_nothing(make_kiosk, dead_server_url):
    kiosk = make_kiosk(dead_server_url, entries=4)

    report = SyncClient(kiosk.store, kiosk.settings, timeout=(2, 2)).run_once()

    assert not report.ok and "Cannot reach" in report.error and report.waiting == 4


def test_clock_skew_is_recorded_never_corrected(server, engine, make_kiosk, server_ids):
    kiosk = make_kiosk(server.url)
    ahead = dt.timedelta(hours=3)
    entry = make_entry(station=kiosk.station.name, at=NOW + ahead)
    kiosk.store.add(entry)

    SyncClient(kiosk.store, kiosk.settings, clock=lambda: dt.datetime.now(dt.timezone.utc) + ahead).run_once()

    with engine.connect() as conn:
        offset = conn.execute(sa.select(stations.c.clock_offset_seconds)
                              .where(stations.c.name == kiosk.station.name)).scalar()
    assert offset == pytest.approx(ahead.total_seconds(), abs=60)
    assert server_ids(kiosk.station.name) == [entry.id]


def test_the_worker_syncs_in_the_background_and_reports_its_status(server, make_kiosk, assert_exactly_once):
    kiosk = make_kiosk(server.url, entries=0)
    rounds = Rounds()
    worker = SyncWorker(SyncClient(kiosk.store, kiosk.settings), interval=3600, min_gap=0, on_round=rounds)
    assert worker.status().state is SyncState.NEVER
    worker.start()
    try:
        assert rounds.reach(1), "the sync worker did not finish a round"
        kiosk.store.add_many(make_entry(n, station=kiosk.station.name) for n in range(7))
        worker.wake()
        assert rounds.reach(2), "the sync worker did not finish a round"
        status = worker.status()
    finally:
        worker.stop(timeout=10)

    assert [report.accepted for report in rounds.reports[:2]] == [0, 7]
    assert status.state is SyncState.ONLINE and status.waiting == 0 and status.last_sync is not None
    at = f"{status.last_sync.astimezone(UTC):%H:%M}"
    assert describe(status, "en", UTC) == f"online — last sync {at}"
    assert describe(status, "vi", UTC) == f"Trực tuyến — đồng bộ lúc {at}"
    assert_exactly_once(kiosk)


def test_the_worker_backs_off_when_offline_and_the_status_says_how_many_wait(make_kiosk, dead_server_url):
    kiosk = make_kiosk(dead_server_url, entries=37)
    rounds = Rounds()
    worker = SyncWorker(SyncClient(kiosk.store, kiosk.settings, timeout=(1, 1)), interval=3600,
                        backoff=Backoff(base=3600), on_round=rounds)
    worker.start()
    try:
        assert rounds.reach(1), "the sync worker did not finish a round"
        worker.wake()  # a new scan must not cut the back-off short
        status = worker.status()
        assert not rounds.reach(2, seconds=0.5)
    finally:
        worker.stop(timeout=10)

    assert status.state is SyncState.OFFLINE and status.waiting == 37
    assert describe(status, "en") == "offline — 37 entries waiting" and "Cannot reach" in status.last_error
    assert describe(status, "vi") == "Ngoại tuyến — 37 lượt đang chờ gửi"


def test_backoff_grows_with_failures_and_keeps_jitter():
    backoff = Backoff(base=2, cap=60)
    samples = [backoff.delay(failures) for failures in (1, 2, 3, 10) for _ in range(200)]

    assert all(0 <= s <= 2 for s in samples[:200]) and all(0 <= s <= 60 for s in samples)
    assert max(samples[600:]) > 30 and len({round(s, 3) for s in samples[600:]}) > 100
    assert backoff.delay(1, floor=120) == 120  # the server's Retry-After wins when longer


def test_tls_certificates_are_verified(start_server, make_kiosk, tmp_path, monkeypatch, assert_exactly_once):
    tls = _self_signed_certificate(tmp_path)
    server = start_server(tls=tls)
    kiosk = make_kiosk(server.url, entries=3)

    untrusted = SyncClient(kiosk.store, kiosk.settings).run_once()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls[0]))  # the station trusts the site's own CA
    trusted = SyncClient(kiosk.store, kiosk.settings).run_once()

    assert not untrusted.ok and "certificate" in untrusted.error and untrusted.waiting == 3
    assert trusted.ok and trusted.accepted == 3
    assert_exactly_once(kiosk)


def test_kiosk_sync_once_says_what_happened(server, make_kiosk, kiosk_command, dead_server_url):
    kiosk = make_kiosk(server.url, entries=12)
    kiosk.store.add(replace(make_entry(99, station=kiosk.station.name), person_key=""))

    done = kiosk_command(kiosk, "sync", "--once")
    again = kiosk_command(kiosk, "sync", "--once", "--json")
    listed = kiosk_command(kiosk, "sync", "--rejected")
    kiosk.point_at(dead_server_url)
    kiosk.store.add(make_entry(100, station=kiosk.station.name))
    offline = kiosk_command(kiosk, "sync", "--once")

    assert done.returncode == 0, done.stderr
    assert "Sent 13 entries: 12 new on the server, 0 already there, 1 refused." in done.stdout
    assert json.loads(again.stdout) == {"ok": True, "accepted": 0, "duplicate": 0, "rejected": 0, "held": 0,
                                        "waiting": 0, "on_hold": 0, "config_changed": False, "error": None}
    assert "person_key" in listed.stdout
    assert offline.returncode == 1
    assert "Cannot reach the server" in offline.stdout and "1 entries waiting; nothing was lost." in offline.stdout


def _self_signed_certificate(folder) -> tuple:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_kiosk_sync_without_once_keeps_syncing_until_interrupted(server, make_kiosk, start_kiosk,
                                                                  assert_exactly_once):
    kiosk = make_kiosk(server.url, entries=25)
    syncing = start_kiosk(kiosk, "sync", "--interval", "3600")

    first_status = syncing.stdout.readline()  # printed when the first round is over
    syncing.send_signal(signal.SIGINT)
    syncing.communicate(timeout=30)

    last_sync = dt.datetime.fromisoformat(kiosk.store.get_meta(META_LAST_SYNC))
    assert first_status.strip() == f"Trực tuyến — đồng bộ lúc {last_sync.astimezone():%H:%M}"
    assert syncing.returncode == 0
    assert_exactly_once(kiosk)


@pytest.mark.parametrize("wait", [10, 0], ids=["joined", "not-waited-for"])
def test_a_stopped_worker_leaves_no_connection_open(open_connections, make_kiosk, wait):
    kiosk = make_kiosk(open_connections.url, entries=3)
    rounds = Rounds()
    worker = SyncWorker(SyncClient(kiosk.store, kiosk.settings), interval=3600, min_gap=0, on_round=rounds)
    worker.start()
    try:
        assert rounds.reach(1) and rounds.reports[0].accepted == 3
        kept_alive = open_connections.open
    finally:
        worker.stop(timeout=wait)  # the window does not wait: its worker closes when its round is over

    assert kept_alive >= 1
    assert open_connections.settles_at(0)


def test_a_client_closes_the_connections_it_opened_but_not_a_session_it_was_handed(open_connections,
                                                                                    make_kiosk):
    kiosk = make_kiosk(open_connections.url, entries=2)
    with SyncClient(kiosk.store, kiosk.settings) as client:
        assert client.run_once().accepted == 2
    closed_by_its_owner = open_connections.settles_at(0)
    shared = requests.Session()
    with SyncClient(kiosk.store, kiosk.settings, session=shared) as client:
        assert client.run_once().ok
    kept_for_the_caller = open_connections.settles_at(1, seconds=0.5)
    shared.close()

    assert closed_by_its_owner and kept_for_the_caller and open_connections.settles_at(0)
