"""A stolen kiosk disk names no one: a scripted day of made-up visitors (every format, camera images, a
handheld scanner, a guard's manual entry, an exit door, a trace, an export, the log) through a real Station
on a real SQLite file, then every byte of the data folder searched for each visitor's name, numbers and
birth date. The health authority's private key, and only it, opens what was sealed; entries scanned before a
key arrived are sealed at upload, or sent for the server to seal."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import threading
import unicodedata
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from disk_search import MO, found_in
from factories import uploaded
from kiosk.credentials.examples import AN, BINH, CUONG, cccd_payload, vnqr_payload
from kiosk.credentials.signed_examples import demo_trust
from kiosk.entry import Entry, utc_now
from kiosk.export import export_csv
from kiosk.person_seal import PersonSeal
from kiosk.sealing.authority import AuthorityPrivateKey, generate_private_key
from kiosk.sealing.kept import kept_fields
from kiosk.sealing.seal import LOCAL_KID, Sealed, open_entry
from kiosk.secret_store import StationKeys
from kiosk.settings import Settings, data_dir, save_settings
from kiosk.station import Station
from kiosk.station_config import StationConfig
from kiosk.store import Store
from kiosk.sync import SyncClient
from kiosk.sync.protocol import CONFIG_PATH, ENTRIES_PATH
from kiosk.trace_here import trace_here
from visitor_day import Clock, scripted_day


def test_the_search_finds_a_visitor_however_the_file_spells_them(tmp_path):
    """The search below is only worth its zero hits if it finds what is there."""
    (tmp_path / "card.txt").write_bytes(cccd_payload(BINH, nfd=True).lower().encode("utf-8"))
    (tmp_path / "qr.txt").write_text(vnqr_payload(AN), encoding="utf-16-le")
    hits = found_in(tmp_path)
    assert "card.txt: name 'trần thị bình'" in [hit.replace(unicodedata.normalize("NFD", "trần thị bình"),
                                                            "trần thị bình") for hit in hits]
    assert f"card.txt: {BINH.id_number}" in hits and "card.txt: 04071985" in hits
    assert "qr.txt: name 'NGUYEN VAN AN' as UTF-16" in hits


@pytest.fixture(scope="module")
def authority() -> AuthorityPrivateKey:
    return generate_private_key()


def opened(entry: Entry, authority: AuthorityPrivateKey) -> dict[str, Any]:
    return open_entry(Sealed(entry.sealed_kid, base64.b64decode(entry.sealed)), authority, entry.id)


def as_json(values: Any) -> Any:
    return json.loads(json.dumps(values, ensure_ascii=False))


def test_a_stolen_kiosk_data_folder_names_no_visitor_and_the_authority_reads_each_entry(tmp_path, authority):
    folder = data_dir()
    folder.mkdir(parents=True)
    clock = Clock()
    key_set = authority.key_set(utc_now(), 2)  # from this week; what came before seals to its first week
    config = StationConfig(trust=demo_trust(), authority_keys=key_set)
    save_settings(Settings(station_name="Cổng A", location="Sảnh chờ"), folder / "settings.toml")
    log_file = logging.FileHandler(folder / "kiosk.log", encoding="utf-8")
    logging.getLogger().addHandler(log_file)
    logging.getLogger().setLevel(logging.DEBUG)
    frames = tmp_path / "frames"
    frames.mkdir()
    try:
        with Store.open(folder / "entries.sqlite3") as store:
            settings = Settings(station_name="Cổng A", location="Sảnh chờ", dedup_minutes=0)
            entrance = Station(settings, store, clock=clock, config=config)
            exit_door = Station(settings.replace(station_name="Lối ra", direction="out"), store, clock=clock,
                                config=config)
            door_entries = scripted_day(entrance, exit_door, clock, frames)
            trace = trace_here(store, Settings(), AN.id_number, who="admin", reason="CA-2026-0117", now=clock.now)
            assert trace.contacts.total > 0
            export_csv(store, folder / "export.csv", who="admin")
            stored = {entry.id: entry for entry in store.entries()}
            store.purge(clock.now - timedelta(days=28))
    finally:
        logging.getLogger().removeHandler(log_file)
        log_file.close()

    assert found_in(folder) == []
    assert {path.name for path in folder.iterdir()} >= {"entries.sqlite3", "kiosk.log", "settings.toml",
                                                        "export.csv"}
    assert set(stored) == {entry.id for entry in door_entries}
    for door in door_entries:
        entry = stored[door.id]
        assert entry.fields == {}
        if not door.person_key:  # a code with no person behind it: nothing to seal
            assert (entry.person_key, entry.sealed, entry.sealed_kid) == ("", "", "")
            continue
        assert entry.sealed_kid.startswith(key_set.key_id + "/")
        content = opened(entry, authority)
        assert (content["person_key"], content["fields"]) == \
            (door.person_key, as_json(kept_fields(door.format, door.fields)))
    mo = next(door for door in door_entries if door.format == "manual")
    assert opened(stored[mo.id], authority)["fields"]["name"] == MO.full_name


def test_entries_scanned_before_any_authority_key_are_boxed_and_sealed_at_upload_once_one_arrived(
        tmp_path, authority):
    clock = Clock()
    with Store.open(tmp_path / "entries.sqlite3") as store:
        entrance = Station(Settings(station_name="Cổng A", dedup_minutes=0), store, clock=clock)
        door = entrance.check_text(vnqr_payload(AN)).entry
        [entry] = store.entries()
        assert entry.sealed_kid == LOCAL_KID and entry.person_key == store.seal.tag(f"qid:{AN.qid}")
        assert found_in(tmp_path) == []

        # No key yet: the kept fields go in clear, for the server to seal on arrival.
        early = uploaded(store, entry)
        assert (early.person_key, early.linked_key) == (f"qid:{AN.qid}", f"cccd:{AN.id_number}")
        assert (early.sealed, early.sealed_kid) == ("", "") and early.fields["name"] == AN.ascii_name

        # The server's config brings the authority's keys: the box is sealed to the week of the scan.
        key_set = authority.key_set(utc_now(), 2)
        entrance.reconfigure(StationConfig(authority_keys=key_set))
        late = uploaded(store, entry)
        assert late.fields == {} and late.sealed_kid == \
            f"{key_set.key_id}/{key_set.key_for(entry.scanned_at).week}"
        assert opened(late, authority)["fields"] == as_json(kept_fields(door.format, door.fields))
        # From now on the door seals at once.
        later = entrance.check_text(vnqr_payload(BINH)).entry
        assert store.get(later.id).sealed_kid != LOCAL_KID


class RecordingServer(ThreadingHTTPServer):
    """A check-in server on 127.0.0.1 that takes every entry and keeps what it was sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: RecordingServer

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        assert self.path == ENTRIES_PATH
        body = json.loads(gzip.decompress(self.rfile.read(int(self.headers["Content-Length"]))))
        self.server.received += body["entries"]
        self._answer(200, {"results": [{"id": entry["id"], "status": "accepted"} for entry in body["entries"]]})

    def do_GET(self) -> None:  # noqa: N802
        assert self.path == CONFIG_PATH
        self._answer(200, {"settings": {}})

    def _answer(self, status: int, document: dict[str, Any]) -> None:
        data = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    running = RecordingServer()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def test_the_upload_sends_clear_keys_and_sealed_fields_and_a_refusal_with_neither(tmp_path, authority, server):
    clock = Clock()
    settings = Settings(station_name="Cổng A", server_url=server.url, server_token="door-a", dedup_minutes=0)
    with Store.open(tmp_path / "entries.sqlite3") as store:
        entrance = Station(settings, store, clock=clock)
        boxed = entrance.check_text(cccd_payload(CUONG, extra_fields=2)).entry  # before any key
        entrance.reconfigure(StationConfig(authority_keys=authority.key_set(utc_now(), 2)))
        clock.advance(5)
        sealed = entrance.check_text(vnqr_payload(AN)).entry
        refused = entrance.check_text("https://example.org/menu").entry
        report = SyncClient(store, settings, clock=clock).run_once()
        assert report.ok and report.accepted == 3 and store.pending_count() == 0
    sent = {entry["id"]: entry for entry in server.received}
    assert list(sent[sealed.id]) == list(Entry.__dataclass_fields__)  # the wire, in kiosk.contract's order
    for door in (boxed, sealed):
        wire = sent[door.id]
        assert (wire["person_key"], wire["fields"]) == (door.person_key, {})
        content = open_entry(Sealed(wire["sealed_kid"], base64.b64decode(wire["sealed"])), authority, door.id)
        assert content["fields"] == as_json(kept_fields(door.format, door.fields))
        assert "extra" not in content["fields"]  # the 2024 card's family members stay at the door
    assert sent[sealed.id]["linked_key"] == f"cccd:{AN.id_number}"
    assert {key: sent[refused.id][key] for key in ("person_key", "linked_key", "sealed", "sealed_kid", "fields")} \
        == {"person_key": "", "linked_key": "", "sealed": "", "sealed_kid": "", "fields": {}}


def test_an_entry_whose_boxes_this_kiosk_cannot_open_is_set_aside_and_the_others_are_sent(tmp_path, server):
    """A replaced station secret (a reinstalled user profile) cannot open the boxes of the entries written
    before: they are rejected on the kiosk, with why, and the queue goes on."""
    clock = Clock()
    settings = Settings(station_name="Cổng A", server_url=server.url, server_token="door-a", dedup_minutes=0)
    path = tmp_path / "entries.sqlite3"
    with Store.open(path) as store:
        before = Station(settings, store, clock=clock).check_text(vnqr_payload(AN)).entry
    with Store.open(path, seal=PersonSeal(StationKeys.from_secret(b"\x05" * 32))) as store:
        clock.advance(5)
        after = Station(settings, store, clock=clock).check_text(vnqr_payload(BINH)).entry
        report = SyncClient(store, settings, clock=clock).run_once()
        [rejected] = store.rejected()
    assert (report.accepted, report.rejected) == (1, 1)
    assert rejected.entry.id == before.id and "station secret was replaced" in rejected.reason
    assert [entry["id"] for entry in server.received] == [after.id]
