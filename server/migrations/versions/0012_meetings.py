"""Meetings: events, their sessions and the stations that check in for them, participants, badges.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)
JsonValue = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("not_listed", sa.String(8), nullable=False, server_default="warn"),
        sa.Column("outside_hours", sa.String(8), nullable=False, server_default="warn"),
        sa.Column("opens_before_minutes", sa.Integer, nullable=False, server_default="30"),
        sa.Column("late_after_minutes", sa.Integer, nullable=False, server_default="10"),
        sa.Column("early_leave_minutes", sa.Integer, nullable=False, server_default="10"),
    )
    op.create_table(
        "event_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("room", sa.String(200), nullable=False, server_default=""),
        sa.Column("starts_at", Moment, nullable=False),
        sa.Column("ends_at", Moment, nullable=False),
        sa.UniqueConstraint("event_id", "name", name="uq_event_sessions_event_name"),
    )
    op.create_table(
        "event_session_stations",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id"), primary_key=True),
    )
    op.create_index("ix_event_session_stations_station", "event_session_stations", ["station_id"])
    op.create_table(
        "participants",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False, server_default=""),
        sa.Column("group_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("id_hint", sa.String(16), nullable=False, server_default=""),
        sa.Column("phone_hint", sa.String(16), nullable=False, server_default=""),
        sa.Column("match_key", sa.String(256), nullable=False),
        sa.Column("person_keys", JsonValue, nullable=False),
        sa.Column("door", JsonValue, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.UniqueConstraint("event_id", "match_key", name="uq_participants_event_match"),
    )
    op.create_table(
        "badges",
        sa.Column("cti", sa.String(64), primary_key=True),
        sa.Column("participant_id", sa.String(16), sa.ForeignKey("participants.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("issued_at", Moment, nullable=False),
        sa.Column("expires_at", Moment, nullable=False),
        sa.Column("revoked_at", Moment),
    )
    op.create_index("ix_badges_participant_id", "badges", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_badges_participant_id", table_name="badges")
    op.drop_table("badges")
    op.drop_table("participants")
    op.drop_index("ix_event_session_stations_station", table_name="event_session_stations")
    op.drop_table("event_session_stations")
    op.drop_table("event_sessions")
    op.drop_table("events")
