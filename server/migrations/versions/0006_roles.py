"""Roles: administrators, tracers (the health authority) and site administrators (server.roles).

Every existing administrator keeps what they could do: role "admin".

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("admins") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="admin"))
    op.create_table(
        "admin_sites",
        sa.Column("admin_id", sa.Integer, sa.ForeignKey("admins.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("location", sa.String(200), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("admin_sites")
    with op.batch_alter_table("admins") as batch:
        batch.drop_column("role")
