"""Kiosks of both versions upload to a real server on SQLite and PostgreSQL: a new kiosk's entries sealed at
the door (and one it could not seal, sent in clear for the server to seal), a previous-version kiosk's clear
entries as its wire had them (no linked_key, sealed or sealed_kid). Afterwards the database (the SQLite file,
a pg_dump), the server's data folder and its log hold no visitor's name, ID number, phone or birth date; the
authority's key opens every entry; a trace by ID number still finds the visits and the contacts, through the
links of both versions."""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from factories import make_entry
from kiosk.contract import Direction
from kiosk.sealing.authority import generate_private_key
from kiosk.sealing.kept import kept_fields, sealed_content
from kiosk.sealing.seal import Sealed, open_entry, seal_entry
from kiosk.sealing.tags import tagged_key
from kiosk.sealing.weeks import week_of
from personal_data import date_forms, folder_bytes, found_in, name_forms, pg_dump_bytes, sqlite_bytes
from server.authority_keys import store_key_set
from server.secret_keys import secret
from server.tables import entries, stations
from server.tracing.query import run_trace

pytestmark = pytest.mark.slow  # a real server process, on SQLite and PostgreSQL

T = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
HALL = "Bệnh viện Đa khoa – sảnh B"


@dataclasses.dataclass(frozen=True)
class Visitor:
    key: str
    format: str
    name: str
    phone: str
    birth_date: str = ""
    number: str = ""  # an ID number the fields name besides the key (a national QR code shown unmasked)
    extra: tuple[str, ...] = ()  # family members on the card: never kept

    @property
    def fields(self) -> dict:
        fields = {"name": self.name, "phone": self.phone}
        fields |= {"birth_date": self.birth_date} if self.birth_date else {}
        fields |= {"id_number": self.number, "id_number_masked": False} if self.number else {}
        return fields | ({"extra": {"family": list(self.extra)}} if self.extra else {})

    @property
    def linked_key(self) -> str:
        return f"cccd:{self.number}" if self.number else ""


MO = Visitor("cccd:001099012345", "cccd", "Trần Thị Mơ", "0912345678", "1999-04-15", extra=("Phạm Quốc Bảo",))
DUC = Visitor("qid:162900000000000077", "vn-qr", "Nguyễn Văn Đức", "0987654321", "1988-11-02", "001088054321")
HA = Visitor("bhyt:0123456789", "bhyt", "Vũ Thu Hà", "0933444555", "2001-12-24")
YEN = Visitor("phone:0903111222", "manual", "Lê Hoàng Yến", "0903111222")
KHOA = Visitor("qid:162900000000000088", "vn-qr", "Đặng Minh Khoa", "0977000111", "1977-03-03", "001077000111",
               extra=("Đặng Thị Lan",))


def _scan(station: str, visitor: Visitor, minutes: float, direction: Direction = Direction.IN):
    entry = make_entry(at=T + timedelta(minutes=minutes), person=visitor.key, station=station, direction=direction)
    return dataclasses.replace(entry, format=visitor.format, display_name="N. V. Đ.", fields=visitor.fields)


def _new_kiosk_wire(entry, visitor: Visitor, key_set) -> dict:
    """What a kiosk of this version sends: fields sealed at the door, or in clear when it has no key."""
    wire = entry.to_json() | {"linked_key": visitor.linked_key, "sealed": "", "sealed_kid": ""}
    if key_set is None:
        return wire
    content = sealed_content(entry.format, entry.person_key, visitor.linked_key, entry.fields)
    sealed = seal_entry(content, key_set, entry.scanned_at, entry.id)
    return wire | {"fields": {}, "sealed": base64.b64encode(sealed.box).decode(), "sealed_kid": sealed.kid}


def _needles() -> set[bytes]:
    needles = set()
    for visitor in (MO, DUC, HA, YEN, KHOA):
        needles |= name_forms(visitor.name) | {visitor.phone.encode(), visitor.key.split(":")[1].encode()}
        needles |= {visitor.number.encode()} if visitor.number else set()
        needles |= date_forms(visitor.birth_date) if visitor.birth_date else set()
        needles |= {form for family in visitor.extra for form in name_forms(family)}
    return needles


