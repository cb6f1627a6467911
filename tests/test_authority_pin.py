"""The station seals only to the health authority key it pinned: a key set signed by another key is refused,
the previous one kept, and the door says so in words a guard can pass on."""

import base64
import hashlib
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk import authority_pin
from kiosk.cli import main
from kiosk.door_app import StatusLine
from kiosk.door_app.events import SettingsChanged
from kiosk.sealing.authority import generate_private_key
from kiosk.settings import Settings, SettingsError, load_settings, save_settings
from kiosk.station_config import META_SERVER_CONFIG, load_station_config
from kiosk.store import Store
from kiosk.sync import SyncClient
from kiosk.sync.protocol import CONFIG_PATH

NOW = datetime.now(timezone.utc).replace(microsecond=0)
AUTHORITY = generate_private_key()
IMPOSTOR = generate_private_key()  # a server, or someone on the way, signing keys of its own
REAL_KEYS = AUTHORITY.key_set(NOW, 8)
SUBSTITUTED = IMPOSTOR.key_set(NOW, 8)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def offer(store, key_set, expected=""):
    document = {"authority": key_set.to_json()} if key_set else {}
    store.set_meta(META_SERVER_CONFIG, json.dumps(document))
    return authority_pin.settle(store, authority_pin.offered_key_set(document), expected)


def test_the_first_key_set_is_pinned_and_one_signed_by_another_key_is_refused(store):
    assert offer(store, REAL_KEYS).pinned == AUTHORITY.fingerprint
    refused = offer(store, SUBSTITUTED)
    assert refused.refused == IMPOSTOR.fingerprint and refused.pinned == AUTHORITY.fingerprint
    config = load_station_config(store)
    assert config.authority_keys.fingerprint == AUTHORITY.fingerprint  # the previous set stays in use
    assert config.authority.notice(NOW) is authority_pin.CHANGED
    # The server hands the real set again: accepted, and the door's notice goes away.
    assert offer(store, REAL_KEYS).refused == ""
    assert load_station_config(store).authority.notice(NOW) is None


def test_the_setting_names_the_key_to_expect_before_any_was_seen(store):
    expected = AUTHORITY.fingerprint.lower().replace(" ", "")  # as someone may type it
    state = offer(store, SUBSTITUTED, expected)
    assert state.key_set is None and state.refused == IMPOSTOR.fingerprint
    assert load_station_config(store).authority_keys is None  # entries stay sealed on the kiosk
    assert offer(store, REAL_KEYS, expected).key_set.fingerprint == AUTHORITY.fingerprint


def test_once_a_set_is_accepted_only_its_whole_signing_key_is_trusted_not_a_matching_fingerprint(
        store, monkeypatch):
    offer(store, REAL_KEYS, AUTHORITY.fingerprint)
    assert store.get_meta(authority_pin.META_PINNED_KEY) == base64.b64encode(REAL_KEYS.signing_key).decode()
    # A forger who made a key with the same fingerprint (here: every key has one fingerprint) is still refused.
    pinned = AUTHORITY.fingerprint
    monkeypatch.setattr("kiosk.sealing.authority.fingerprint", lambda key: pinned)
    assert SUBSTITUTED.fingerprint == pinned
    for expected in ("", AUTHORITY.fingerprint):  # pinned at first sight, or named by the setting
        state = offer(store, SUBSTITUTED, expected)
        assert state.refused and state.key_set.signing_key == REAL_KEYS.signing_key
    assert load_station_config(store).authority_keys.signing_key == REAL_KEYS.signing_key


