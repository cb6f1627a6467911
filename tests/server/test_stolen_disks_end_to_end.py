"""Both disks stolen after a day at the door, and what the health authority reads.

A scripted day of made-up visitors (every format; camera images and the handheld scanner; a guard's manual
entry; an exit door) through real Stations on real SQLite files, synced to a real server process on SQLite
and on PostgreSQL that has the authority's published key. Then every byte of each kiosk's data folder, of
the server's database (its SQLite file, or a pg_dump), its data folder and its log is searched for each
visitor's name (NFC and NFD, with and without diacritics, any case), ID numbers, phone and birth date: no
hit. Finally the authority's key, given to a trace, reveals the contacts that trace returns and no one else,
and the unsealing is in the audit.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from authority_cli import authority_cli
from disk_search import MO, found_in, found_in_bytes
from kiosk.credentials.examples import AN, BINH, CUONG
from kiosk.credentials.signed_examples import demo_trust
from kiosk.settings import Settings, save_settings
from kiosk.station import Station
from kiosk.station_config import load_station_config
from kiosk.store import Store
from kiosk.sync import SyncClient
from personal_data import pg_dump_bytes
from processes import ServerProcess
from server.database import make_engine, migrate
from server.stations import add_station
from server.tables import unseal_audit
from visitor_day import Clock, scripted_day

pytestmark = pytest.mark.slow  # real server processes, on SQLite and PostgreSQL

HALL = "Bệnh viện Đa khoa – sảnh chờ"
CASE = "CA-2026-0117"
ELSEWHERE = ("Hồ Văn Tư", "0978123456", "001066000777")  # at another location the same morning: no contact


@dataclasses.dataclass
class Door:
    settings: Settings
    folder: Path
    store: Store

    def station(self, clock: Clock) -> Station:
        config = load_station_config(self.store)
        # The made-up signed samples (EU certificate, declaration) are signed with the demo's keys.
        config = dataclasses.replace(config, trust=config.trust.merged(demo_trust()))
        return Station(self.settings, self.store, clock=clock, config=config)

    def sync(self, clock: Clock) -> None:
        report = SyncClient(self.store, self.settings, clock=clock).run_once()
        assert report.ok and report.rejected == 0, report
        assert self.store.pending_count() == 0


@pytest.fixture
def server_folders(tmp_path, monkeypatch) -> dict[str, str]:
    folders = {"KIOSK_SERVER_DATA_DIR": str(tmp_path / "server-data"),
               "KIOSK_SERVER_KEYS_DIR": str(tmp_path / "server-keys")}  # outside the database's folder
    for name, value in folders.items():
        monkeypatch.setenv(name, value)
    return folders


def test_after_a_day_neither_disk_names_anyone_and_the_authority_reads_exactly_the_contacts(
        fresh_database_url, server_folders, tmp_path):
    engine = make_engine(fresh_database_url)
    migrate(engine)
    authority = tmp_path / "authority"  # the health authority's own machine
    for command in (("authority", "keygen", "--out", authority), ("authority", "publish", authority / "authority.pub")):
        done = authority_cli(fresh_database_url, Path(server_folders["KIOSK_SERVER_DATA_DIR"]), *command,
                             env=server_folders)
        assert done.returncode == 0, done.stderr
    server = ServerProcess(fresh_database_url, tmp_path / "server.log", server_folders).start()
    clock = Clock()
    log_file = logging.FileHandler(tmp_path / "kiosks.log", encoding="utf-8")
    logging.getLogger().addHandler(log_file)
    logging.getLogger().setLevel(logging.DEBUG)
    doors: list[Door] = []
    try:
        for name, location, direction in (("Cổng A", HALL, "in"), ("Lối ra", HALL, "out"),
                                          ("Khoa Nhi", "Khoa Nhi – tầng 2", "in")):
            _, token = add_station(engine, name, location)
            folder = tmp_path / f"kiosk-{len(doors)}"
            settings = Settings(station_name=name, location=location, direction=direction, dedup_minutes=0,
                                server_url=server.url, server_token=token, database=str(folder / "entries.sqlite3"))
            save_settings(settings, folder / "settings.toml")
            doors.append(Door(settings, folder, Store.open(folder / "entries.sqlite3")))
        for door in doors:
            door.sync(clock)  # the first round brings the authority's key set, which the kiosk pins
            assert load_station_config(door.store).authority_keys is not None
        entrance, exit_door, elsewhere = doors
        (tmp_path / "frames").mkdir()
        day = scripted_day(entrance.station(clock), exit_door.station(clock), clock, tmp_path / "frames")
        elsewhere.station(clock).check_manual(*ELSEWHERE)
        for door in doors:
            door.sync(clock)
    finally:
        for door in doors:
            door.store.close()
        logging.getLogger().removeHandler(log_file)
        log_file.close()
        server.stop()

    hits = [hit for door in doors for hit in found_in(door.folder)]
    hits += found_in_bytes((tmp_path / "kiosks.log").read_bytes(), "kiosks.log")
    hits += found_in(Path(server_folders["KIOSK_SERVER_DATA_DIR"]))
    hits += found_in_bytes((tmp_path / "server.log").read_bytes(), "server.log")
    hits += found_in_bytes(_database_bytes(fresh_database_url), "database")
    assert hits == []
    assert not any(ELSEWHERE[0].encode() in data or ELSEWHERE[2].encode() in data
                   for data in (_database_bytes(fresh_database_url), (tmp_path / "server.log").read_bytes()))

    masked = authority_cli(fresh_database_url, Path(server_folders["KIOSK_SERVER_DATA_DIR"]), "trace",
                           AN.id_number, "--case", CASE, "--json", env=server_folders)
    revealed = authority_cli(fresh_database_url, Path(server_folders["KIOSK_SERVER_DATA_DIR"]), "trace",
                             AN.id_number, "--case", CASE, "--json", "--key", authority / "authority.key",
                             "--as", "Sở Y tế – đội truy vết", env=server_folders)
    assert masked.returncode == 0 and revealed.returncode == 0, masked.stderr + revealed.stderr
    contacts = [json.loads(line)["contact"] for line in revealed.stdout.splitlines()[1:]]
    assert [found_in_bytes(masked.stdout.encode(), "masked trace")] == [[]]
    opened = [contact["revealed"] for contact in contacts]
    assert {reading["status"] for reading in opened} == {"opened"}
    names = {reading["fields"]["name"] for reading in opened}
    visitors_in_the_hall = {entry.fields.get("name") for entry in day if entry.person_key} - {None}
    assert {BINH.full_name, CUONG.full_name, MO.full_name} <= names <= visitors_in_the_hall
    # Not the case's own entries (her health-insurance card is another key: a contact, as the trace says)
    case_keys = {f"cccd:{AN.id_number}", f"qid:{AN.qid}"}
    assert not {reading["person_key"] for reading in opened} & case_keys
    assert ELSEWHERE[0] not in revealed.stdout  # and no one the trace did not return
    with engine.connect() as conn:
        [audit] = conn.execute(sa.select(unseal_audit)).all()
    engine.dispose()
    assert audit.case_number == CASE and audit.unsealed_by == "Sở Y tế – đội truy vết"
    assert 0 < audit.count == len(set(audit.entry_ids)) <= len(contacts)  # a line per overlap with a case visit


def _database_bytes(url: str) -> bytes:
    if url.startswith("sqlite"):
        path = Path(urlsplit(url).path)
        return b"\0".join(file.read_bytes() for file in sorted(path.parent.glob(path.name + "*")))
    return pg_dump_bytes(url)
