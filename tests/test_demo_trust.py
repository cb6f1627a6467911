"""The demo's signing keys are public (derived from strings in the source): only an explicit demo mode
trusts them, and the door says so on every look."""

import base64
import json
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.credentials import hd1
from kiosk.credentials.examples import AN, BINH
from kiosk.credentials.signed_examples import certificate_payload, declaration_payload, demo_trust
from kiosk.door_screen import DoorScreen
from kiosk.settings import Settings, chosen_camera
from kiosk.station import Station
from kiosk.station_config import (
    META_SERVER_CONFIG, StationConfigError, import_trust_file, load_station_config,
)
from kiosk.store import Store
from kiosk.trust import DeclarationKey
from kiosk.verdict import Outcome

NOW = datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc)
REAL_KEY = Ed25519PrivateKey.generate()
REAL_KID = b"kiosk-k1"


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def station(store, **settings):
    return Station(Settings(station_name="Cổng A", **settings), store, clock=lambda: NOW,
                   config=load_station_config(store))


def demo_signed():
    return {"declaration": declaration_payload(BINH, NOW), "EU certificate": certificate_payload(AN, NOW)}


# A door with only a USB scanner: the camera an empty field means, a real one, or the demo camera.
SCANNER_DOORS = (chosen_camera(""), "camera:1", "demo")


@pytest.mark.parametrize("camera", SCANNER_DOORS)
@pytest.mark.parametrize("kind", ("declaration", "EU certificate"))
def test_a_real_door_refuses_a_code_signed_with_a_demo_key(store, camera, kind):
    result = station(store, camera=camera).check_text(demo_signed()[kind])
    assert result.verdict.outcome is Outcome.REFUSE
    assert result.verdict.reasons[0].code == "trust.published_key"
    assert result.verdict.reasons[0].en == "A sample code signed with the public demo key — not valid at a real door"


@pytest.mark.parametrize("kind", ("declaration", "EU certificate"))
def test_demo_mode_admits_the_demo_samples_and_every_look_says_demo(store, kind):
    result = station(store, demo_mode=True).check_text(demo_signed()[kind])
    assert result.verdict.outcome is Outcome.ADMIT, result.verdict.reasons
    # The logged entry says it was a rehearsal, wherever it goes (log, export, server).
    assert result.entry.reasons[-1].code == "trust.demo_mode"
    screen = DoorScreen(language="en", demo_mode=True)
    screen.show_result(result, now=0.0)
    assert screen.view().banner == "DEMO MODE — not for a real door"
    screen.language = "vi"
    assert screen.view().banner == "CHẾ ĐỘ THỬ — không dùng tại cửa thật"


def demo_key_set():
    trust = demo_trust()
    return ([key.to_json() for key in trust.declaration_keys],
            [{"certificate": base64.b64encode(signer.certificate).decode(), "country": "VN"}
             for signer in trust.signers])


def test_a_pushed_config_carrying_the_demo_keys_does_not_make_them_trusted(store):
    declaration_keys, dcc_trust = demo_key_set()
    real = DeclarationKey(REAL_KID, REAL_KEY.public_key(), datetime(2026, 1, 1, tzinfo=timezone.utc))
    store.set_meta(META_SERVER_CONFIG, json.dumps({
        "settings": {"demo_mode": True},  # not the server's to set
        "declaration_keys": [real.to_json(), *declaration_keys], "dcc_trust": dcc_trust,
    }))
    door = station(store, camera="camera:0")
    for text in demo_signed().values():
        assert door.check_text(text).verdict.outcome is Outcome.REFUSE
    # The rest of the pushed key set still counts.
    genuine = hd1.encode(hd1.Declaration("TRẦN THỊ BÌNH", "0987654321", "079190012345", NOW, {}),
                         key=REAL_KEY, kid=REAL_KID, issuer="VN", issued_at=NOW,
                         expires_at=datetime(2026, 3, 3, tzinfo=timezone.utc), cti=b"\x01" * 8)
    assert door.check_text(genuine).credential.fields["signature"] == "valid"


def test_the_demo_key_under_another_kid_is_still_left_out(store):
    (declaration_key,), _ = demo_key_set()
    store.set_meta(META_SERVER_CONFIG, json.dumps({"declaration_keys": [declaration_key | {
        "kid": base64.b64encode(REAL_KID).decode()}]}))
    assert not load_station_config(store).trust.declaration_keys


def test_importing_only_the_demo_certificate_is_refused(store, tmp_path):
    _, dcc_trust = demo_key_set()
    path = tmp_path / "trust.json"
    path.write_text(json.dumps(dcc_trust))
    with pytest.raises(StationConfigError, match="demo"):
        import_trust_file(store, path)


def test_importing_the_demo_certificate_among_others_counts_only_the_others(store, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test DSC")])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(datetime(2026, 1, 1, tzinfo=timezone.utc))
                   .not_valid_after(datetime(2027, 1, 1, tzinfo=timezone.utc)).sign(key, hashes.SHA256()))
    _, dcc_trust = demo_key_set()
    path = tmp_path / "trust.json"
    path.write_text(json.dumps(dcc_trust + [{"certificate": base64.b64encode(
        certificate.public_bytes(Encoding.DER)).decode(), "country": "VN"}]))
    assert len(import_trust_file(store, path).signers) == 1
    assert len(load_station_config(store).trust.signers) == 1
    assert station(store).check_text(demo_signed()["EU certificate"]).verdict.outcome is Outcome.REFUSE
