"""Where the declarations' signing keyring lives (owner-only, in the keys directory, moved there from the
data directory) and what the ledger keeps of a declaration: a tag, and its content sealed to the authority."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone

import sqlalchemy as sa

from kiosk.sealing.authority import generate_private_key
from kiosk.sealing.seal import Sealed, open_entry
from server.authority_keys import store_key_set
from server.declarations import DeclarationService
from server.declarations.issuing import KEYRING_FILE
from server.declarations.ledger import sealed_id
from server.tables import issued_declarations

ANSWERS = {"sym": "no", "con": "no", "pos": "no"}
NAME, PHONE, ID_NUMBER = "Trần Thị Mơ", "0987654321", "001199054321"


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_keyring_is_owner_only_and_one_others_can_read_is_tightened(tmp_path, engine, monkeypatch):
    monkeypatch.delenv("KIOSK_SERVER_KEYS_DIR", raising=False)
    service = DeclarationService(tmp_path / "data", engine=engine)
    kid = service.keyring().signing_key().kid
    created = mode(service.keyring_path)
    os.chmod(service.keyring_path, 0o644)

    again = DeclarationService(tmp_path / "data", engine=engine).keyring().signing_key().kid

    assert created == 0o600
    assert mode(service.keyring_path) == 0o600 and again == kid


def test_the_keys_directory_can_be_outside_the_data_directory_and_an_older_keyring_moves_there(
        tmp_path, engine, monkeypatch):
    data, keys = tmp_path / "data", tmp_path / "elsewhere" / "keys"
    monkeypatch.delenv("KIOSK_SERVER_KEYS_DIR", raising=False)
    older = DeclarationService(data, engine=engine)
    older.issue(NAME, PHONE, ID_NUMBER, ANSWERS)  # an older server: keyring and tag secret in the data dir
    kid = older.keyring().signing_key().kid
    os.chmod(data / KEYRING_FILE, 0o644)
    monkeypatch.setenv("KIOSK_SERVER_KEYS_DIR", str(keys))

    newer = DeclarationService(data, engine=engine)
    moved_kid = newer.keyring().signing_key().kid
    fresh = DeclarationService(tmp_path / "other-data", engine=engine)
    fresh.issue(NAME, PHONE, "001099012345", ANSWERS)

    assert newer.keyring_path == keys / KEYRING_FILE and moved_kid == kid
    assert not (data / KEYRING_FILE).exists() and mode(keys / KEYRING_FILE) == 0o600
    assert (keys / "declaration_person_secret").exists()
    assert not (tmp_path / "other-data" / KEYRING_FILE).exists()
    assert not (tmp_path / "other-data" / "declaration_person_secret").exists()


def test_a_declaration_is_kept_sealed_to_the_authority_and_found_by_its_tag(tmp_path, engine, monkeypatch):
    monkeypatch.delenv("KIOSK_SERVER_KEYS_DIR", raising=False)
    authority = generate_private_key()
    unsealed = DeclarationService(tmp_path / "before", engine=engine).issue(NAME, PHONE, ID_NUMBER, ANSWERS)
    store_key_set(authority.key_set(datetime.now(timezone.utc), 2), tmp_path / "data")
    service = DeclarationService(tmp_path / "data", engine=engine)

    issued = service.issue(NAME, PHONE, ID_NUMBER, ANSWERS)

    with engine.connect() as conn:
        rows = {row.cti: row for row in conn.execute(sa.select(issued_declarations).where(
            issued_declarations.c.cti.in_([issued.cti.hex(), unsealed.cti.hex()])))}
    row = rows[issued.cti.hex()]
    content = open_entry(Sealed(row.sealed_kid, row.sealed), authority, sealed_id(issued.cti))
    assert content["format"] == "hd1" and content["person_key"] == f"cccd:{ID_NUMBER}"
    assert {k: content["fields"][k] for k in ("name", "phone", "id_number", "answers")} == {
        "name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "answers": {"sym": False, "con": False, "pos": False}}
    assert rows[unsealed.cti.hex()].sealed is None  # no authority key then: nothing of it kept but the tag
    assert [record.cti for record in service.issued_for(ID_NUMBER)] == [issued.cti]
    with engine.connect() as conn:
        stored = "\n".join(repr(tuple(r)) for r in conn.execute(sa.select(issued_declarations)))
    for clear in (NAME, PHONE, ID_NUMBER):
        assert clear not in stored
