"""The health authority's keys: a private file only the authority holds, and a signed set of weekly public
keys that the server hands to every station.

`authority.key` holds an Ed25519 signing key and the seed of its first week. Each week's seed is the hash
of the week before's (a chain that only runs forward), and the week's sealing key is derived from it
(HKDF-SHA256): an ML-KEM-768 key and an X25519 key, used together as HPKE's hybrid KEM (`MLKEM768_X25519`),
so a sealed entry stays closed even to a future quantum computer as long as either half holds. One week's
private key, if it leaks, opens that week's entries and no other. `forgetting(week)` moves the file's
first week forward: the weeks before can then be opened by no one, not even with the file, which is how
the authority makes entries past their retention unreadable in its own backups too.

`authority.pub` lists the public keys of the weeks it covers and is signed by the signing key. A station
pins the whole signing key the first time it accepts a set (or is told its fingerprint in its settings) and
refuses a key set signed by another: a server, or anyone between it and the station, cannot slip in its own
keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from kiosk.sealing.weeks import WEEK, week_of, week_start, weeks_from

PRIVATE_FORMAT = "kiosk-authority-key/1"
PUBLIC_FORMAT = "kiosk-authority-keys/1"
SUITE_NAME = "MLKEM768-X25519/HKDF-SHA256/ChaCha20-Poly1305"
SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
DEFAULT_WEEKS = 26  # what one `authority keygen` covers: half a year of weekly keys
SEED_BYTES = 32
FINGERPRINT_DIGITS = 32  # hex digits people compare (`fingerprint`)
KEY_ID_DIGITS = 16  # hex digits of a sealed entry's kid (`key_id`, kiosk.contract.SEALED_KID_PATTERN)
_MLKEM_PUBLIC_BYTES = 1184
_X25519_BYTES = 32


class AuthorityKeyError(Exception):
    """An authority key file that cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class WeekKey:
    week: str  # "2026-W49"
    public: hpke.MLKEM768X25519PublicKey
    public_bytes: bytes  # ML-KEM-768 public key followed by the X25519 public key


@dataclass(frozen=True)
class AuthorityKeySet:
    """What `authority.pub` holds: the weekly public keys, signed by the authority."""

    signing_key: bytes  # Ed25519 public key, raw
    issued_at: datetime
    weeks: tuple[WeekKey, ...]
    signature: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.signing_key)

    @property
    def key_id(self) -> str:
        return key_id(self.signing_key)

    def key_for(self, moment: datetime) -> WeekKey | None:
        """The key that seals what happened at `moment`: its week's, the first week's for anything older
        (entries a kiosk kept from before the authority published, or a database being converted), None
        past the set's last week (the authority must publish more)."""
        start = moment.astimezone(timezone.utc)
        if start < week_start(self.weeks[0].week):
            return self.weeks[0]
        for key in self.weeks:
            if week_start(key.week) <= start < week_start(key.week) + WEEK:
                return key
        return None

    @property
    def last_day(self) -> datetime:
        """When the last key of the set stops sealing."""
        return max(week_start(key.week) for key in self.weeks) + WEEK

    def to_json(self) -> dict[str, Any]:
        return {**_signed_part(self.signing_key, self.issued_at, self.weeks), "signature": _b64(self.signature)}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> "AuthorityKeySet":
        """Parse and verify; AuthorityKeyError when the document is not a key set its own key signed."""
        try:
            if document.get("format") != PUBLIC_FORMAT or document.get("suite") != SUITE_NAME:
                raise AuthorityKeyError("this is not a health authority key set this kiosk can use")
            signing_key = _unb64(document["signing_key"])
            issued_at = datetime.fromisoformat(document["issued_at"])
            weeks = tuple(_week_key(item["week"], _unb64(item["public"])) for item in document["weeks"])
            signature = _unb64(document["signature"])
            Ed25519PublicKey.from_public_bytes(signing_key).verify(
                signature, _canonical(_signed_part(signing_key, issued_at, weeks)))
        except AuthorityKeyError:
            raise
        except InvalidSignature:
            raise AuthorityKeyError("the authority key set's signature does not match: it was changed") from None
        except (KeyError, TypeError, ValueError):
            raise AuthorityKeyError("the authority key set is damaged") from None
        if not weeks:
            raise AuthorityKeyError("the authority key set holds no key")
        return cls(signing_key, issued_at, weeks, signature)


