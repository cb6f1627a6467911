"""What the server issued: one row per signed declaration, with no personal data in clear.

A declaration is found by person through a keyed tag of the ID number: HMAC-SHA256 with a secret kept in
the server's data directory. A plain hash would not do: a 12-digit ID number has 10^12 values, which a
laptop hashes through in hours, so a copy of the database would give every number back. Without the
secret file the tags are useless; with a new secret file the old rows can no longer be found by person
(back it up with the keyring).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.errors import os_problem
from server.database import writing
from server.stations import as_utc
from server.tables import issued_declarations

SECRET_FILE = "declaration_person_secret"
SECRET_BYTES = 32


class SecretError(Exception):
    """The person-tag secret cannot be read or created; the message names the file."""


@dataclass(frozen=True)
class IssuedRecord:
    cti: bytes
    kid: bytes
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def person_secret(data_dir: Path) -> bytes:
    """The HMAC key, created owner-only (0600) on first use. Several server processes may start at once:
    the file is written under a temporary name and linked into place, so each one reads the same key."""
    path = data_dir / SECRET_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise SecretError(f"cannot read {path}: {os_problem(error)}") from None
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary = data_dir / f".{SECRET_FILE}.{secrets.token_hex(8)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as out:
                out.write(base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii") + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            temporary.unlink(missing_ok=True)
        return _read_secret(path)
    except OSError as error:
        raise SecretError(f"cannot create {path}: {os_problem(error)}") from None


def _read_secret(path: Path) -> bytes:
    try:
        secret = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except ValueError:
        raise SecretError(f"{path} is damaged; restore it from a backup") from None
    if len(secret) != SECRET_BYTES:
        raise SecretError(f"{path} is damaged; restore it from a backup")
    return secret


def person_tag(secret: bytes, id_number: str) -> str:
    """The keyed tag stored instead of the ID number (pass the number as signed: digits only)."""
    return hmac.new(secret, b"hd1-person:" + id_number.encode("ascii"), hashlib.sha256).hexdigest()


def record(engine: Engine, tag: str, cti: bytes, kid: bytes, issued_at: datetime, expires_at: datetime) -> None:
    with writing(engine) as conn:
        conn.execute(sa.insert(issued_declarations).values(
            cti=cti.hex(), kid=kid.hex(), person_tag=tag, issued_at=issued_at, expires_at=expires_at))


def for_person(engine: Engine, tag: str) -> list[IssuedRecord]:
    """Every declaration issued under this tag, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(issued_declarations).where(issued_declarations.c.person_tag == tag)
                            .order_by(issued_declarations.c.issued_at, issued_declarations.c.cti))
        return [IssuedRecord(bytes.fromhex(r.cti), bytes.fromhex(r.kid), as_utc(r.issued_at), as_utc(r.expires_at),
                             as_utc(r.revoked_at))
                for r in rows]


def mark_revoked(engine: Engine, ctis: Iterable[bytes], now: datetime) -> None:
    hexes = [cti.hex() for cti in ctis]
    with writing(engine) as conn:
        conn.execute(sa.update(issued_declarations)
                     .where(issued_declarations.c.cti.in_(hexes), issued_declarations.c.revoked_at.is_(None))
                     .values(revoked_at=now))
