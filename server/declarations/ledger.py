"""What the server issued: one row per signed declaration, with no personal data in clear: what was
declared is kept only sealed to the health authority (kiosk.sealing.seal, bound to "hd1:<cti>"), so the
authority can read it and nobody else; before any authority key is published it is not kept at all.

A declaration is found by person through a keyed tag of the ID number: HMAC-SHA256 with a secret kept in
the server's keys directory (server.secret_keys). A plain hash would not do: a 12-digit ID number has 10^12 values, which a
laptop hashes through in hours, so a copy of the database would give every number back. Without the
secret file the tags are useless; with a new secret file the old rows can no longer be found by person
(back it up with the keyring).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.sealing.seal import Sealed
from server import secret_keys
from server.database import writing
from server.stations import as_utc
from server.tables import issued_declarations

@dataclass(frozen=True)
class IssuedRecord:
    cti: bytes
    kid: bytes
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def person_secret(data_dir: Path) -> bytes:
    """The HMAC key (server.secret_keys "person-tag"), created owner-only on first use."""
    return secret_keys.secret("person-tag", data_dir)


def person_tag(secret: bytes, id_number: str) -> str:
    """The keyed tag stored instead of the ID number (pass the number as signed: digits only)."""
    return hmac.new(secret, b"hd1-person:" + id_number.encode("ascii"), hashlib.sha256).hexdigest()


def sealed_id(cti: bytes) -> str:
    """What a declaration's sealed box is bound to (the entry id of kiosk.sealing.seal.open_entry)."""
    return f"hd1:{cti.hex()}"


def record(engine: Engine, tag: str, cti: bytes, kid: bytes, issued_at: datetime, expires_at: datetime,
           sealed: Sealed | None = None) -> None:
    with writing(engine) as conn:
        conn.execute(sa.insert(issued_declarations).values(
            cti=cti.hex(), kid=kid.hex(), person_tag=tag, issued_at=issued_at, expires_at=expires_at,
            sealed=sealed.box if sealed else None, sealed_kid=sealed.kid if sealed else None))


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
