"""Dashboard administrators: scrypt-hashed passwords and server-side sessions (work behind a load balancer)."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.entry import utc_now
from server.database import writing
from server.passwords import hash_password, verify_password
from server.stations import AdminRequestError, as_utc
from server.tables import admins, sessions
from server.tokens import token_hash

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10


def add_admin(engine: Engine, username: str, password: str) -> None:
    """Create an administrator, or set a new password for an existing one."""
    username = username.strip()
    if not username:
        raise AdminRequestError("The user name is empty.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminRequestError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    hashed = hash_password(password)  # scrypt is slow on purpose: not inside the write lock
    with writing(engine) as conn:
        updated = conn.execute(admins.update().where(admins.c.username == username).values(password_hash=hashed))
        if updated.rowcount == 0:
            conn.execute(admins.insert().values(username=username, password_hash=hashed, created_at=utc_now()))


def log_in(engine: Engine, username: str, password: str) -> str | None:
    """A new session token when the password is right, else None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(admins.c.id, admins.c.password_hash).where(admins.c.username == username)).first()
    # scrypt is slow on purpose: checked before taking the write lock that uploads need too.
    if row is None or not verify_password(password, row.password_hash):
        return None
    with writing(engine) as conn:
        conn.execute(sessions.delete().where(sessions.c.expires_at < utc_now()))
        token = secrets.token_urlsafe(32)
        conn.execute(sessions.insert().values(token_hash=token_hash(token), admin_id=row.id,
                                              expires_at=utc_now() + SESSION_LIFETIME))
    return token


def admin_for_session(conn: Connection, token: str) -> str | None:
    row = conn.execute(
        sa.select(admins.c.username, sessions.c.expires_at)
        .join(admins, admins.c.id == sessions.c.admin_id)
        .where(sessions.c.token_hash == token_hash(token))
    ).first()
    if row is None or as_utc(row.expires_at) < utc_now():
        return None
    return row.username


def log_out(engine: Engine, token: str) -> None:
    with writing(engine) as conn:
        conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash(token)))
