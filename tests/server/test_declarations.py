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
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
import zxingcpp
from fastapi import FastAPI
from PIL import Image

from kiosk.credentials import hd1
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.health_rules import HealthRules, evaluate
from kiosk.trust import TrustList
from kiosk.verdict import Outcome
from server import tables
from server.app import create_app
from server.declarations import (
    DeclarationService,
    DeclarationSettings,
    PageLimits,
    install,
    register,
    station_config_fragment,
)
from server.declarations.issuing import DeclarationInputError
from server.declarations.keyring import KeyringError
from server.rate_limit import RateLimit

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
def service(tmp_path, clock, engine):
    return DeclarationService(tmp_path / "data", DeclarationSettings(), clock, engine)


def kiosk_reads(text: str, service: DeclarationService, at: datetime) -> Credential | Refusal:
    """What a kiosk makes of a code, given only the station config it downloaded (as JSON)."""
    fragment = json.loads(json.dumps(service.station_config_fragment()))
    return hd1.PARSER.parse(text, ParseContext(now=at, trust=TrustList.from_station_config(fragment)))


def qr_text(png: bytes) -> str:
    # QR only: reading every format, zxing now and then also "finds" a Codabar in a QR's module rows.
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
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
    again = DeclarationService(tmp_path / "data", clock=clock, engine=service.engine)
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


# Characters nobody types into a name or a number, and that break what comes after: NUL (PostgreSQL refuses
# the text, so a kiosk's batch failed forever), other controls, zero-width and soft-hyphen marks, bidi
# overrides and isolates, a lone surrogate (not even encodable), noncharacters, a tab.
HIDDEN = ["\x00", "\x1f", "\x85", "\u200b", "\ufeff", "\u00ad", "\u202e", "\u2066", "\u200e", "\ud800",
          "\ufffe", "\ufdd0", "\t"]
VISITOR = {"name": "Nguyễn Văn An", "phone": "0912345678", "id_number": "001099012345"}


@pytest.mark.parametrize("character", HIDDEN, ids=lambda ch: f"U+{ord(ch):04X}")
@pytest.mark.parametrize("field", ["name", "phone", "id_number", "answer_sym"])
def test_hidden_characters_are_refused_in_every_field(service, field, character):
    typed = {**VISITOR, **{f"answer_{q}": a for q, a in ANSWERS.items()}}
    typed[field] = typed[field][:2] + character + typed[field][2:]
    with pytest.raises(DeclarationInputError) as caught:
        service.issue(typed["name"], typed["phone"], typed["id_number"],
                      {q: typed[f"answer_{q}"] for q in ANSWERS})
    assert {name: r.code for name, r in caught.value.problems.items()} == {field: "input.hidden-character"}
    assert f"U+{ord(character):04X}" in caught.value.problems[field].vi


def test_only_ascii_digits_make_an_id_number(service):
    # Full-width or other scripts' digits would sign a different ID number than the one on the card.
    with pytest.raises(DeclarationInputError) as caught:
        service.issue("Nguyễn Văn An", "0912345678", "００１０９９０１２３４５", ANSWERS)
    assert set(caught.value.problems) == {"id_number"}


def test_names_are_signed_in_composed_form_and_lengths_are_bounded(service, clock):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    issued = service.issue(decomposed, "0912345678", "001099012345", ANSWERS)
    assert kiosk_reads(issued.text, service, clock.now).fields["name"] == "Nguyễn Văn An"
    with pytest.raises(DeclarationInputError) as caught:
        service.issue("An " * 5000, "0" * 5000, "1" * 5000, ANSWERS)
    assert {name: r.code for name, r in caught.value.problems.items()} == {
        "name": "input.too-long", "phone": "input.too-long", "id_number": "input.too-long"}


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

@pytest.fixture
def run_cli(engine):
    def run(*argv: str) -> int:
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers())
        args = parser.parse_args(argv)
        return args.run(engine, "", args)
    return run


def test_cli_issue_writes_png_and_svg(run_cli, tmp_path, capsys):
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


def test_cli_bad_input_is_one_plain_line(run_cli, tmp_path, capsys):
    status = run_cli("issue", "--data-dir", str(tmp_path), "--name", "An", "--phone", "1", "--id-number", "1")
    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith("kiosk-server: ") and "Traceback" not in err and "phone" in err


def test_cli_revoke_and_rotate(run_cli, tmp_path, capsys):
    data = str(tmp_path)
    assert run_cli("declaration-key-rotate", "--data-dir", data) == 0
    assert run_cli("declaration-revoke", "--data-dir", data, "0102030405060708") == 0
    assert run_cli("declaration-revoke", "--data-dir", data, "not-hex") == 1
    assert station_config_fragment(tmp_path)["revoked_declarations"] == [base64.b64encode(bytes(range(1, 9))).decode()]


