"""Issuing declarations: check what the visitor typed, sign it with the current key, render the QR.

`DeclarationService` is the one object the web page, the CLI and the station config share: it owns the
keyring file (guarded by a lock, since the page may be issuing while an admin rotates) and reads the
health rules and the EU trust list from the server's data directory.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Mapping

import platformdirs
import qrcode
import qrcode.image.svg

from kiosk.atomic_file import replacing
from kiosk.credentials import hd1
from kiosk.entry import utc_now
from kiosk.errors import os_problem
from kiosk.health_rules import HealthRules, HealthRulesError
from kiosk.reasons import Reason
from kiosk.trust import TrustError, TrustList
from server.declarations.keyring import Keyring, load_keyring, save_keyring

DATA_DIR_ENV = "KIOSK_SERVER_DATA_DIR"
KEYRING_FILE = "declaration_keyring.json"
RULES_FILE = "health_rules.json"
DCC_TRUST_FILE = "dcc_trust.json"
CTI_BYTES = 8



def server_data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else Path(platformdirs.user_data_dir("kiosk-server"))


class DeclarationInputError(ValueError):
    """What the visitor typed cannot be declared; `problems` maps a form field to why, in vi and en."""

    def __init__(self, problems: Mapping[str, Reason]) -> None:
        super().__init__("; ".join(f"{name}: {reason.en}" for name, reason in problems.items()))
        self.problems = dict(problems)


class ConfigurationError(Exception):
    """A file in the data directory cannot be used; the message names the file."""


@dataclass(frozen=True)
class DeclarationSettings:
    issuer: str = "VN"
    lifetime: timedelta = timedelta(hours=24)
    # How long a retired key stays trusted: at least the lifetime, so nothing it signed dies early.
    overlap: timedelta = timedelta(hours=48)
    # Visitors read times on the page in the site's local time.
    time_zone: str = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class IssuedDeclaration:
    text: str
    cti: bytes
    kid: bytes
    issued_at: datetime
    expires_at: datetime

    def png(self) -> bytes:
        stream = io.BytesIO()
        _qr(self.text).make_image().save(stream)
        return stream.getvalue()

    def svg(self) -> str:
        return _qr(self.text).make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string(
            encoding="unicode")


def _qr(text: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    return code


def issue_declaration(keyring: Keyring, declaration: hd1.Declaration, settings: DeclarationSettings,
                      now: datetime) -> IssuedDeclaration:
    key = keyring.signing_key()
    cti = secrets.token_bytes(CTI_BYTES)
    expires_at = now + settings.lifetime
    text = hd1.encode(declaration, key=key.private_key, kid=key.kid, issuer=settings.issuer,
                      issued_at=now, expires_at=expires_at, cti=cti)
    return IssuedDeclaration(text, cti, key.kid, now, expires_at)


_PHONE = re.compile(r"0\d{9,10}")
_ID_NUMBER = re.compile(r"\d{9}|\d{12}")


def read_declaration(name: str, phone: str, id_number: str, answers: Mapping[str, str | bool | None],
                     rules: HealthRules, now: datetime) -> hd1.Declaration:
    """Check a visitor's input; raises DeclarationInputError naming every field that needs fixing."""
    problems: dict[str, Reason] = {}
    name = " ".join(unicodedata.normalize("NFC", name).split())
    phone = re.sub(r"[\s.-]", "", phone)
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    id_number = re.sub(r"\s", "", id_number)
    if not name or len(name) > 60:
        problems["name"] = Reason("input.name", "Nhập họ và tên (tối đa 60 ký tự)",
                                  "Enter your full name (at most 60 characters)")
    if not _PHONE.fullmatch(phone):
        problems["phone"] = Reason("input.phone", "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0",
                                   "A phone number has 10 digits and starts with 0")
    if not _ID_NUMBER.fullmatch(id_number):
        problems["id_number"] = Reason("input.id_number", "Số CCCD có 12 chữ số (CMND cũ: 9 chữ số)",
                                       "An ID card number has 12 digits (old cards: 9)")
    chosen: dict[str, bool] = {}
    for question in rules.questions:
        answer = _yes_no(answers.get(question.id))
        if answer is None:
            problems[f"answer_{question.id}"] = Reason("input.answer", "Chọn Có hoặc Không", "Choose Yes or No")
        else:
            chosen[question.id] = answer
    if problems:
        raise DeclarationInputError(problems)
    return hd1.Declaration(name, phone, id_number, now, chosen)


