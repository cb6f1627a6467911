"""Who may do what on the dashboard and the API.

- admin: runs the server (stations, users), sees every station and count and the trace audit log; never
  traces (a trace is the health authority's act, and it is recorded against a case number).
- tracer: the health authority; traces and exports contacts, sees the overview.
- site: a site's own administrator; sees its own locations' stations and counts, never a trace or the audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.passwords import DISABLED_MARK
from server.stations import as_utc
from server.tables import admin_sites, admin_tokens, admins, sessions
from server.tokens import token_hash


class Role(str, Enum):
    ADMIN = "admin"
    TRACER = "tracer"
    SITE = "site"


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    sites: tuple[str, ...] = ()  # the locations a site administrator may see; empty for the other roles

    def sees_location(self, location: str) -> bool:
        return self.role is not Role.SITE or location in self.sites

    @property
    def visible_sites(self) -> tuple[str, ...] | None:
        """The locations whose stations and counts this user sees; None: every location."""
        return self.sites if self.role is Role.SITE else None


def user_for_session(conn: Connection, token: str) -> User | None:
    """The user a dashboard session cookie belongs to, while the session lasts."""
    row = conn.execute(
        sa.select(admins.c.id, admins.c.username, admins.c.role, sessions.c.expires_at)
        .join(admins, admins.c.id == sessions.c.admin_id)
        .where(sessions.c.token_hash == token_hash(token))
    ).first()
    if row is None or as_utc(row.expires_at) < datetime.now(timezone.utc):
        return None
    return user_of(conn, row.id, row.username, row.role)


def user_for_api_token(conn: Connection, token: str) -> User | None:
    """The user an API bearer token belongs to, unless it was revoked or the user is disabled."""
    row = conn.execute(
        sa.select(admins.c.id, admins.c.username, admins.c.role, admins.c.password_hash)
        .select_from(admin_tokens).join(admins, admins.c.id == admin_tokens.c.admin_id)
        .where(admin_tokens.c.token_hash == token_hash(token), admin_tokens.c.revoked_at.is_(None))
    ).first()
    if row is None or row.password_hash.startswith(DISABLED_MARK):
        return None
    return user_of(conn, row.id, row.username, row.role)


def user_of(conn: Connection, admin_id: int, username: str, role: str) -> User:
    sites = conn.execute(sa.select(admin_sites.c.location).where(admin_sites.c.admin_id == admin_id)
                         .order_by(admin_sites.c.location)).scalars().all()
    return User(username, Role(role), tuple(sites))
