"""The server's own secrets: small random keys in one owner-only directory, never in the database.

- `person-tag`: tags every person key the server keeps (entries, visits, links, declarations, the audit).
  Its file keeps its historic name, `declaration_person_secret`, so declarations issued before it tagged
  entries too can still be found by person.
- `watch-root`: the watch list's weekly keys are derived from it (kiosk.sealing.tags.watch_week_key);
  stations get one week's key at a time, never this.
- `pending-box`: closes the personal fields an old kiosk sent in clear while no authority key was
  published; they are sealed to the authority, and the box dropped, once one is.
- `meeting-root`: each event's door key is derived from it (kiosk.meetings.roster.event_door_key); only
  the stations an event's sessions name get that event's key, never this.

The directory is KIOSK_SERVER_KEYS_DIR, or else the data directory (KIOSK_SERVER_DATA_DIR). Put it outside
the database's directory, and on a disk a database dump or backup does not carry (a systemd credential or
a separate volume): docs/privacy.md says what a copy of the database reveals with and without it. A key
file others can read is made owner-only when it is read, and the server says so in its log.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import stat
from functools import cache
from pathlib import Path

from kiosk.atomic_file import create_once
from kiosk.sealing.tags import person_tag

log = logging.getLogger(__name__)

KEYS_DIR_ENV = "KIOSK_SERVER_KEYS_DIR"
SECRET_BYTES = 32
FILES = {
    "person-tag": "declaration_person_secret",
    "watch-root": "watch_root_secret",
    "pending-box": "pending_box_secret",
    "meeting-root": "meeting_root_secret",
}


class SecretError(Exception):
    """A secret cannot be read or created; the message names the file."""


def keys_dir() -> Path:
    from server.declarations.issuing import server_data_dir  # the data directory is defined there

    configured = os.environ.get(KEYS_DIR_ENV)
    return Path(configured) if configured else server_data_dir()


def secret(name: str, directory: Path | None = None) -> bytes:
    """The secret `name` (a key of FILES), created owner-only (0600) on first use. Several server
    processes may start at once: the file is written under a temporary name and linked into place, so
    each one reads the same key."""
    directory = directory or keys_dir()
    return _secret(directory.resolve(), FILES[name])


def tag_person(person_key: str, directory: Path | None = None) -> str:
    """The server's tag of a person key (kiosk.sealing.tags.person_tag under `person-tag`)."""
    return person_tag(secret("person-tag", directory), person_key)


@cache
def _secret(directory: Path, file_name: str) -> bytes:
    path = directory / file_name
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise SecretError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        create_once(path, base64.b64encode(secrets.token_bytes(SECRET_BYTES)) + b"\n")
        return _read_secret(path)
    except OSError as error:
        raise SecretError(f"cannot create {path}: {error.strerror or error}") from None


def owner_only(path: Path) -> None:
    """Make a key file others can read owner-only, and say so: it may have been copied already."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        os.chmod(path, 0o600)
        log.warning("a key file was readable by others and is now owner-only", extra={"fields": {"file": path.name}})


def _read_secret(path: Path) -> bytes:
    text = path.read_text(encoding="ascii")
    owner_only(path)
    try:
        value = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise SecretError(f"{path} is damaged; restore it from a backup") from None
    if len(value) != SECRET_BYTES:
        raise SecretError(f"{path} is damaged; restore it from a backup")
    return value
