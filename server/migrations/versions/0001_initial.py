"""Stations, entries, administrators and what kiosks download.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JsonValue = sa.JSON().with_variant(JSONB(), "postgresql")
Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("location", sa.String(200), nullable=False, server_default=""),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("revoked_at", Moment),
        sa.Column("last_contact_at", Moment),
        sa.Column("reported_queue", sa.Integer),
        sa.Column("clock_offset_seconds", sa.Float),
    )
    op.create_table(
        "entries",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("scanned_at", Moment, nullable=False),
        sa.Column("received_at", Moment, nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("format", sa.String(64), nullable=False),
        sa.Column("person_key", sa.String(256), nullable=False),
        sa.Column("display_name", sa.String(256), nullable=False),
        sa.Column("fields", JsonValue, nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("reasons", JsonValue, nullable=False),
    )
    op.create_index("ix_entries_scanned_at", "entries", ["scanned_at"])
    op.create_index("ix_entries_station_scanned", "entries", ["station_id", "scanned_at"])
    op.create_index("ix_entries_person_key", "entries", ["person_key"])
    op.create_table(
        "admins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("admin_id", sa.Integer, sa.ForeignKey("admins.id", ondelete="CASCADE"), nullable=False),
        sa.Column("expires_at", Moment, nullable=False),
    )
    op.create_table(
        "station_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id", ondelete="CASCADE")),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", JsonValue, nullable=False),
        sa.UniqueConstraint("station_id", "key", name="uq_station_settings_station_key"),
    )
    op.create_table(
        "watch_list",
        sa.Column("person_key", sa.String(256), primary_key=True),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("added_at", Moment, nullable=False),
    )


def downgrade() -> None:
    for table in ("watch_list", "station_settings", "admin_sessions", "admins", "entries", "stations"):
        op.drop_table(table)
