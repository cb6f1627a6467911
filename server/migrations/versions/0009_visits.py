"""Contact tracing: visits built from entries, locations' rules, operators' closures, linked person keys,
the builder's queue and the trace audit log (server.tracing).

On PostgreSQL overlaps are found with a GiST index on (location, tstzrange(started_at, ended_at, '[)')),
which needs btree_gist for the text column. The extension is created in schema public: created in another
schema it would go with that schema when it is dropped, and every GiST index on it with it.

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)
DURING = "tstzrange(started_at, ended_at, '[)')"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "locations",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("default_stay_minutes", sa.Integer, nullable=False),
        sa.Column("closing_time", sa.String(5)),
    )
    op.create_table(
        "visits",
        sa.Column("entry_id", sa.Uuid, primary_key=True),
        sa.Column("person_key", sa.String(256), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("station_id", sa.Integer, nullable=False),
        sa.Column("started_at", Moment, nullable=False),
        sa.Column("ended_at", Moment, nullable=False),
        sa.Column("end_reason", sa.String(16), nullable=False),
        sa.Column("exit_id", sa.Uuid),
        sa.Column("display_name", sa.String(256), nullable=False),
    )
    op.create_index("ix_visits_location_started", "visits", ["location", "started_at"],
                    postgresql_include=["ended_at", "person_key"])
    op.create_index("ix_visits_person_started", "visits", ["person_key", "started_at"])
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")
        op.execute(f"CREATE INDEX ix_visits_location_during ON visits USING gist (location, ({DURING}))")
    op.create_table(
        "visit_closures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("at", Moment, nullable=False),
    )
    op.create_index("ix_visit_closures_location_at", "visit_closures", ["location", "at"])
    op.create_table(
        "person_links",
        sa.Column("a", sa.String(256), primary_key=True),
        sa.Column("b", sa.String(256), primary_key=True),
        sa.Column("seen_at", Moment, nullable=False),
    )
    op.create_index("ix_person_links_b", "person_links", ["b"])
    op.create_table(
        "visit_queue",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.Identity(), primary_key=True),
        sa.Column("person_key", sa.String(256), nullable=False),
        sa.Column("scanned_at", Moment, nullable=False),
    )
    op.create_table(
        "trace_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asked_at", Moment, nullable=False),
        sa.Column("asked_by", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("searched", sa.String(256), nullable=False),
        sa.Column("person_tag", sa.String(64), nullable=False),
        sa.Column("case_number", sa.String(100), nullable=False),
        sa.Column("since", Moment, nullable=False),
        sa.Column("until", Moment, nullable=False),
        sa.Column("min_minutes", sa.Float, nullable=False),
        sa.Column("padding", sa.Boolean, nullable=False),
        sa.Column("contacts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    # btree_gist stays: other schemas of the database may use it.
    for table in ("trace_audit", "visit_queue", "person_links", "visit_closures", "visits", "locations"):
        op.drop_table(table)
