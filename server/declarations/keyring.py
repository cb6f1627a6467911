"""The server's declaration signing keys: Ed25519 with key ids, rotation with an overlap, revocation by cti.

Stored as one JSON file in the server's data directory, private keys included, so the file is written
owner-only (0600) and replaced atomically. The newest key signs; an older key stays in the key set the
kiosks download until its overlap ends, so declarations it signed keep verifying until they expire.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from kiosk.atomic_file import replacing
from kiosk.errors import os_problem
from kiosk.trust import DeclarationKey

KID_BYTES = 8


class KeyringError(Exception):
    """The keyring file cannot be read or written; the message says which file and why."""


@dataclass(frozen=True)
class SigningKey:
    kid: bytes
    private_key: Ed25519PrivateKey
    created_at: datetime
    retired_at: datetime | None = None       # stops signing from here on
    trusted_until: datetime | None = None    # leaves the kiosks' key set from here on

    def public(self) -> DeclarationKey:
        return DeclarationKey(self.kid, self.private_key.public_key(), self.created_at, self.trusted_until)


@dataclass(frozen=True)
class Revocation:
    cti: bytes
    revoked_at: datetime
    # A revoked declaration has expired by then at the latest, so the kiosks may forget it.
    listed_until: datetime


@dataclass(frozen=True)
class Keyring:
    keys: tuple[SigningKey, ...] = ()
    revocations: tuple[Revocation, ...] = ()

    def signing_key(self) -> SigningKey:
        active = [key for key in self.keys if key.retired_at is None]
        if not active:
            raise KeyringError("the keyring has no active signing key")
        return active[-1]

    def with_new_key(self, now: datetime, overlap: timedelta) -> "Keyring":
        """Rotate: retire the signing key (trusted for `overlap` more) and add a fresh one."""
        kept = tuple(
            replace(key, retired_at=now, trusted_until=now + overlap) if key.retired_at is None else key
            for key in self.keys
        )
        return replace(self, keys=kept + (_new_key(now),))

    def revoking(self, cti: bytes, now: datetime, lifetime: timedelta) -> "Keyring":
        if any(r.cti == cti for r in self.revocations):
            return self
        return replace(self, revocations=self.revocations + (Revocation(cti, now, now + lifetime),))

    def key_set(self, now: datetime) -> tuple[DeclarationKey, ...]:
        """Public keys the kiosks should trust now (keys whose overlap has ended are left out)."""
        return tuple(key.public() for key in self.keys if key.trusted_until is None or key.trusted_until > now)

    def revoked(self, now: datetime) -> tuple[bytes, ...]:
        return tuple(r.cti for r in self.revocations if r.listed_until > now)


def load_keyring(path: Path, now: datetime) -> Keyring:
    """Read the keyring, creating it with a first key when the file does not exist yet."""
    if not path.exists():
        keyring = Keyring(keys=(_new_key(now),))
        save_keyring(keyring, path)
        return keyring
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Keyring(
            keys=tuple(_key_from_json(item) for item in data["keys"]),
            revocations=tuple(
                Revocation(_unb64(r["cti"]), _time(r["revoked_at"]), _time(r["listed_until"]))
                for r in data.get("revocations", [])
            ),
        )
    except OSError as error:
        raise KeyringError(f"cannot read the keyring {path}: {os_problem(error)}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise KeyringError(f"the keyring {path} is damaged ({error}); restore it from a backup") from None


def save_keyring(keyring: Keyring, path: Path) -> None:
    """Write owner-only, atomically: a crash leaves the old file or the new one, never half of one."""
    data = {
        "keys": [_key_to_json(key) for key in keyring.keys],
        "revocations": [
            {"cti": _b64(r.cti), "revoked_at": r.revoked_at.isoformat(), "listed_until": r.listed_until.isoformat()}
            for r in keyring.revocations
        ],
    }
    try:
        with replacing(path, mode=0o600) as stream:
            json.dump(data, stream, indent=2)
    except OSError as error:
        raise KeyringError(f"cannot write the keyring {path}: {os_problem(error)}") from None


def _new_key(now: datetime) -> SigningKey:
    return SigningKey(secrets.token_bytes(KID_BYTES), Ed25519PrivateKey.generate(), now)


def _key_to_json(key: SigningKey) -> dict[str, Any]:
    raw = key.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return {
        "kid": _b64(key.kid),
        "private_key": _b64(raw),
        "created_at": key.created_at.isoformat(),
        "retired_at": key.retired_at.isoformat() if key.retired_at else None,
        "trusted_until": key.trusted_until.isoformat() if key.trusted_until else None,
    }


def _key_from_json(item: dict[str, Any]) -> SigningKey:
    return SigningKey(
        kid=_unb64(item["kid"]),
        private_key=Ed25519PrivateKey.from_private_bytes(_unb64(item["private_key"])),
        created_at=_time(item["created_at"]),
        retired_at=_time(item["retired_at"]) if item.get("retired_at") else None,
        trusted_until=_time(item["trusted_until"]) if item.get("trusted_until") else None,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