def _yes_no(value: str | bool | None) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"yes": True, "co": True, "có": True, "no": False, "khong": False, "không": False}.get(
        str(value or "").strip().lower())


class DeclarationService:
    def __init__(self, data_dir: Path | None = None, settings: DeclarationSettings = DeclarationSettings(),
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.data_dir = data_dir or server_data_dir()
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()

    @property
    def keyring_path(self) -> Path:
        return self.data_dir / KEYRING_FILE

    def keyring(self) -> Keyring:
        with self._lock:
            return load_keyring(self.keyring_path, self.clock())

    def issue(self, name: str, phone: str, id_number: str, answers: Mapping[str, str | bool | None]
              ) -> IssuedDeclaration:
        now = self.clock()
        declaration = read_declaration(name, phone, id_number, answers, self.rules(), now)
        return issue_declaration(self.keyring(), declaration, self.settings, now)

    def rotate(self) -> bytes:
        """Start signing with a fresh key; the old one stays trusted for the overlap. Returns the new kid."""
        with self._lock:
            keyring = load_keyring(self.keyring_path, self.clock()).with_new_key(self.clock(),
                                                                                 self.settings.overlap)
            save_keyring(keyring, self.keyring_path)
        return keyring.signing_key().kid

    def revoke(self, cti: bytes) -> None:
        with self._lock:
            keyring = load_keyring(self.keyring_path, self.clock())
            save_keyring(keyring.revoking(cti, self.clock(), self.settings.lifetime), self.keyring_path)

    def rules(self, station: str = "") -> HealthRules:
        """The default rules of health_rules.json, with the station's own overrides on top."""
        data = self._json_file(RULES_FILE, {})
        if not isinstance(data, dict):
            raise ConfigurationError(f"{self.data_dir / RULES_FILE}: expected a JSON object")
        stations = data.get("stations", {})
        merged = {**data.get("default", {}), **(stations.get(station, {}) if isinstance(stations, dict) else {})}
        try:
            return HealthRules.from_json(merged)
        except HealthRulesError as error:
            raise ConfigurationError(f"{self.data_dir / RULES_FILE}: {error}") from None

    def dcc_trust(self) -> list[dict[str, Any]]:
        entries = self._json_file(DCC_TRUST_FILE, [])
        try:
            TrustList.from_import(entries, str(self.data_dir / DCC_TRUST_FILE))
        except TrustError as error:
            raise ConfigurationError(str(error)) from None
        return entries

    def import_dcc_trust(self, entries: Any) -> int:
        """Replace the EU signing certificates with a checked import list; returns how many."""
        signers = TrustList.from_import(entries, "import").signers
        with replacing(self.data_dir / DCC_TRUST_FILE) as out:
            json.dump(entries, out, indent=2)
        return len(signers)

    def station_config_fragment(self, station: str = "") -> dict[str, Any]:
        """What a kiosk needs to verify signed codes offline, in the shape kiosk.trust reads."""
        now = self.clock()
        keyring = self.keyring()
        return {
            "declaration_keys": [key.to_json() for key in keyring.key_set(now)],
            "revoked_declarations": [base64.b64encode(cti).decode("ascii") for cti in keyring.revoked(now)],
            "dcc_trust": self.dcc_trust(),
            "health_rules": self.rules(station).to_json(),
        }

    def _json_file(self, name: str, default: Any) -> Any:
        path = self.data_dir / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return default
        except OSError as error:
            raise ConfigurationError(f"cannot read {path}: {os_problem(error)}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"{path} is not JSON: {error}") from None


def station_config_fragment(data_dir: Path | None = None, station: str = "") -> dict[str, Any]:
    """The key set, revoked declaration ids, EU trust list and health rules for a station's config."""
    return DeclarationService(data_dir).station_config_fragment(station)

