"""Entries by month: on PostgreSQL a table partitioned by month of scanned_at, so that a purge drops months.

PostgreSQL: the table is renamed, a partitioned one is created (its primary key (id, scanned_at), as a
unique constraint there must hold the partition key), one partition per month from the oldest entry or the
default retention's cut-off, whichever is older (but no further back than the longest retention a kiosk
accepts), to two months ahead, a default partition for the rest, the rows copied, the old table dropped.
SQLite keeps its one table, keyed by id alone. Both: a person's entries are read by time, so the index on
person_key becomes (person_key, scanned_at).

Revision ID: 0008
Revises: 0007
"""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from kiosk.contract import DEFAULT_RETENTION_DAYS
from kiosk.setting_specs import BY_NAME
from server.partitions import create_default_partition, ensure_ahead

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JsonValue = sa.JSON().with_variant(JSONB(), "postgresql")
Moment = sa.DateTime(timezone=True)
COLUMNS = ("id, station_id, scanned_at, received_at, location, direction, source, format, person_key, "
           "display_name, fields, verdict, reasons")
LONGEST_RETENTION = timedelta(days=BY_NAME["retention_days"].maximum)
SHARED_INDEXES = {"ix_entries_scanned_at": ["scanned_at"], "ix_entries_station_scanned": ["station_id", "scanned_at"]}


def _entries_table(*constraints: sa.Constraint, **options: str) -> None:
    op.create_table(
        "entries",
        sa.Column("id", sa.Uuid, nullable=False),
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
        *constraints,
        **options,
    )


def _set_aside(old_name: str, indexes: list[str]) -> None:
    """Rename the table and its constraints, and drop its indexes, so that their names are free."""
    op.rename_table("entries", old_name)
    for constraint in ("pkey", "station_id_fkey"):
        op.execute(f"ALTER TABLE {old_name} RENAME CONSTRAINT entries_{constraint} TO {old_name}_{constraint}")
    for index in indexes:
        op.drop_index(index, table_name=old_name)


def _create_indexes(person_index: str, person_columns: list[str]) -> None:
    for name, columns in {**SHARED_INDEXES, person_index: person_columns}.items():
        op.create_index(name, "entries", columns)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index("ix_entries_person_key", table_name="entries")
        op.create_index("ix_entries_person_scanned", "entries", ["person_key", "scanned_at"])
        return
    connection = op.get_bind()
    _set_aside("entries_unpartitioned", [*SHARED_INDEXES, "ix_entries_person_key"])
    _entries_table(postgresql_partition_by="RANGE (scanned_at)")
    create_default_partition(connection)
    now = datetime.now(timezone.utc)
    oldest = connection.exec_driver_sql("SELECT min(scanned_at) FROM entries_unpartitioned").scalar() or now
    since = max(min(oldest, now - timedelta(days=DEFAULT_RETENTION_DAYS)), now - LONGEST_RETENTION)
    ensure_ahead(connection, since, now)
    op.execute(f"INSERT INTO entries ({COLUMNS}) SELECT {COLUMNS} FROM entries_unpartitioned")
    # Keys and indexes built once over the copied rows, not updated row by row while copying.
    op.create_primary_key("entries_pkey", "entries", ["id", "scanned_at"])
    _create_indexes("ix_entries_person_scanned", ["person_key", "scanned_at"])
    op.drop_table("entries_unpartitioned")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index("ix_entries_person_scanned", table_name="entries")
        op.create_index("ix_entries_person_key", "entries", ["person_key"])
        return
    _set_aside("entries_partitioned", [*SHARED_INDEXES, "ix_entries_person_scanned"])
    _entries_table(sa.PrimaryKeyConstraint("id", name="entries_pkey"))
    # An id stored twice with two scan times (never by this server's ingest) keeps its first one.
    op.execute(f"INSERT INTO entries ({COLUMNS}) SELECT {COLUMNS} FROM entries_partitioned "
               "ORDER BY received_at ON CONFLICT (id) DO NOTHING")
    _create_indexes("ix_entries_person_key", ["person_key"])
    op.execute("DROP TABLE entries_partitioned CASCADE")  # with its partitions
