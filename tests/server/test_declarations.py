"""Issuing declarations on the server and verifying them at a kiosk with what the station config carries."""

from __future__ import annotations

import argparse
import base64
import io
import json
import socket
import stat
import threading
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import uvicorn
import zxingcpp
from fastapi import FastAPI
from PIL import Image

from kiosk.credentials import hd1
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.health_rules import HealthRules, evaluate
from kiosk.trust import TrustList
from kiosk.verdict import Outcome
from server.declarations import DeclarationService, DeclarationSettings, register, router, station_config_fragment
from server.declarations.issuing import DeclarationInputError
from server.declarations.keyring import KeyringError

START = datetime(2021, 9, 20, 8, 0, tzinfo=timezone.utc)
ANSWERS = {"sym": "no", "con": "no", "pos": "no"}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(tmp_path, clock):
    return DeclarationService(tmp_path / "data", DeclarationSettings(), clock)


def kiosk_reads(text: str, service: DeclarationService, at: datetime) -> Credential | Refusal:
    """What a kiosk makes of a code, given only the station config it downloaded (as JSON)."""
    fragment = json.loads(json.dumps(service.station_config_fragment()))
    return hd1.PARSER.parse(text, ParseContext(now=at, trust=TrustList.from_station_config(fragment)))


def qr_text(png: bytes) -> str:
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


def test_issued_declaration_verifies_at_the_kiosk(service, clock):
    issued = service.issue("Nguyễn Văn An", "0912 345 678", "001099012345", ANSWERS)
    credential = kiosk_reads(qr_text(issued.png()), service, clock.now + timedelta(minutes=5))
    assert credential.fields["signature"] == "valid"
    assert credential.fields["phone"] == "0912345678"
    assert evaluate(credential, HealthRules(), clock.now)[0] is Outcome.ADMIT
    assert "<svg" in issued.svg()


def test_keyring_is_private_to_the_owner_and_survives_a_restart(service, tmp_path, clock):
    service.issue("Nguyễn Văn An", "0912345678", "001099012345", ANSWERS)
    mode = stat.S_IMODE(service.keyring_path.stat().st_mode)
    assert mode == 0o600
    again = DeclarationService(tmp_path / "data", clock=clock)
    assert again.keyring().signing_key().kid == service.keyring().signing_key().kid


def test_damaged_keyring_gives_a_plain_message(service):
    service.keyring_path.parent.mkdir(parents=True)
    service.keyring_path.write_text("{")
    with pytest.raises(KeyringError, match="damaged"):
        service.keyring()


def test_rotation_keeps_old_declarations_valid_for_the_overlap(service, clock):
    old = service.issue("Nguyễn Văn An", "0912345678", "001099012345", ANSWERS)
    clock.now += timedelta(hours=1)
    new_kid = service.rotate()
    new = service.issue("Trần Thị Bình", "0987654321", "001199054321", ANSWERS)
    assert new.kid == new_kid != old.kid
    assert kiosk_reads(old.text, service, clock.now).fields["signature"] == "valid"
    assert kiosk_reads(new.text, service, clock.now).fields["signature"] == "valid"
    clock.now += DeclarationSettings().overlap + timedelta(minutes=1)
    assert [k["kid"] for k in service.station_config_fragment()["declaration_keys"]] == \
        [base64.b64encode(new_kid).decode()]


def test_revoked_declaration_is_refused_after_the_next_sync(service, clock):
    issued = service.issue("Nguyễn Văn An", "0912345678", "001099012345", ANSWERS)
    assert isinstance(kiosk_reads(issued.text, service, clock.now), Credential)
    service.revoke(issued.cti)
    refusal = kiosk_reads(issued.text, service, clock.now)
    assert isinstance(refusal, Refusal) and refusal.reason.code == "hd1.revoked"
    clock.now += DeclarationSettings().lifetime + timedelta(minutes=1)
    assert service.station_config_fragment()["revoked_declarations"] == []


def test_bad_input_names_every_field_to_fix(service):
    with pytest.raises(DeclarationInputError) as caught:
        service.issue("  ", "12345", "abc", {"sym": "no"})
    assert set(caught.value.problems) == {"name", "phone", "id_number", "answer_con", "answer_pos"}


