"""The watch list by weekly tags, declarations sealed to the health authority, the record of unsealings.

The watch list kept ID numbers and notes in clear, and every station downloaded them. Each row is
converted here, while its clear key can still be read: stored under the server's tagged key, shown
masked, its note sealed to the published authority key (or, before one is published, boxed under the
server's pending-box secret until `authority publish`), with a row of tags per week to its end (52 weeks
from now) computed now (server.watch_list.entry_rows). The clear rows are then dropped. Going down keeps
the entries under their tagged keys (which no door matches) and loses the notes: only the authority can
read them.

issued_declarations gains the declaration sealed to the authority; unseal_audit records every use of the
authority's key (kiosk-server trace --key).

Revision ID: 0011
Revises: 0009 (0010 once the entries' sealing migration is merged before it)
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from server.database import RECLAIM_AFTER_MIGRATION

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)
JsonValue = sa.JSON().with_variant(JSONB(), "postgresql")
old_watch_list = sa.table("watch_list", sa.column("person_key", sa.String), sa.column("action", sa.String),
                          sa.column("note", sa.String), sa.column("added_at", Moment))


def upgrade() -> None:
    from server.watch_list import DEFAULT_LENGTH, converted_note, entry_rows

    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete = ON")  # the clear rows' pages are overwritten
    old = connection.execute(sa.select(old_watch_list)).all()
    connection.execute(old_watch_list.delete())
    op.drop_table("watch_list")
    _create_watch_tables()
    now = datetime.now(timezone.utc)
    new_watch_list, new_watch_tags = _table("watch_list"), _table("watch_tags")
    for row in old:
        person_key = _person_key(row.person_key)
        note_box = converted_note(person_key, row.note, now) if row.note else None
        watched, tags = entry_rows(person_key, row.action, row.note, now, now + DEFAULT_LENGTH, note_box)
        connection.execute(sa.insert(new_watch_list), [{**watched, "added_at": row.added_at}])
        connection.execute(sa.insert(new_watch_tags), tags)
    # The clear rows' old versions (SQLite pages and WAL, PostgreSQL dead tuples) go once this commits.
    connection.info[RECLAIM_AFTER_MIGRATION] = (*connection.info.get(RECLAIM_AFTER_MIGRATION, ()), "watch_list")

    with op.batch_alter_table("issued_declarations") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary))
        batch.add_column(sa.Column("sealed_kid", sa.String(64)))
    op.create_table(
        "unseal_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unsealed_at", Moment, nullable=False),
        sa.Column("unsealed_by", sa.String(100), nullable=False),
        sa.Column("case_number", sa.String(100), nullable=False),
        sa.Column("entry_ids", JsonValue, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unseal_audit")
    with op.batch_alter_table("issued_declarations") as batch:
        batch.drop_column("sealed_kid")
        batch.drop_column("sealed")
    connection = op.get_bind()
    kept = connection.execute(sa.select(old_watch_list.c.person_key, old_watch_list.c.action,
                                        old_watch_list.c.added_at)).all()
    op.drop_table("watch_tags")
    op.drop_table("watch_list")
    op.create_table(
        "watch_list",
        sa.Column("person_key", sa.String(256), primary_key=True),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("added_at", Moment, nullable=False),
    )
    if kept:
        connection.execute(sa.insert(old_watch_list), [
            {"person_key": row.person_key, "action": row.action, "note": "", "added_at": row.added_at} for row in kept])


def _create_watch_tables() -> None:
    op.create_table(
        "watch_list",
        sa.Column("person_key", sa.String(256), primary_key=True),
        sa.Column("masked", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("added_at", Moment, nullable=False),
        sa.Column("until", Moment, nullable=False),
        sa.Column("note_sealed", sa.LargeBinary),
        sa.Column("note_kid", sa.String(64)),
    )
    op.create_table(
        "watch_tags",
        sa.Column("person_key", sa.String(256), sa.ForeignKey("watch_list.person_key", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("week", sa.String(8), primary_key=True),
        sa.Column("tag", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_watch_tags_week", "watch_tags", ["week"])


def _person_key(typed: str) -> str:
    from server.stations import AdminRequestError
    from server.watch_list import person_key_of

    try:
        return person_key_of(typed)
    except AdminRequestError:
        return typed  # a key no door produces: tagged as it was typed


def _table(name: str) -> sa.Table:
    """The table as this revision creates it (server.tables describes the newest schema)."""
    return sa.Table(name, sa.MetaData(), autoload_with=op.get_bind())