def test_cli_refuses_a_hidden_character_naming_the_field(run_cli, tmp_path, capsys):
    status = run_cli("issue", "--data-dir", str(tmp_path), "--name", "Lê Văn\u202e Cường", "--phone", "0901234567",
                     "--id-number", "079088001234", "--answer", "sym=no", "--answer", "con=no", "--answer", "pos=no")
    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith("kiosk-server: name: Contains an invisible or control character (U+202E)")


def test_cli_trust_import_checks_the_file(run_cli, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"certificate": "AAAA"}]')
    assert run_cli("dcc-trust-import", "--data-dir", str(tmp_path), str(bad)) == 1
    assert "not an X.509 certificate" in capsys.readouterr().err


# --- the public page, served over real HTTP -------------------------------------------------------

@pytest.fixture
def start_site(tmp_path, engine):
    """The server's app (with /healthz) and the page, on a real socket; limits as given."""
    servers = []

    def start(limits: PageLimits = PageLimits(), service: DeclarationService | None = None):
        app = create_app(engine)
        install(app, service or DeclarationService(tmp_path / "site", engine=engine), limits)
        servers.append(_serve(app))
        return servers[-1][0], app.state.declarations

    yield start
    for _, stop in servers:
        stop()


@pytest.fixture
def site(start_site):
    return start_site()


def _serve(app: FastAPI):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # uvicorn offers no event to wait on
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(5)
        sock.close()

    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


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


FORM = {"name": "Phạm Thị Dung", "phone": "0934567890", "id_number": "001199011111",
        "answer_sym": "no", "answer_con": "no", "answer_pos": "no"}


def test_the_page_refuses_a_nul_next_to_the_field_and_signs_nothing(site):
    url, service = site
    page = httpx.post(f"{url}/declare", data={**FORM, "name": "Phạm Thị\x00 Dung"}, timeout=60)
    assert page.status_code == 422
    name_field = page.text.split('id="name"')[1].split("<label")[0]
    assert "Có ký tự ẩn hoặc ký tự điều khiển (U+0000)" in name_field
    assert 'value="Phạm Thị\ufffd Dung"' in name_field
    assert service.issued_for(FORM["id_number"]) == []


def test_the_json_form_names_each_refused_field(site):
    url, service = site
    sent = {"name": "Phạm\u202e Thị Dung", "phone": "0934\ud800567890", "id_number": 1199011111,
            "answers": {"sym": "no", "con": "no", "pos": "no"}}
    # A lone surrogate travels only as a JSON escape (\ud800), which json.dumps writes by default.
    answer = httpx.post(f"{url}/declare", content=json.dumps(sent), headers={"Content-Type": "application/json"},
                        timeout=60)
    assert answer.status_code == 422
    fields = answer.json()["error"]["fields"]
    assert {name: f["code"] for name, f in fields.items()} == {
        "name": "input.hidden-character", "phone": "input.hidden-character", "id_number": "input.not-text"}
    assert "U+202E" in fields["name"]["vi"] and "U+202E" in fields["name"]["en"]
    good = httpx.post(f"{url}/declare", json={**sent, "name": "Phạm Thị Dung", "phone": "0934567890",
                                                "id_number": "001199011111"}, timeout=60)
    assert good.status_code == 200 and good.headers["cache-control"] == "no-store"
    assert isinstance(kiosk_reads(good.json()["declaration"], service, datetime.now(timezone.utc)), Credential)


def test_no_answer_of_the_page_may_be_cached(site):
    # A shared phone or a proxy must not keep a person's QR (or the form echoing their data) for the next one.
    url, _ = site
    with_qr = httpx.post(f"{url}/declare", data=FORM, timeout=60)
    assert 'src="data:image/png;base64,' in with_qr.text
    for answer in (with_qr, httpx.post(f"{url}/declare", data={**FORM, "phone": "1"}, timeout=60),
                   httpx.get(f"{url}/declare", timeout=60)):
        assert (answer.headers["cache-control"], answer.headers["pragma"]) == ("no-store", "no-cache")