def test_fragment_carries_station_rules_and_the_eu_trust_list(service, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "health_rules.json").write_text(json.dumps(
        {"default": {"declaration_max_age_hours": 12}, "stations": {"Gate A": {"unknown_signer": "refuse"}}}))
    fragment = station_config_fragment(data, "Gate A")
    rules = HealthRules.from_json(fragment["health_rules"])
    assert (rules.declaration_max_age_hours, rules.unknown_signer) == (12, Outcome.REFUSE)
    assert HealthRules.from_json(station_config_fragment(data)["health_rules"]).unknown_signer is Outcome.WARN
    assert fragment["dcc_trust"] == [] and len(fragment["declaration_keys"]) == 1


# --- the CLI, as a reception desk uses it ---------------------------------------------------------

def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.run(None, "", args)


def test_cli_issue_writes_png_and_svg(tmp_path, capsys):
    data = str(tmp_path / "data")
    status = run_cli("issue", "--data-dir", data, "--name", "Lê Văn Cường", "--phone", "0901234567",
                     "--id-number", "079088001234", "--answer", "sym=no", "--answer", "con=yes",
                     "--answer", "pos=no", "--png", str(tmp_path / "qr.png"), "--svg", str(tmp_path / "qr.svg"))
    assert status == 0
    text = capsys.readouterr().out.strip()
    assert qr_text((tmp_path / "qr.png").read_bytes()) == text
    assert (tmp_path / "qr.svg").read_text().startswith("<")
    service = DeclarationService(tmp_path / "data")
    credential = kiosk_reads(text, service, datetime.now(timezone.utc))
    assert evaluate(credential, HealthRules(), datetime.now(timezone.utc))[0] is Outcome.WARN


def test_cli_bad_input_is_one_plain_line(tmp_path, capsys):
    status = run_cli("issue", "--data-dir", str(tmp_path), "--name", "An", "--phone", "1", "--id-number", "1")
    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith("kiosk-server: ") and "Traceback" not in err and "phone" in err


def test_cli_revoke_and_rotate(tmp_path, capsys):
    data = str(tmp_path)
    assert run_cli("declaration-key-rotate", "--data-dir", data) == 0
    assert run_cli("declaration-revoke", "--data-dir", data, "0102030405060708") == 0
    assert run_cli("declaration-revoke", "--data-dir", data, "not-hex") == 1
    assert station_config_fragment(tmp_path)["revoked_declarations"] == [base64.b64encode(bytes(range(1, 9))).decode()]


def test_cli_trust_import_checks_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"certificate": "AAAA"}]')
    assert run_cli("dcc-trust-import", "--data-dir", str(tmp_path), str(bad)) == 1
    assert "not an X.509 certificate" in capsys.readouterr().err


# --- the public page, served over real HTTP -------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    app = FastAPI()
    app.include_router(router)
    app.state.declarations = DeclarationService(tmp_path / "site")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # uvicorn offers no event to wait on
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", app.state.declarations
    server.should_exit = True
    thread.join(5)
    sock.close()


def test_page_speaks_vietnamese_first_and_english_on_request(site):
    url, _ = site
    page = httpx.get(f"{url}/declare", timeout=60)
    assert page.status_code == 200
    assert 'name="viewport"' in page.text and "Khai báo y tế" in page.text and "sốt" in page.text
    assert "Health declaration" in httpx.get(f"{url}/declare?lang=en", timeout=60).text


def test_visitor_gets_a_qr_that_the_kiosk_admits(site):
    url, service = site
    form = {"name": "Phạm Thị Dung", "phone": "0934567890", "id_number": "001199011111",
            "answer_sym": "no", "answer_con": "no", "answer_pos": "no"}
    page = httpx.post(f"{url}/declare?lang=en", data=form, timeout=60)
    assert page.status_code == 200
    png = base64.b64decode(page.text.split('src="data:image/png;base64,')[1].split('"')[0])
    svg = base64.b64decode(page.text.split('href="data:image/svg+xml;base64,')[1].split('"')[0])
    assert svg.startswith(b"<")
    credential = kiosk_reads(qr_text(png), service, datetime.now(timezone.utc))
    assert isinstance(credential, Credential), credential  # a refusal names its reason
    assert credential.display_name == "Phạm T. D." and credential.fields["signature"] == "valid"


def test_mistakes_are_shown_next_to_the_field_and_the_input_is_kept(site):
    url, _ = site
    page = httpx.post(f"{url}/declare", data={"name": "Phạm Thị Dung", "phone": "12", "id_number": "001199011111"},
                      timeout=60)
    assert page.status_code == 422
    assert "Số điện thoại gồm 10 chữ số" in page.text and 'value="Phạm Thị Dung"' in page.text
    assert "Chọn Có hoặc Không" in page.text