@dataclass(frozen=True)
class AuthorityPrivateKey:
    """What `authority.key` holds. Only the health authority has it: never on a kiosk or the server."""

    seed: bytes  # the seed of `first_week`
    first_week: str
    signing: Ed25519PrivateKey
    created_at: datetime

    @property
    def fingerprint(self) -> str:
        return fingerprint(_raw_public(self.signing))

    @property
    def key_id(self) -> str:
        return key_id(_raw_public(self.signing))

    def week_private(self, week: str) -> hpke.MLKEM768X25519PrivateKey:
        """The private key of `week`; AuthorityKeyError for a week this file has forgotten."""
        return _week_private(self._week_seed(week))

    def forgetting(self, first_week: str) -> "AuthorityPrivateKey":
        """The same key without the weeks before `first_week` (unchanged if it forgot them already)."""
        if week_start(first_week) <= week_start(self.first_week):
            return self
        return replace(self, seed=self._week_seed(first_week), first_week=first_week)

    def _week_seed(self, week: str) -> bytes:
        steps = (week_start(week) - week_start(self.first_week)) // WEEK
        if steps < 0:
            raise AuthorityKeyError(f"this key file no longer opens {week}: its weeks before "
                                    f"{self.first_week} were forgotten")
        seed = self.seed
        for _ in range(steps):
            seed = hashlib.sha256(b"kiosk-authority-next-week|" + seed).digest()
        return seed

    def key_set(self, start: datetime, count: int = DEFAULT_WEEKS) -> AuthorityKeySet:
        """The signed public keys of `count` weeks from the week of `start`."""
        weeks = tuple(self._week_key(week) for week in weeks_from(start, count))
        issued_at = datetime.now(timezone.utc).replace(microsecond=0)
        public = _raw_public(self.signing)
        signature = self.signing.sign(_canonical(_signed_part(public, issued_at, weeks)))
        return AuthorityKeySet(public, issued_at, weeks, signature)

    def _week_key(self, week: str) -> WeekKey:
        mlkem_key, x_key = _week_parts(self._week_seed(week))
        raw = (mlkem_key.public_key().public_bytes_raw()
               + x_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        return _week_key(week, raw)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PRIVATE_FORMAT,
            "seed": _b64(self.seed),
            "first_week": self.first_week,
            "signing_key": _b64(self.signing.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())),
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> "AuthorityPrivateKey":
        try:
            if document.get("format") != PRIVATE_FORMAT:
                raise AuthorityKeyError("this is not a health authority private key file")
            seed = _unb64(document["seed"])
            if len(seed) != SEED_BYTES:
                raise ValueError("seed length")
            first_week = str(document["first_week"])
            week_start(first_week)
            return cls(seed, first_week, Ed25519PrivateKey.from_private_bytes(_unb64(document["signing_key"])),
                       datetime.fromisoformat(document["created_at"]))
        except AuthorityKeyError:
            raise
        except (KeyError, TypeError, ValueError):
            raise AuthorityKeyError("the authority private key file is damaged") from None