def test_a_fingerprint_is_named_by_all_its_32_digits_never_by_the_16_printed_before(store, tmp_path):
    short = AUTHORITY.fingerprint[:19]  # "3F2A 9C01 77B4 0E12": the first 16 digits
    with pytest.raises(authority_pin.AuthorityPinError, match="expected 32 hex digits"):
        authority_pin.trust(store, short, REAL_KEYS)
    bare = AUTHORITY.fingerprint.replace(" ", "")
    one_digit_off = bare[:31] + ("1" if bare[31] == "0" else "0")
    assert offer(store, REAL_KEYS, one_digit_off).key_set is None
    config = tmp_path / "settings.toml"
    config.write_text(f'authority_fingerprint = "{short}"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="expected 32 hex digits"):
        load_settings(config)


def test_a_key_set_changed_on_the_way_is_not_used(store, caplog):
    offer(store, REAL_KEYS)
    tampered = REAL_KEYS.to_json()
    tampered["weeks"] = tampered["weeks"][:2]
    store.set_meta(META_SERVER_CONFIG, json.dumps({"authority": tampered}))
    assert authority_pin.offered_key_set({"authority": tampered}) is None
    assert "changed" in caplog.text
    assert load_station_config(store).authority_keys.signature == REAL_KEYS.signature


def test_the_status_says_what_a_guard_can_pass_on_in_both_languages(store):
    assert (authority_pin.CHANGED.vi, authority_pin.CHANGED.en) == (
        "Khóa của cơ quan y tế đã đổi: báo quản trị", "The health authority's key changed: tell the administrator")
    none = authority_pin.current(store).notice(NOW)
    assert none.vi == "Chưa có khóa của cơ quan y tế: dữ liệu được niêm phong tại máy cho đến khi có khóa"
    assert none.en == "No health authority key yet: entries are kept sealed on this kiosk until one arrives"
    short = AUTHORITY.key_set(NOW, 2)  # this week and the next: runs out within 14 days
    notice = offer(store, short).notice(NOW)
    last = f"{short.last_day - timedelta(days=1):%Y-%m-%d}"
    assert notice.vi == f"Khóa của cơ quan y tế hết hạn sau ngày {last}: báo quản trị"
    assert notice.en == f"The health authority's key runs out after {last}: tell the administrator"
    assert offer(store, REAL_KEYS).notice(NOW) is None
    # Keys that no longer cover today are no keys at all.
    assert authority_pin.current(store).notice(REAL_KEYS.last_day) is authority_pin.NO_KEY


def test_the_service_log_line_ends_with_the_notice_in_the_doors_language(store):
    offer(store, REAL_KEYS)
    offer(store, SUBSTITUTED)
    lines = []
    status = StatusLine(lines.append, every_seconds=600, monotonic=lambda: 0.0,
                        authority=lambda: load_station_config(store).authority, clock=lambda: NOW)
    status.write()
    status(SettingsChanged(Settings(), Settings(language="en"), "en", False))
    status.write()
    assert lines[0].endswith(" — Khóa của cơ quan y tế đã đổi: báo quản trị")
    assert lines[-1].endswith(" — The health authority's key changed: tell the administrator")


def test_an_administrator_accepts_a_new_authority_key_on_purpose(tmp_path, capsys):
    db = tmp_path / "entries.sqlite3"
    with Store.open(db) as store:
        offer(store, REAL_KEYS)
        offer(store, SUBSTITUTED)  # the health authority really did make a new key
    assert main(["authority", "--db", str(db)]) == 0
    shown = capsys.readouterr().out
    assert f"Authority key pinned: {AUTHORITY.fingerprint}" in shown
    assert f"Refused: a key set signed by {IMPOSTOR.fingerprint}" in shown
    weeks = [key.week for key in REAL_KEYS.weeks]
    assert f"Key set in use: {weeks[0]} … {weeks[-1]}" in shown
    assert main(["authority", "trust", "12 34", "--db", str(db)]) == 2
    assert "not a fingerprint" in capsys.readouterr().err
    assert main(["authority", "trust", IMPOSTOR.fingerprint.lower(), "--db", str(db)]) == 0
    capsys.readouterr()
    with Store.open(db) as store:
        config = load_station_config(store)
        assert config.authority_keys.fingerprint == IMPOSTOR.fingerprint and config.authority.notice(NOW) is None
    assert main(["authority", "--json", "--db", str(db)]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["pinned"] == IMPOSTOR.fingerprint and state["refused"] == "" and state["notice"] is None


def test_trust_refuses_a_key_other_than_the_one_the_settings_name(tmp_path, capsys):
    config = tmp_path / "settings.toml"
    save_settings(Settings(authority_fingerprint=AUTHORITY.fingerprint), config)
    code = main(["authority", "trust", IMPOSTOR.fingerprint, "--config", str(config),
                 "--db", str(tmp_path / "entries.sqlite3")])
    assert code == 2 and "change it in the settings" in capsys.readouterr().err


# --- through a sync round -----------------------------------------------------------------------------------

class ConfigServer:
    """Serves one station config on 127.0.0.1 with an ETag, as the central server does."""

    def __init__(self) -> None:
        self.document: dict = {}
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = json.dumps(served.document).encode()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.path != CONFIG_PATH:
                    self.send_error(404)
                elif self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def config_server():
    server = ConfigServer()
    yield server
    server.close()


def test_a_sync_round_pins_the_key_and_refuses_a_substituted_one(store, config_server):
    settings = Settings(server_url=config_server.url, server_token="door-a")
    config_server.document = {"authority": REAL_KEYS.to_json()}
    seen = []
    with SyncClient(store, settings, on_config=seen.append) as client:
        assert client.run_once().config_changed
        assert load_station_config(store).authority_keys.fingerprint == AUTHORITY.fingerprint
        config_server.document = {"authority": SUBSTITUTED.to_json()}
        assert client.run_once().ok
        config = load_station_config(store)
        assert config.authority_keys.fingerprint == AUTHORITY.fingerprint
        assert config.authority.refused == IMPOSTOR.fingerprint
        # Unchanged document (304), but the administrator now names the new key in the settings: taken.
        assert not client.run_once().config_changed
    renamed = settings.replace(authority_fingerprint=IMPOSTOR.fingerprint)
    with SyncClient(store, renamed, on_config=seen.append) as client:
        assert client.run_once().config_changed
    assert load_station_config(store).authority_keys.fingerprint == IMPOSTOR.fingerprint
    assert len(seen) == 3  # the door reloads its config each time what it seals to changed
