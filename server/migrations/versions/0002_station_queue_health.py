"""Stations: the oldest entry a kiosk has waiting, and when a batch of it was last stored.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("stations") as table:
        table.add_column(sa.Column("queue_oldest_at", Moment))
        table.add_column(sa.Column("last_upload_at", Moment))


def downgrade() -> None:
    with op.batch_alter_table("stations") as table:
        table.drop_column("last_upload_at")
        table.drop_column("queue_oldest_at")
