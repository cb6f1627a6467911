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

from server.stations import as_utc
from server.tables import admin_sites, admins, sessions
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


def user_of(conn: Connection, admin_id: int, username: str, role: str) -> User:
    sites = conn.execute(sa.select(admin_sites.c.location).where(admin_sites.c.admin_id == admin_id)
                         .order_by(admin_sites.c.location)).scalars().all()
    return User(username, Role(role), tuple(sites))
