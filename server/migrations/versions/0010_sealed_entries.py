"""Personal data sealed: person keys tagged, entries' fields sealed to the health authority, `fields` dropped.

The tracing tables (visits, person_links, visit_queue) get their person keys replaced by tagged keys
(kiosk.sealing.tags.tagged_key under the server's "person-tag" secret): the distinct keys are mapped once
into a temporary table, then one UPDATE per column. Entries, in batches by (scanned_at, id): the person key
tagged, the link their fields prove (kiosk.tracing.identity.link_of) tagged into `linked_key`, the fields
sealed to the published authority key of their week, or boxed under the "pending-box" secret (kid "local")
when none covers it (server.sealing_store.stored_columns), `fields` emptied in the same UPDATE (so that on
PostgreSQL no live row version carries them), then the column is dropped. One transaction: all or nothing.

The rows' old versions still hold the clear values where the database keeps freed space: the migration
names the tables it rewrote in `connection.info[RECLAIM_AFTER_MIGRATION]`, and server.database.migrate
reclaims them once committed (SQLite: VACUUM and an emptied WAL; PostgreSQL: VACUUM FULL).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from server.database import RECLAIM_AFTER_MIGRATION
from server.sealing_store import Arriving, SealingKeys, stored_columns

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 2_000
Moment = sa.DateTime(timezone=True)
OLD_ENTRIES = sa.table(
    "entries",
    sa.column("id", sa.Uuid), sa.column("scanned_at", Moment), sa.column("format", sa.String),
    sa.column("person_key", sa.String), sa.column("fields", sa.JSON().with_variant(JSONB(), "postgresql")),
    sa.column("linked_key", sa.String), sa.column("sealed", sa.LargeBinary), sa.column("sealed_kid", sa.String),
)
PERSON_COLUMNS = (("visits", "person_key"), ("person_links", "a"), ("person_links", "b"),
                  ("visit_queue", "person_key"))
REWRITTEN = ("entries", "visits", "person_links", "visit_queue")


def upgrade() -> None:
    connection = op.get_bind()
    op.add_column("entries", sa.Column("linked_key", sa.String(256)))
    op.add_column("entries", sa.Column("sealed", sa.LargeBinary))
    op.add_column("entries", sa.Column("sealed_kid", sa.String(64)))
    keys = SealingKeys.now()
    _tag_tracing_tables(connection, keys)
    _seal_entries(connection, keys)
    op.drop_column("entries", "fields")
    connection.info[RECLAIM_AFTER_MIGRATION] = REWRITTEN


def downgrade() -> None:
    raise NotImplementedError("0010 cannot be undone: the fields are sealed to the health authority and the "
                              "person keys tagged. Restore the backup taken before the upgrade instead.")


def _tag_tracing_tables(connection: sa.Connection, keys: SealingKeys) -> None:
    op.execute("CREATE TEMPORARY TABLE tag_map (old VARCHAR(256) PRIMARY KEY, new VARCHAR(256) NOT NULL)")
    tag_map = sa.table("tag_map", sa.column("old", sa.String), sa.column("new", sa.String))
    distinct = sa.union(*(sa.select(sa.column(column)).select_from(sa.table(table))
                          for table, column in PERSON_COLUMNS))
    found = connection.execute(distinct, execution_options={"stream_results": True, "yield_per": BATCH})
    for part in found.partitions():
        connection.execute(tag_map.insert(), [{"old": key, "new": keys.tagged(key)} for (key,) in part])
    for table, column in PERSON_COLUMNS:
        op.execute(f"UPDATE {table} SET {column} = (SELECT new FROM tag_map WHERE tag_map.old = {table}.{column})")
    op.execute("DROP TABLE tag_map")


def _seal_entries(connection: sa.Connection, keys: SealingKeys) -> None:
    update = OLD_ENTRIES.update().where(OLD_ENTRIES.c.id == sa.bindparam("_id"),
                                        OLD_ENTRIES.c.scanned_at == sa.bindparam("_at"))
    order = sa.tuple_(OLD_ENTRIES.c.scanned_at, OLD_ENTRIES.c.id)
    query = (sa.select(OLD_ENTRIES.c.id, OLD_ENTRIES.c.scanned_at, OLD_ENTRIES.c.format, OLD_ENTRIES.c.person_key,
                       OLD_ENTRIES.c.fields).order_by(OLD_ENTRIES.c.scanned_at, OLD_ENTRIES.c.id).limit(BATCH))
    batch = connection.execute(query).all()
    while batch:
        connection.execute(update, [
            {"_id": row.id, "_at": row.scanned_at, "fields": {},
             **stored_columns(keys, Arriving(str(row.id), row.scanned_at, row.format, row.person_key, "",
                                             row.fields or {}))}
            for row in batch])
        last = sa.tuple_(sa.literal(batch[-1].scanned_at, Moment), sa.literal(batch[-1].id, sa.Uuid))
        batch = connection.execute(query.where(order > last)).all() if len(batch) == BATCH else []
