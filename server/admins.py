"""Dashboard administrators: scrypt-hashed passwords, server-side sessions (work behind a load balancer), and
the login back-off.

Back-off, as a bank's login does it: after FREE_FAILURES failed logins in a row for a user name, or from a
client address, further attempts are refused (429) for LOCK_BASE, doubling with each further failure up to
LOCK_MAX; a success clears it. The lock is never permanent, and it does not reach the browsers where the
administrator logged in before: a successful login leaves a device cookie bound to the user and the
password, and a login from such a browser is counted on its own (OWASP "device cookies"), so an attacker
who keeps failing cannot keep the real administrator out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from server.database import writing
from server.passwords import DISABLED_MARK, dummy_hash, hash_password, password_problem, verify_password
from server.stations import AdminRequestError, as_utc
from server.roles import Role
from server.tables import admin_sites, admin_tokens, admins, login_throttle, sessions
from server.tokens import token_hash
from server.typed_text import hidden_character_problem

SESSION_LIFETIME = timedelta(hours=12)
FREE_FAILURES = 5
LOCK_BASE = timedelta(seconds=30)
LOCK_MAX = timedelta(minutes=15)
FORGET_FAILURES_AFTER = timedelta(hours=24)
API_TOKEN_PREFIX = "kat_"  # told apart from a station's token (kst_) at a glance


@dataclass(frozen=True)
class LoginResult:
    """A session token (and the device cookie to keep) on success; else how long to wait, when locked."""

    token: str | None = None
    device: str | None = None
    retry_after: int | None = None


def _user_key(username: str) -> str:
    return unicodedata.normalize("NFC", username.strip()).casefold()


def _find_admin(conn: Connection, username: str) -> sa.Row | None:
    wanted = _user_key(username)
    rows = conn.execute(sa.select(admins.c.id, admins.c.username, admins.c.password_hash, admins.c.role)).all()
    return next((row for row in rows if _user_key(row.username) == wanted), None)


def _existing_admin(conn: Connection, username: str) -> sa.Row:
    row = _find_admin(conn, username)
    if row is None:
        raise AdminRequestError(f"No administrator is named {username!r}.")
    return row


def _checked_hash(username: str, password: str) -> str:
    problem = password_problem(username, password)
    if problem:
        raise AdminRequestError(problem)
    return hash_password(password)  # scrypt is slow on purpose: not inside the write lock


def _end_sessions(conn: Connection, admin_id: int) -> None:
    conn.execute(sessions.delete().where(sessions.c.admin_id == admin_id))


def _revoke_tokens(conn: Connection, admin_id: int) -> int:
    return conn.execute(admin_tokens.update()
                        .where(admin_tokens.c.admin_id == admin_id, admin_tokens.c.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(timezone.utc))).rowcount


def add_admin(engine: Engine, username: str, password: str, role: Role = Role.ADMIN,
              sites: Sequence[str] = ()) -> None:
    """Create a user with a role, or give an existing one a new password, role and sites (which ends their
    sessions). A site administrator needs at least one site; the other roles have none."""
    username = unicodedata.normalize("NFC", username.strip())
    problem = hidden_character_problem("user name", username)
    if problem or not username:
        raise AdminRequestError(problem or "The user name is empty.")
    sites = _checked_sites(role, sites)
    hashed = _checked_hash(username, password)
    with writing(engine) as conn:
        row = _find_admin(conn, username)
        if row is None:
            admin_id = conn.execute(admins.insert().values(
                username=username, password_hash=hashed, role=role.value,
                created_at=datetime.now(timezone.utc))).inserted_primary_key[0]
        else:
            admin_id = row.id
            if row.role != role.value:  # a token opens what the role opens: not more after a change
                _revoke_tokens(conn, admin_id)
            conn.execute(admins.update().where(admins.c.id == row.id).values(role=role.value))
            _store_password(conn, row, hashed)
        conn.execute(admin_sites.delete().where(admin_sites.c.admin_id == admin_id))
        if sites:
            conn.execute(admin_sites.insert(), [{"admin_id": admin_id, "location": site} for site in sites])


def _checked_sites(role: Role, sites: Sequence[str]) -> list[str]:
    cleaned = sorted({unicodedata.normalize("NFC", site.strip()) for site in sites})
    for site in cleaned:
        problem = hidden_character_problem("site", site)
        if problem or not site:
            raise AdminRequestError(problem or "A site name is empty.")
    if role is Role.SITE and not cleaned:
        raise AdminRequestError("A site administrator needs at least one site (--site LOCATION).")
    if role is not Role.SITE and cleaned:
        raise AdminRequestError(f"Only site administrators have sites; a {role.value} sees every location.")
    return cleaned


def set_password(engine: Engine, username: str, password: str) -> None:
    """A new password for an existing (possibly disabled) administrator: enables them, ends their sessions."""
    hashed = _checked_hash(username, password)
    with writing(engine) as conn:
        _store_password(conn, _existing_admin(conn, username), hashed)


def _store_password(conn: Connection, row: sa.Row, hashed: str) -> None:
    conn.execute(admins.update().where(admins.c.id == row.id).values(password_hash=hashed))
    _end_sessions(conn, row.id)
    _forget_failures(conn, [_throttle_key("user", _user_key(row.username))])


def disable_admin(engine: Engine, username: str) -> None:
    """The administrator can no longer log in, is logged out everywhere and their API tokens stop working
    for good; `set_password` enables the login again (a new token is needed for the API)."""
    with writing(engine) as conn:
        row = _existing_admin(conn, username)
        if not row.password_hash.startswith(DISABLED_MARK):
            conn.execute(admins.update().where(admins.c.id == row.id)
                         .values(password_hash=DISABLED_MARK + row.password_hash))
        _end_sessions(conn, row.id)
        _revoke_tokens(conn, row.id)


def remove_admin(engine: Engine, username: str) -> None:
    """Delete the user; their sessions and API tokens go with them."""
    with writing(engine) as conn:
        row = _existing_admin(conn, username)
        _end_sessions(conn, row.id)
        conn.execute(admin_tokens.delete().where(admin_tokens.c.admin_id == row.id))
        conn.execute(admins.delete().where(admins.c.id == row.id))


def issue_api_token(engine: Engine, username: str) -> tuple[Role, str]:
    """A new bearer token for the user's API calls (shown once, stored as its sha256), and their role: only
    a tracer's token opens the trace API. Refused for a disabled user."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with writing(engine) as conn:
        row = _existing_admin(conn, username)
        if row.password_hash.startswith(DISABLED_MARK):
            raise AdminRequestError(f"{row.username!r} is disabled; enable them first (admin password).")
        conn.execute(admin_tokens.insert().values(token_hash=token_hash(token), admin_id=row.id,
                                                  created_at=datetime.now(timezone.utc)))
    return Role(row.role), token