@pytest.mark.slow
def test_a_flood_from_one_address_is_answered_429_before_any_signing(start_site):
    url, service = start_site(PageLimits(signing=RateLimit(per_minute=2)))
    answers = [httpx.post(f"{url}/declare", data=FORM, timeout=60) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert 1 <= int(answers[2].headers["retry-after"]) <= 30
    assert "thử lại sau" in answers[2].text and answers[2].headers["cache-control"] == "no-store"
    assert len(service.issued_for(FORM["id_number"])) == 2
    json_answer = httpx.post(f"{url}/declare", json={}, timeout=60)
    assert json_answer.status_code == 429 and json_answer.json()["error"]["code"] == "rate_limited"
    assert httpx.get(f"{url}/declare", timeout=60).status_code == 200  # the page has a budget of its own


class HeldService(DeclarationService):
    """Signs only when the test lets it: shows what the server does while a signing is under way."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.signing = threading.Event()
        self.release = threading.Event()

    def issue(self, *args, **kwargs):
        self.signing.set()
        assert self.release.wait(30)
        return super().issue(*args, **kwargs)


def test_signing_runs_off_the_event_loop_and_a_signing_beyond_the_cap_is_told_busy(start_site, tmp_path, engine):
    held = HeldService(tmp_path / "held", engine=engine)
    url, _ = start_site(PageLimits(concurrent_signings=1, queued_signings=0), held)
    first: list[httpx.Response] = []
    visitor = threading.Thread(target=lambda: first.append(httpx.post(f"{url}/declare", data=FORM, timeout=60)))
    visitor.start()
    try:
        assert held.signing.wait(30)
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        second = httpx.post(f"{url}/declare", data=FORM, timeout=5)
        assert second.status_code == 503 and second.headers["retry-after"] == "2"
    finally:
        held.release.set()
        visitor.join(60)
    assert first[0].status_code == 200


# --- what the server issued, found and revoked per person -----------------------------------------

def test_revoking_by_person_lists_exactly_that_persons_unexpired_declarations(run_cli, tmp_path, engine, database_url,
                                                                             capsys):
    data = str(tmp_path / "data")
    service = DeclarationService(tmp_path / "data", engine=engine)
    first = service.issue("Nguyễn Văn An", "0912345678", "001099012345", ANSWERS)
    second = service.issue("Nguyễn Văn An", "0912 345 678", "001 099 012 345", ANSWERS)
    other = service.issue("Trần Thị Bình", "0987654321", "001199054321", ANSWERS)
    capsys.readouterr()

    assert run_cli("declaration-revoke", "--data-dir", data, "--person", "001099012345") == 0
    assert "2 unexpired declarations revoked" in capsys.readouterr().out
    revoked = service.station_config_fragment()["revoked_declarations"]
    assert sorted(revoked) == sorted(base64.b64encode(d.cti).decode() for d in (first, second))
    assert isinstance(kiosk_reads(other.text, service, datetime.now(timezone.utc)), Credential)

    assert run_cli("declarations", "--data-dir", data, "--person", "001099012345") == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in listing] == [first.cti.hex(), second.cti.hex()]
    assert all("revoked" in line for line in listing)
    assert run_cli("declarations", "--data-dir", data, "--person", "001199054321") == 0
    assert capsys.readouterr().out.split("\t")[3].strip() == "valid"

    stored = _everything_stored(engine, database_url)
    for personal in ("001099012345", "001199054321", "0912345678", "Nguyễn", "Bình"):
        assert personal not in stored


def test_the_person_tag_secret_is_private_and_stable(service, tmp_path, engine):
    service.issue("Nguyễn Văn An", "0912345678", "001099012345", ANSWERS)
    secret = tmp_path / "data" / "declaration_person_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    again = DeclarationService(tmp_path / "data", engine=engine)
    assert len(again.issued_for("001099012345")) == 1
    assert DeclarationService(tmp_path / "elsewhere", engine=engine).issued_for("001099012345") == []


def test_cli_person_commands_refuse_what_is_not_an_id_number(run_cli, tmp_path, capsys):
    assert run_cli("declarations", "--data-dir", str(tmp_path), "--person", "00109901234\x00") == 1
    assert run_cli("declaration-revoke", "--data-dir", str(tmp_path), "--person", "12") == 1
    assert run_cli("declaration-revoke", "--data-dir", str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert "U+0000" in err and "12 digits" in err and "either a declaration id or --person" in err


def _everything_stored(engine, database_url: str) -> str:
    """Every row of every table as text, and for SQLite the raw database files too."""
    with engine.connect() as conn:
        rows = [repr(tuple(row)) for table in tables.metadata.sorted_tables
                for row in conn.execute(sa.select(table))]
    raw = ""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        raw = "".join(p.read_bytes().decode("utf-8", "replace") for p in path.parent.glob(path.name + "*"))
    return "\n".join(rows) + raw
