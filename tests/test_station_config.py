"""What the server pushes changes what the door decides: keys, health rules, watch list, settings."""

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.credentials import hd1
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.station_config import (
    META_SERVER_CONFIG, StationConfig, StationConfigError, import_trust_file, load_station_config,
)
from kiosk.store import Store
from kiosk.verdict import Outcome
from tests.watch_config import watch_part

NOW = datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc)
KEY = Ed25519PrivateKey.generate()
KID = b"kiosk-k1"
VISITOR = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def server_document(**parts):
    document = {
        "version": 1,
        "settings": {"dedup_minutes": 5, "capacity": 100},
        "watch": watch_part(NOW, {}),
        "declaration_keys": [{"kid": b64(KID), "valid_from": (NOW - timedelta(days=30)).isoformat(),
                              "valid_until": None,
                              "public_key": b64(KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))}],
        "revoked_declarations": [],
        "dcc_trust": [],
        "health_rules": {"declaration_max_age_hours": 24},
    }
    return document | parts


def declaration(issued_at: datetime, cti: bytes = b"\x07" * 8, **answers) -> str:
    declared = hd1.Declaration("TRẦN THỊ BÌNH", "0987654321", "079190012345", issued_at,
                               {"sym": False, "con": False, "pos": False} | answers)
    return hd1.encode(declared, key=KEY, kid=KID, issuer="VN", issued_at=issued_at,
                      expires_at=issued_at + timedelta(days=7), cti=cti)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def station_from(store, document):
    store.set_meta(META_SERVER_CONFIG, json.dumps(document))
    return Station(Settings(station_name="Cổng A"), store, clock=lambda: NOW, config=load_station_config(store))


def test_a_declaration_signed_with_a_pushed_key_is_admitted(store):
    station = station_from(store, server_document())
    result = station.check_text(declaration(NOW - timedelta(hours=2)))
    assert result.verdict.outcome is Outcome.ADMIT, result.verdict.reasons
    assert result.credential.format == "hd1" and result.entry is not None


def test_without_the_key_the_same_declaration_is_an_unknown_signer(store):
    station = Station(Settings(station_name="Cổng A"), store, clock=lambda: NOW)
    result = station.check_text(declaration(NOW - timedelta(hours=2)))
    assert result.verdict.outcome is Outcome.WARN


def test_the_pushed_age_limit_refuses_an_old_declaration_with_the_rule_in_words(store):
    station = station_from(store, server_document())
    result = station.check_text(declaration(NOW - timedelta(hours=30)))
    assert result.verdict.outcome is Outcome.REFUSE
    assert any("24" in reason.en for reason in result.verdict.reasons)


def test_a_revoked_declaration_is_refused(store):
    station = station_from(store, server_document(revoked_declarations=[b64(b"\x09" * 8)]))
    result = station.check_text(declaration(NOW - timedelta(hours=1), cti=b"\x09" * 8))
    assert result.verdict.outcome is Outcome.REFUSE


def test_pushed_settings_and_watch_list_apply_and_a_new_config_replaces_them(store):
    document = server_document(watch=watch_part(NOW, {"qid:162900000000000001": ("refuse", "")}))
    station = station_from(store, document)
    assert station.settings.capacity == 100 and station.settings.dedup_minutes == 5
    assert station.check_text(VISITOR).verdict.outcome is Outcome.REFUSE
    station.reconfigure(StationConfig.from_document(server_document()))
    assert station.check_text(VISITOR).verdict.outcome is Outcome.ADMIT


def test_an_unusable_pushed_config_is_ignored_and_the_station_keeps_working(store):
    store.set_meta(META_SERVER_CONFIG, json.dumps(server_document(settings={"dedup_minutes": "soon"})))
    config = load_station_config(store)
    assert config == StationConfig()
    with pytest.raises(StationConfigError, match="dedup_minutes"):
        StationConfig.from_document(server_document(settings={"dedup_minutes": "soon"}))


def test_importing_a_trust_file_that_is_not_a_certificate_list_says_why(store, tmp_path):
    bad = tmp_path / "trust.json"
    bad.write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(Exception, match="JSON array"):
        import_trust_file(store, bad)
    missing = tmp_path / "missing.json"
    with pytest.raises(StationConfigError, match="cannot read"):
        import_trust_file(store, missing)


def test_trust_import_command_keeps_certificates_for_the_station(tmp_path, capsys):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from kiosk.cli import main

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test DSC")])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(NOW - timedelta(days=1))
                   .not_valid_after(NOW + timedelta(days=365)).sign(key, hashes.SHA256()))
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(json.dumps([{"certificate": b64(certificate.public_bytes(Encoding.DER)),
                                       "country": "VN"}]), encoding="utf-8")
    db = tmp_path / "entries.sqlite3"
    assert main(["trust", "import", str(trust_file), "--db", str(db)]) == 0
    assert "Imported 1 signing certificates (VN)." in capsys.readouterr().out
    with Store.open(db) as store:
        assert len(load_station_config(store).trust.signers) == 1


def test_the_server_cannot_push_the_stations_own_server_token_pin_or_database(store):
    document = server_document(settings={"dedup_minutes": 5, "server_url": "https://elsewhere.example",
                                         "server_token": "t", "admin_pin_hash": "scrypt$1$1$1$x$y",
                                         "database": "/tmp/other.sqlite3"})
    station = station_from(store, document)
    assert station.settings.dedup_minutes == 5
    assert (station.settings.server_url, station.settings.server_token, station.settings.admin_pin_hash,
            station.settings.database) == ("", "", "", "")


def declared_as(id_number: str, cti: bytes) -> str:
    declared = hd1.Declaration("TRẦN THỊ BÌNH", "0987654321", id_number, NOW - timedelta(hours=1), {})
    return hd1.encode(declared, key=KEY, kid=KID, issuer="VN", issued_at=NOW - timedelta(hours=1),
                      expires_at=NOW + timedelta(days=1), cti=cti)


def id_card(id_number: str) -> str:
    return f"{id_number}|123456789|Trần Thị Bình|01011990|Nữ|Phường Bến Nghé, Quận 1|01012021"


def test_at_a_door_with_a_watch_list_a_declared_identity_waits_for_the_id_card(store):
    station = station_from(store, server_document(watch=watch_part(NOW, {"cccd:079190012345": ("refuse", "")})))
    # The watch-listed visitor declares under a number one digit off: the door asks for the ID card.
    declared = station.check_text(declared_as("079190012346", cti=b"\x05" * 8))
    assert declared.verdict.outcome is Outcome.WARN
    assert declared.verdict.reasons[0].code == "identity.check_document"
    # The card's own code carries the real number.
    card = station.check_text(id_card("079190012345"))
    assert card.verdict.outcome is Outcome.REFUSE and card.verdict.reasons[0].code == "policy.watch-list"
    # An honest visitor's card after their declaration is the check the door asked for, not a repeat.
    assert station.check_text(declared_as("001099012345", cti=b"\x06" * 8)).verdict.outcome is Outcome.WARN
    card = station.check_text(id_card("001099012345"))
    assert card.verdict.outcome is Outcome.ADMIT and not card.verdict.repeat and card.entry is not None


def test_a_self_declared_rule_pushed_by_the_server_applies(store):
    station = station_from(store, server_document(
        settings={"watch_self_declared": "refuse", "demo_mode": True},
        watch=watch_part(NOW, {"cccd:001099012345": ("warn", "")})))
    assert station.settings.watch_self_declared == "refuse" and not station.settings.demo_mode
    assert station.check_text(declaration(NOW - timedelta(hours=1))).verdict.outcome is Outcome.REFUSE