def revoke_api_tokens(engine: Engine, username: str) -> int:
    """Every API token of the user stops working; how many did."""
    with writing(engine) as conn:
        return _revoke_tokens(conn, _existing_admin(conn, username).id)


def device_cookie(username: str, password_hash: str) -> str:
    """Proof that this browser logged in as this user with the current password (a secret the server keeps)."""
    return hmac.new(password_hash.encode("ascii"), f"device:{_user_key(username)}".encode("utf-8"),
                    hashlib.sha256).hexdigest()


def log_in(engine: Engine, username: str, password: str, address: str, device: str = "") -> LoginResult:
    """Check a login attempt from a client address (and the browser's device cookie, if any)."""
    with engine.connect() as conn:
        row = _find_admin(conn, username)
    usable = row is not None and not row.password_hash.startswith(DISABLED_MARK)
    known_device = usable and bool(device) and hmac.compare_digest(device, device_cookie(row.username,
                                                                                         row.password_hash))
    keys = ([_throttle_key("device", device)] if known_device
            else [_throttle_key("user", _user_key(username)), _throttle_key("address", address)])
    now = datetime.now(timezone.utc)
    with writing(engine) as conn:
        wait = _take_attempt(conn, keys, now)
    if wait:
        return LoginResult(retry_after=wait)
    # scrypt is slow on purpose: checked outside the write lock that uploads need too, and checked against
    # a dummy hash for unknown and disabled users, so that the time does not tell who exists.
    matches = verify_password(password, row.password_hash if usable else dummy_hash())
    if not (usable and matches):
        return LoginResult()  # the attempt was already counted as a failure
    with writing(engine) as conn:
        _forget_failures(conn, [*keys, _throttle_key("user", _user_key(username))])
        conn.execute(sessions.delete().where(sessions.c.expires_at < now))
        token = secrets.token_urlsafe(32)
        conn.execute(sessions.insert().values(token_hash=token_hash(token), admin_id=row.id,
                                              expires_at=now + SESSION_LIFETIME))
    return LoginResult(token=token, device=device_cookie(row.username, row.password_hash))


def _throttle_key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8")).hexdigest()


def lock_duration(failures: int) -> timedelta | None:
    """How long a key is locked after this many failures in a row (None: not yet)."""
    if failures < FREE_FAILURES:
        return None
    return min(LOCK_BASE * 2 ** min(failures - FREE_FAILURES, 20), LOCK_MAX)


def _take_attempt(conn: Connection, keys: list[str], now: datetime) -> int:
    """Whole seconds to wait when one of the keys is locked; else 0, with the attempt counted as a failure
    until it succeeds. Counting before the password check, with the rows locked, means that parallel
    attempts cannot slip past the limit together."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(login_throttle)
    rows = []
    for key in sorted(keys):  # one order for every transaction: no deadlock between them
        conn.execute(insert.values(key_hash=key, failures=0, last_failure_at=now).on_conflict_do_nothing())
        rows.append(conn.execute(sa.select(login_throttle).where(login_throttle.c.key_hash == key)
                                 .with_for_update()).one())
    latest = max((as_utc(row.locked_until) for row in rows if row.locked_until), default=now)
    if latest > now:
        return int((latest - now).total_seconds() + 0.999)
    for row in rows:
        recent = as_utc(row.last_failure_at) > now - FORGET_FAILURES_AFTER
        failures = row.failures + 1 if recent else 1
        lock = lock_duration(failures)
        conn.execute(login_throttle.update().where(login_throttle.c.key_hash == row.key_hash).values(
            failures=failures, last_failure_at=now, locked_until=now + lock if lock else None))
    return 0


def _forget_failures(conn: Connection, keys: list[str]) -> None:
    conn.execute(login_throttle.delete().where(login_throttle.c.key_hash.in_(keys)))


def log_out(engine: Engine, token: str) -> None:
    with writing(engine) as conn:
        conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash(token)))
