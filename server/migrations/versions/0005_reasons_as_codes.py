"""Reasons stored as a code with parameters, rendered from the catalogue where they are shown.

Entries stored {"code", "vi", "en"}; they store {"code", "params"} now. kiosk.messages.upgrade_stored
converts each old reason: its parameters recovered from its sentences where they render back exactly, its
two sentences kept inline otherwise. The old sentences cannot be rebuilt on the way down for reasons with
parameters, so downgrade renders them from the catalogue.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from kiosk.messages import Message, upgrade_stored

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JsonValue = sa.JSON().with_variant(JSONB(), "postgresql")
entries = sa.table("entries", sa.column("id", sa.Uuid), sa.column("reasons", JsonValue))
BATCH = 1000


def _convert(convert) -> None:  # type: ignore[no-untyped-def]
    """Rewrite every entry's reasons with `convert`, a batch of rows at a time (keyed by id)."""
    connection = op.get_bind()
    last = None
    while True:
        query = sa.select(entries.c.id, entries.c.reasons).order_by(entries.c.id).limit(BATCH)
        if last is not None:
            query = query.where(entries.c.id > last)
        rows = connection.execute(query).all()
        for entry_id, reasons in rows:
            new = [convert(reason) for reason in reasons or []]
            if new != reasons:
                connection.execute(entries.update().where(entries.c.id == entry_id).values(reasons=new))
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def upgrade() -> None:
    _convert(upgrade_stored)


def downgrade() -> None:
    def old_shape(reason):  # type: ignore[no-untyped-def]
        message = Message.from_json(reason)
        return {"code": message.code, "vi": message.text("vi"), "en": message.text("en")}

    _convert(old_shape)