def generate_private_key(first_week: str | None = None) -> AuthorityPrivateKey:
    """A new authority key whose chain starts at `first_week` (default: this week)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return AuthorityPrivateKey(secrets.token_bytes(SEED_BYTES), first_week or week_of(now),
                               Ed25519PrivateKey.generate(), now)


def fingerprint(signing_key: bytes) -> str:
    """What a person compares by eye: 32 hex digits (128 bits of SHA-256) in eight groups of four. Making
    another signing key with the same fingerprint takes about 2^128 tries: out of anyone's reach."""
    digest = _digest(signing_key)[:FINGERPRINT_DIGITS]
    return " ".join(digest[i:i + 4] for i in range(0, FINGERPRINT_DIGITS, 4))


def key_id(signing_key: bytes) -> str:
    """The key's name in a sealed entry's kid ("3F2A9C01B7D4E655/2026-W49"): the fingerprint's first 16
    digits, without spaces. It names the key for the one who opens the entry and decides no trust: a kiosk
    trusts a key set by its whole signing key (kiosk.authority_pin)."""
    return _digest(signing_key)[:KEY_ID_DIGITS]


def _digest(signing_key: bytes) -> str:
    return hashlib.sha256(b"kiosk-authority|" + signing_key).hexdigest().upper()


# --- files ------------------------------------------------------------------------------------------------

def write_private_key(key: AuthorityPrivateKey, path: Path) -> None:
    """Owner-only from the first byte, never replacing an existing file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(key.to_json(), out, indent=2)
        out.write("\n")


def read_private_key(path: Path) -> AuthorityPrivateKey:
    return AuthorityPrivateKey.from_json(_read_json(path, "authority private key"))


def write_key_set(key_set: AuthorityKeySet, path: Path) -> None:
    path.write_text(json.dumps(key_set.to_json(), indent=2) + "\n", encoding="utf-8")


def read_key_set(path: Path) -> AuthorityKeySet:
    return AuthorityKeySet.from_json(_read_json(path, "authority key set"))


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AuthorityKeyError(f"cannot read the {what} {path}: {error.strerror or error}") from None
    except ValueError:
        raise AuthorityKeyError(f"{path} is not a {what} file") from None
    if not isinstance(document, dict):
        raise AuthorityKeyError(f"{path} is not a {what} file")
    return document


# --- helpers ----------------------------------------------------------------------------------------------

def _signed_part(signing_key: bytes, issued_at: datetime, weeks: tuple[WeekKey, ...]) -> dict[str, Any]:
    return {
        "format": PUBLIC_FORMAT,
        "suite": SUITE_NAME,
        "signing_key": _b64(signing_key),
        "issued_at": issued_at.isoformat(),
        "weeks": [{"week": key.week, "public": _b64(key.public_bytes)} for key in weeks],
    }


def _week_key(week: str, raw: bytes) -> WeekKey:
    week_start(week)
    if len(raw) != _MLKEM_PUBLIC_BYTES + _X25519_BYTES:
        raise ValueError("public key length")
    public = hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(raw[:_MLKEM_PUBLIC_BYTES]),
        x25519.X25519PublicKey.from_public_bytes(raw[_MLKEM_PUBLIC_BYTES:]))
    return WeekKey(week, public, raw)


@lru_cache(maxsize=64)
def _week_private(week_seed: bytes) -> hpke.MLKEM768X25519PrivateKey:
    return hpke.MLKEM768X25519PrivateKey(*_week_parts(week_seed))


def _week_parts(week_seed: bytes) -> tuple[mlkem.MLKEM768PrivateKey, x25519.X25519PrivateKey]:
    return (mlkem.MLKEM768PrivateKey.from_seed_bytes(_expand(week_seed, "mlkem768", 64)),
            x25519.X25519PrivateKey.from_private_bytes(_expand(week_seed, "x25519", 32)))


def _expand(seed: bytes, label: str, length: int) -> bytes:
    return HKDF(hashes.SHA256(), length, salt=b"kiosk-authority", info=label.encode("ascii")).derive(seed)


def _raw_public(signing: Ed25519PrivateKey) -> bytes:
    return signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _canonical(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise TypeError("not base64 text")
    return base64.b64decode(text, validate=True)
