"""The station secret: 32 random bytes kept where the operating system keeps a logged-in user's secrets,
never in the kiosk's data folder, so that a copied data folder (database, WAL, logs, exports) reveals
nothing a tag or a box hides.

From it come the kiosk's tag key (stored person keys are tagged with it) and its box key (what the kiosk
keeps for itself until upload: an entry's clear keys, and its fields while no authority key covers the
week). Where it lives, in order:

- a systemd credential (`$CREDENTIALS_DIRECTORY/kiosk-station-secret`), when the service manager gives one;
- on Windows, a file in the secrets folder protected with DPAPI for the logged-in user;
- elsewhere, an owner-only (0600) file in the secrets folder.

The secrets folder is KIOSK_SECRETS_DIR, by default `secrets` in the user's config folder of the kiosk's
application name (kiosk.settings.APP_NAME, outside the data folder). The file is created on first use, written under a temporary name and linked into place, so that
two processes starting at once (the window and `kiosk sync`) use the same secret.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import stat
import sys
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

import platformdirs

from kiosk.atomic_file import create_once
from kiosk.errors import KioskError, os_problem
from kiosk.messages import Message
from kiosk.sealing.tags import derive
from kiosk.settings import APP_NAME

log = logging.getLogger(__name__)

SECRETS_DIR_ENV = "KIOSK_SECRETS_DIR"
CREDENTIAL_NAME = "kiosk-station-secret"
FILE_NAME = "station_secret"
SECRET_BYTES = 32
TAG_LABEL = "person-tag"
BOX_LABEL = "local-box"
# What `kiosk status` and the log say when the secret is a plain file: a stolen disk carries it.
PLAIN_FILE = Message("secret.plain_file")


class Backend(str, Enum):
    """Where the station secret is kept (what `kiosk status` says)."""

    SYSTEMD_CREDENTIAL = "systemd-credential"
    WINDOWS_DPAPI = "windows-dpapi"
    OWNER_ONLY_FILE = "owner-only-file"


class SecretError(KioskError):
    """The station secret cannot be read or created; the message names the place."""


@dataclass(frozen=True)
class StationKeys:
    """The keys the kiosk derives from its station secret."""

    tag_key: bytes  # tags stored person keys (kiosk.sealing.tags.tagged_key)
    box_key: bytes  # closes what the kiosk keeps for itself (kiosk.sealing.boxes)

    @classmethod
    def from_secret(cls, secret: bytes) -> "StationKeys":
        return cls(derive(secret, TAG_LABEL), derive(secret, BOX_LABEL))


def secrets_dir() -> Path:
    configured = os.environ.get(SECRETS_DIR_ENV)
    return Path(configured) if configured else Path(platformdirs.user_config_dir(APP_NAME)) / "secrets"


def backend() -> Backend:
    if _credential_path() is not None:
        return Backend.SYSTEMD_CREDENTIAL
    return Backend.WINDOWS_DPAPI if sys.platform == "win32" else Backend.OWNER_ONLY_FILE


def warning() -> Message | None:
    """What the operator must do about where the secret is kept, or None: a plain file (not a credential,
    not DPAPI) is on the same disk as the data it protects."""
    return PLAIN_FILE if backend() is Backend.OWNER_ONLY_FILE else None


@cache
def log_warning() -> None:
    """Say `warning()` once in the log (the door calls it as it starts)."""
    notice = warning()
    if notice is not None:
        log.warning("%s (%s)", notice.text("en"), location())


def location() -> str:
    """Where the secret is, in words for the operator (no secret in it)."""
    credential = _credential_path()
    return str(credential) if credential is not None else str(secrets_dir() / FILE_NAME)


def station_keys() -> StationKeys:
    return StationKeys.from_secret(station_secret())


def station_secret() -> bytes:
    """The station secret, created on first use."""
    credential = _credential_path()
    if credential is not None:
        return _from_credential(credential)
    return _from_file(secrets_dir().resolve() / FILE_NAME, sys.platform == "win32")


def _credential_path() -> Path | None:
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        return None
    path = Path(directory) / CREDENTIAL_NAME
    return path if path.exists() else None


def _from_credential(path: Path) -> bytes:
    """Raw 32 bytes, or their base64 text (`systemd-creds encrypt` keeps either)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SecretError(f"cannot read the station secret credential {path}: {os_problem(error)}") from None
    if len(data) == SECRET_BYTES:
        return data
    return _decoded(data, path)


@cache
def _from_file(path: Path, protected: bool) -> bytes:
    try:
        return _read(path, protected)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise SecretError(f"cannot read the station secret {path}: {os_problem(error)}") from None
    try:
        content = base64.b64encode(secrets.token_bytes(SECRET_BYTES)) + b"\n"
        create_once(path, _dpapi(content, protect=True) if protected else content)
        return _read(path, protected)
    except OSError as error:
        raise SecretError(f"cannot create the station secret {path}: {os_problem(error)}") from None


def _read(path: Path, protected: bool) -> bytes:
    data = path.read_bytes()
    if protected:
        data = _dpapi(data, protect=False)
    else:
        _owner_only(path)
    return _decoded(data, path)


def _decoded(data: bytes, path: Path) -> bytes:
    try:
        value = base64.b64decode(data.strip(), validate=True)
    except ValueError:
        value = b""
    if len(value) != SECRET_BYTES:
        raise SecretError(f"the station secret {path} is damaged: restore it from a backup, or remove it "
                          "(entries not yet uploaded can then no longer be sent)")
    return value


def _owner_only(path: Path) -> None:
    """A secret others can read is made owner-only, and the log says so: it may have been copied already."""
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        os.chmod(path, 0o600)
        log.warning("the station secret was readable by other users and is now owner-only: %s", path)


def _dpapi(data: bytes, protect: bool) -> bytes:
    """CryptProtectData / CryptUnprotectData for the logged-in user (Windows only)."""
    import ctypes
    from ctypes import wintypes

    class Blob(ctypes.Structure):
        _fields_ = [("cbData", wintypes.DWORD), ("pbData", ctypes.POINTER(ctypes.c_char))]

    crypt32, kernel32 = ctypes.windll.crypt32, ctypes.windll.kernel32  # type: ignore[attr-defined]
    buffer = ctypes.create_string_buffer(data, len(data))
    source, result = Blob(len(data), ctypes.cast(buffer, ctypes.POINTER(ctypes.c_char))), Blob()
    ui_forbidden = 0x1  # CRYPTPROTECT_UI_FORBIDDEN
    call = crypt32.CryptProtectData if protect else crypt32.CryptUnprotectData
    if not call(ctypes.byref(source), None, None, None, None, ui_forbidden, ctypes.byref(result)):
        raise OSError(ctypes.GetLastError(), "Windows could not " + ("protect" if protect else "open")
                      + " the station secret for this user")
    try:
        return ctypes.string_at(result.pbData, result.cbData)
    finally:
        kernel32.LocalFree(result.pbData)