def test_what_kiosks_of_both_versions_upload_names_no_one_and_still_traces(
        database_url, engine, start_server, new_station, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch):
    data_dir = tmp_path / "server-data"
    monkeypatch.setenv("KIOSK_SERVER_DATA_DIR", str(data_dir))  # this process tags and traces as the server
    authority = generate_private_key(week_of(T - timedelta(days=7)))
    key_set = authority.key_set(T - timedelta(days=7), 3)
    store_key_set(key_set)
    server = start_server(env={"KIOSK_SERVER_DATA_DIR": str(data_dir)})

    new_door = new_station(location=HALL)
    sent = {  # entry id → (visitor, entry)
        e.id: (v, e) for v, e in [
            (MO, _scan(new_door.name, MO, 0)), (MO, _scan(new_door.name, MO, 60, Direction.OUT)),
            (DUC, _scan(new_door.name, DUC, 10)), (HA, _scan(new_door.name, HA, 40))]}
    wire = [_new_kiosk_wire(e, v, None if v is HA else key_set) for v, e in sent.values()]
    answer = requests.post(f"{server.url}/api/v1/entries", json={"entries": wire},
                           headers={"Authorization": f"Bearer {new_door.token}"}, timeout=30)
    assert answer.status_code == 200 and answer.json()["accepted"] == 4, answer.text

    old_door = new_station(location=HALL)  # a kiosk of the previous version: no linked_key, sealed, sealed_kid
    old_wire = []
    for visitor, minutes in ((YEN, 20), (KHOA, 30)):
        entry = _scan(old_door.name, visitor, minutes)
        sent[entry.id] = (visitor, entry)
        old_wire.append({key: value for key, value in entry.to_json().items()
                         if key not in ("linked_key", "sealed", "sealed_kid")})
    answer = requests.post(f"{server.url}/api/v1/entries", json={"entries": old_wire},
                           headers={"Authorization": f"Bearer {old_door.token}"}, timeout=30)
    assert answer.status_code == 200 and answer.json()["accepted"] == 2, answer.text

    tag = secret("person-tag")
    with engine.connect() as conn:
        stored = {str(row.id): row for row in conn.execute(
            sa.select(entries).join(stations, stations.c.id == entries.c.station_id)
            .where(stations.c.name.in_([new_door.name, old_door.name])))}
    assert set(stored) == set(sent)
    for entry_id, (visitor, entry) in sent.items():
        row = stored[entry_id]
        assert row.person_key == tagged_key(tag, visitor.key)
        assert row.linked_key == (tagged_key(tag, visitor.linked_key) if visitor.number else None)
        content = open_entry(Sealed(row.sealed_kid, row.sealed), authority, entry_id)
        assert (content["person_key"], content["linked_key"]) == (visitor.key, visitor.linked_key)
        assert content["fields"] == kept_fields(visitor.format, visitor.fields)
        assert "extra" not in content["fields"]

    dump = pg_dump_bytes(database_url) if engine.dialect.name == "postgresql" else sqlite_bytes(
        Path(engine.url.database))
    assert found_in(dump, _needles()) == set()
    assert found_in(folder_bytes(data_dir), _needles()) == set()
    assert found_in(server.log_path.read_bytes(), _needles()) == set()

    case = run_trace(engine, "001099012345", asked_by="an", role="tracer", via="cli", case_number="HC-11")
    assert [visit.entry_id for visit in case.case_visits] == [next(
        e.id for v, e in sent.values() if v is MO and e.direction is Direction.IN)]
    assert {c.person_key for c in case.contacts.contacts} == {tagged_key(tag, v.key) for v in (DUC, HA, YEN, KHOA)}
    for visitor in (DUC, KHOA):  # linked by a new kiosk's linked_key, by an old kiosk's fields
        found = run_trace(engine, visitor.number, asked_by="an", role="tracer", via="cli", case_number="HC-11")
        assert [visit.person_key for visit in found.case_visits] == [tagged_key(tag, visitor.key)]
        assert tagged_key(tag, MO.key) in {c.person_key for c in found.contacts.contacts}
