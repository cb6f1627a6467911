"""Issued declarations, found by a keyed tag of the ID number.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "issued_declarations",
        sa.Column("cti", sa.String(32), primary_key=True),
        sa.Column("kid", sa.String(32), nullable=False),
        sa.Column("person_tag", sa.String(64), nullable=False),
        sa.Column("issued_at", Moment, nullable=False),
        sa.Column("expires_at", Moment, nullable=False),
        sa.Column("revoked_at", Moment),
    )
    op.create_index("ix_issued_declarations_person_tag", "issued_declarations", ["person_tag"])


def downgrade() -> None:
    op.drop_table("issued_declarations")
