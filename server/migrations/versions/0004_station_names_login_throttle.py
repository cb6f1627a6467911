"""Former station names, and the failed-login counters behind the login back-off.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "station_former_names",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("renamed_at", Moment, nullable=False),
    )
    op.create_index("ix_station_former_names_station", "station_former_names", ["station_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", Moment, nullable=False),
        sa.Column("locked_until", Moment),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.drop_index("ix_station_former_names_station", "station_former_names")
    op.drop_table("station_former_names")
