"""Issuing declarations: check what the visitor typed, sign it with the current key, render the QR.

`DeclarationService` is the one object the web page, the CLI and the station config share: it owns the
keyring file (guarded by a lock, since the page may be issuing while an admin rotates) and reads the
health rules and the EU trust list from the server's data directory.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import shutil
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Mapping

import platformdirs
from sqlalchemy.engine import Engine

from kiosk.atomic_file import replacing
from kiosk.contract import hidden_in
from kiosk.credentials import hd1
from kiosk.entry import utc_now
from kiosk.errors import os_problem
from kiosk.health_rules import HealthRules, HealthRulesError
from kiosk.reasons import Reason
from kiosk.sealing.authority import AuthorityKeyError
from kiosk.sealing.kept import sealed_content
from kiosk.sealing.seal import Sealed, seal_entry
from kiosk.tracing.identity import keys_for_query
from kiosk.trust import TrustError, TrustList
from server import secret_keys
from server.authority_keys import published_key_set
from server.declarations import ledger
from server.declarations.keyring import Keyring, load_keyring, save_keyring
from server.qr_image import render_qr

DATA_DIR_ENV = "KIOSK_SERVER_DATA_DIR"
KEYRING_FILE = "declaration_keyring.json"
RULES_FILE = "health_rules.json"
DCC_TRUST_FILE = "dcc_trust.json"
CTI_BYTES = 8
log = logging.getLogger(__name__)


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
        return render_qr(self.text)[0]

    def svg(self) -> str:
        return render_qr(self.text)[1]


def issue_declaration(keyring: Keyring, declaration: hd1.Declaration, settings: DeclarationSettings,
                      now: datetime) -> IssuedDeclaration:
    key = keyring.signing_key()
    cti = secrets.token_bytes(CTI_BYTES)
    expires_at = now + settings.lifetime
    text = hd1.encode(declaration, key=key.private_key, kid=key.kid, issuer=settings.issuer,
                      issued_at=now, expires_at=expires_at, cti=cti)
    return IssuedDeclaration(text, cti, key.kid, now, expires_at)


_PHONE = re.compile(r"0[0-9]{9,10}")
_ID_NUMBER = re.compile(r"[0-9]{9}|[0-9]{12}")
# What a field may hold before any cleaning: room for spaces and dots, far short of anything abusive.
MAX_TYPED = {"name": 120, "phone": 24, "id_number": 24, "answer": 16}
MAX_NAME = 60
_ID_NUMBER_REASON = Reason("input.id_number")


def _field_problem(value: str, longest: int) -> Reason | None:
    """Why a typed value is refused before its own rules are even looked at, if it is."""
    if len(value) > longest:
        return Reason("input.too-long", longest=longest)
    found = hidden_in(value)
    if found:
        code = f"U+{ord(found[0]):04X}"
        return Reason("input.hidden-character", character=code)
    return None


def _without_separators(number: str) -> str:
    return re.sub(r"[\s.-]", "", number)


def read_declaration(name: str, phone: str, id_number: str, answers: Mapping[str, str | bool | None],
                     rules: HealthRules, now: datetime) -> hd1.Declaration:
    """Check a visitor's input; raises DeclarationInputError naming every field that needs fixing."""
    problems: dict[str, Reason] = {}
    typed = {"name": name, "phone": phone, "id_number": id_number}
    typed.update({f"answer_{q.id}": answers.get(q.id) for q in rules.questions})
    for field, value in typed.items():
        if isinstance(value, str):
            problem = _field_problem(value, MAX_TYPED.get(field, MAX_TYPED["answer"]))
            if problem:
                problems[field] = problem
    name = " ".join(unicodedata.normalize("NFC", name).split())
    phone = _without_separators(phone)
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    id_number = _without_separators(id_number)
    if "name" not in problems and (not name or len(name) > MAX_NAME):
        problems["name"] = Reason("input.name", longest=MAX_NAME)
    if "phone" not in problems and not _PHONE.fullmatch(phone):
        problems["phone"] = Reason("input.phone")
    if "id_number" not in problems and not _ID_NUMBER.fullmatch(id_number):
        problems["id_number"] = _ID_NUMBER_REASON
    chosen: dict[str, bool] = {}
    for question in rules.questions:
        field = f"answer_{question.id}"
        answer = _yes_no(answers.get(question.id))
        if field in problems:
            continue
        if answer is None:
            problems[field] = Reason("input.answer")
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
    """The engine is needed to issue and revoke (every issued declaration is recorded) and may be left out
    for what the data directory alone answers: the station config part, key rotation, the EU trust list.

    The signing keyring and the person-tag secret live in the keys directory: `keys_dir`, else
    KIOSK_SERVER_KEYS_DIR, else the data directory. A keyring an older server wrote in the data directory
    is moved there, and a keyring others can read is made owner-only (server.secret_keys.owner_only)."""

    def __init__(self, data_dir: Path | None = None, settings: DeclarationSettings = DeclarationSettings(),
                 clock: Callable[[], datetime] = utc_now, engine: Engine | None = None,
                 keys_dir: Path | None = None) -> None:
        self.data_dir = data_dir or server_data_dir()
        configured = os.environ.get(secret_keys.KEYS_DIR_ENV)
        self.keys_dir = keys_dir or (Path(configured) if configured else self.data_dir)
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self._lock = threading.Lock()

    @property
    def keyring_path(self) -> Path:
        return self.keys_dir / KEYRING_FILE

    def keyring(self) -> Keyring:
        with self._lock:
            return load_keyring(self._keyring_file(), self.clock())

    def _keyring_file(self) -> Path:
        """The keyring's path, after moving an older server's keyring out of the data directory and
        making a keyring others can read owner-only."""
        path, older = self.keyring_path, self.data_dir / KEYRING_FILE
        if older != path and older.exists():
            secret_keys.owner_only(older)
            if path.exists():
                log.warning("a second declaration keyring is in the data directory; the keys directory's "
                            "is used: remove the other", extra={"fields": {"file": older.name}})
            else:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                shutil.move(older, path)
                log.warning("the declaration keyring moved from the data directory to the keys directory",
                            extra={"fields": {"file": path.name}})
        if path.exists():
            secret_keys.owner_only(path)
        return path

    def issue(self, name: str, phone: str, id_number: str, answers: Mapping[str, str | bool | None]
              ) -> IssuedDeclaration:
        """Check, sign and record; nothing is handed out that the record does not hold."""
        now = self.clock()
        declaration = read_declaration(name, phone, id_number, answers, self.rules(), now)
        issued = issue_declaration(self.keyring(), declaration, self.settings, now)
        ledger.record(self._engine(), self._person_tag(declaration.id_number), issued.cti, issued.kid,
                      issued.issued_at, issued.expires_at, self._sealed(declaration, issued))
        return issued

    def _sealed(self, declaration: hd1.Declaration, issued: IssuedDeclaration) -> Sealed | None:
        """What was declared, sealed to the authority's key of the week (kiosk.sealing.seal, bound to
        "hd1:<cti>"), so that only the authority can read it; None when no key covers the week (nothing of
        it is kept then but the tag and the dates)."""
        try:
            key_set = published_key_set(self.data_dir)
        except AuthorityKeyError as problem:
            raise ConfigurationError(f"the published authority key set cannot be used: {problem}") from None
        if key_set is None:
            return None
        content = sealed_content(hd1.FORMAT, keys_for_query(declaration.id_number)[0], "", {
            "name": declaration.name, "phone": declaration.phone, "id_number": declaration.id_number,
            "declared_at": declaration.declared_at.isoformat(), "answers": dict(declaration.answers),
            "declaration_id": issued.cti.hex(), "issued_at": issued.issued_at.isoformat(),
            "expires_at": issued.expires_at.isoformat()})
        return seal_entry(content, key_set, issued.issued_at, ledger.sealed_id(issued.cti))

    def rotate(self) -> bytes:
        """Start signing with a fresh key; the old one stays trusted for the overlap. Returns the new kid."""
        with self._lock:
            path = self._keyring_file()
            keyring = load_keyring(path, self.clock()).with_new_key(self.clock(), self.settings.overlap)
            save_keyring(keyring, path)
        return keyring.signing_key().kid

    def revoke(self, *ctis: bytes) -> None:
        """List the declarations as revoked for the kiosks, then mark them so in the record."""
        now = self.clock()
        self.revoke_until({cti: now + self.settings.lifetime for cti in ctis})
        ledger.mark_revoked(self._engine(), ctis, now)

    def revoke_until(self, until_by_cti: Mapping[bytes, datetime]) -> None:
        """List codes signed with these keys as revoked for the kiosks, each until it would have expired
        anyway (a meeting badge lives as long as its event, not a declaration's lifetime; its record is
        the caller's)."""
        now = self.clock()
        with self._lock:
            path = self._keyring_file()
            keyring = load_keyring(path, now)
            for cti, until in until_by_cti.items():
                if until > now:
                    keyring = keyring.revoking(cti, now, until - now)
            save_keyring(keyring, path)

    def issued_for(self, id_number: str) -> list[ledger.IssuedRecord]:
        """What was issued under this ID number, oldest first."""
        return ledger.for_person(self._engine(), self._person_tag(self._checked_id_number(id_number)))

    def revoke_person(self, id_number: str) -> list[ledger.IssuedRecord]:
        """Revoke every unexpired declaration issued under this ID number; returns those newly revoked."""
        now = self.clock()
        due = [r for r in self.issued_for(id_number) if r.revoked_at is None and r.expires_at > now]
        if due:
            self.revoke(*(r.cti for r in due))
        return due

    def _checked_id_number(self, id_number: str) -> str:
        problem = _field_problem(id_number, MAX_TYPED["id_number"])
        digits = _without_separators(id_number)
        if problem or not _ID_NUMBER.fullmatch(digits):
            raise DeclarationInputError({"id_number": problem or _ID_NUMBER_REASON})
        return digits

    def _person_tag(self, id_number: str) -> str:
        try:
            return ledger.person_tag(ledger.person_secret(self.keys_dir), id_number)
        except ledger.SecretError as error:
            raise ConfigurationError(str(error)) from None

    def _engine(self) -> Engine:
        if self.engine is None:
            raise TypeError("issuing and revoking declarations needs DeclarationService(engine=...)")
        return self.engine

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

