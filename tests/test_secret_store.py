"""The station secret: outside the data folder, owner-only, the same for every process, and where a service
manager's credential puts it when there is one."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import secret_store
from kiosk.cli import main
from kiosk.secret_store import Backend, SecretError, StationKeys, station_secret
from kiosk.settings import Settings, config_dir, data_dir, save_settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_secret_is_made_once_owner_only_in_the_secrets_folder_never_in_the_data_folder():
    folder = Path(os.environ["KIOSK_SECRETS_DIR"])
    secret = station_secret()
    assert len(secret) == 32 and station_secret() == secret
    [file] = folder.iterdir()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert base64.b64decode(file.read_text()) == secret
    assert not data_dir().exists() or secret not in b"".join(p.read_bytes() for p in data_dir().rglob("*")
                                                             if p.is_file())
    assert secret_store.backend() is Backend.OWNER_ONLY_FILE and secret_store.location() == str(file)


def test_the_tag_key_and_the_box_key_are_two_keys_from_one_secret():
    keys = StationKeys.from_secret(b"\x01" * 32)
    assert keys.tag_key != keys.box_key and StationKeys.from_secret(b"\x01" * 32) == keys
    assert StationKeys.from_secret(b"\x02" * 32).tag_key != keys.tag_key


def test_processes_starting_at_once_share_one_secret(tmp_path):
    folder = tmp_path / "fresh-secrets"
    script = "from kiosk.secret_store import station_secret; print(station_secret().hex())"
    env = {**os.environ, "KIOSK_SECRETS_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    started = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
               for _ in range(6)]
    secrets = {process.communicate(timeout=60)[0].strip() for process in started}
    assert len(secrets) == 1 and len(secrets.pop()) == 64
    assert [path.name for path in folder.iterdir()] == ["station_secret"]  # no temporary file left


def test_a_secret_others_can_read_is_made_owner_only(tmp_path, monkeypatch, caplog):
    folder = tmp_path / "loose"
    folder.mkdir()
    (folder / "station_secret").write_text(base64.b64encode(b"\x07" * 32).decode() + "\n")
    os.chmod(folder / "station_secret", 0o644)
    monkeypatch.setenv("KIOSK_SECRETS_DIR", str(folder))
    assert station_secret() == b"\x07" * 32
    assert stat.S_IMODE((folder / "station_secret").stat().st_mode) == 0o600
    assert "now owner-only" in caplog.text


def test_a_damaged_secret_says_what_to_do(tmp_path, monkeypatch):
    folder = tmp_path / "damaged"
    folder.mkdir()
    (folder / "station_secret").write_text("not a secret")
    monkeypatch.setenv("KIOSK_SECRETS_DIR", str(folder))
    with pytest.raises(SecretError, match="damaged: restore it from a backup"):
        station_secret()


def test_a_systemd_credential_is_used_when_the_service_manager_gives_one(tmp_path, monkeypatch):
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "kiosk-station-secret").write_bytes(b"\x09" * 32)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    assert station_secret() == b"\x09" * 32
    assert secret_store.backend() is Backend.SYSTEMD_CREDENTIAL
    assert list(Path(os.environ["KIOSK_SECRETS_DIR"]).iterdir()) == []  # no file made beside it


def test_kiosk_status_says_where_the_secret_is_and_that_no_authority_key_came_yet(capsys):
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["secret_backend"] == "owner-only-file"
    assert status["secret_location"].startswith(os.environ["KIOSK_SECRETS_DIR"])
    assert status["authority_fingerprint"] is None and status["waiting"] == 0
    assert status["secret_warning"] == ("Khóa bí mật của máy là một tệp trên chính ổ đĩa này: hãy bật mã hóa ổ "
                                        "đĩa (BitLocker/LUKS) hoặc cấp nó dưới dạng systemd credential")
    assert main(["status"]) == 0
    shown = capsys.readouterr().out
    assert "Station secret: owner-only-file" in shown and status["secret_warning"] in shown


def test_kiosk_status_tells_in_the_stations_language_that_a_secret_file_needs_disk_encryption(tmp_path, capsys):
    config = tmp_path / "settings.toml"
    save_settings(Settings(language="en"), config)
    assert main(["status", "--config", str(config)]) == 0
    assert ("The station secret is a file on this disk: turn on disk encryption (BitLocker/LUKS) or give it "
            "as a systemd credential") in capsys.readouterr().out


def test_a_secret_given_as_a_systemd_credential_needs_no_warning(tmp_path, monkeypatch, capsys):
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "kiosk-station-secret").write_bytes(b"\x09" * 32)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["secret_warning"] is None


def test_the_default_secrets_folder_is_in_the_config_folder_of_the_settings_application_name(tmp_path, monkeypatch):
    monkeypatch.delenv("KIOSK_SECRETS_DIR")
    monkeypatch.delenv("KIOSK_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home-config"))
    assert secret_store.secrets_dir() == config_dir() / "secrets"
    assert config_dir() == tmp_path / "home-config" / "qr-checkin-kiosk"
