"""The served application carries the declaration page, and kiosks receive the keys to verify what it issues."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from kiosk.credentials import parse
from kiosk.credentials.base import Credential, ParseContext
from kiosk.station_config import StationConfig
from processes import REPO
from server.declarations import DeclarationService

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL


def test_a_declaration_issued_for_the_server_verifies_with_the_config_a_kiosk_downloads(server, new_station, engine):
    # The reception desk's `kiosk-server issue` uses the same keyring and database as the running server.
    issued = DeclarationService(Path(os.environ["KIOSK_SERVER_DATA_DIR"]), engine=engine).issue(
        "Phạm Minh Đức", "0900000000", "001200012345", {"sym": "no", "con": "no", "pos": "no"})
    station = new_station()
    answer = requests.get(f"{server.url}/api/v1/station/config",
                          headers={"Authorization": f"Bearer {station.token}"}, timeout=30)
    assert answer.status_code == 200
    document = answer.json()
    assert document["declaration_keys"] and "health_rules" in document
    credential = parse(issued.text, ParseContext(trust=StationConfig.from_document(document).trust))
    assert isinstance(credential, Credential) and credential.fields["signature"] == "valid"


def test_the_public_declaration_page_is_served_in_both_languages(server):
    for lang in ("vi", "en"):
        page = requests.get(f"{server.url}/declare", params={"lang": lang}, timeout=30)
        assert page.status_code == 200 and "<form" in page.text


FORM = {"phone": "0934567890", "answers": {"sym": "no", "con": "no", "pos": "no"}}


def test_revoking_a_person_reaches_the_kiosks_and_leaves_the_others(server, new_station, database_url):
    issued = []
    for name, id_number in (("Phạm Thị Dung", "001199011111"), ("Phạm Thị Dung", "001199011111"),
                            ("Lý Văn Em", "001199022222")):
        answer = requests.post(f"{server.url}/declare", json={**FORM, "name": name, "id_number": id_number},
                               timeout=30)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
        issued.append(bytes.fromhex(answer.json()["declaration_id"]))
    revoke = subprocess.run([sys.executable, "-m", "server", "--db", database_url, "declaration-revoke",
                             "--person", "001199011111"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert revoke.returncode == 0, revoke.stderr
    station = new_station()
    document = requests.get(f"{server.url}/api/v1/station/config",
                            headers={"Authorization": f"Bearer {station.token}"}, timeout=30).json()
    # The data directory (and so the revocation list) is shared by the whole session: other tests add to it.
    revoked = set(document["revoked_declarations"])
    first, second, other = (base64.b64encode(cti).decode() for cti in issued)
    assert {first, second} <= revoked and other not in revoked
