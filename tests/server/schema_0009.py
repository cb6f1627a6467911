"""The entries table as revisions 0001 to 0009 had it (personal fields in clear, person keys in clear), for
tests that write rows the way the server did before migration 0010."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects.postgresql import JSONB

from server.database import MIGRATIONS, writing

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_MOMENT = sa.DateTime(timezone=True)

old_entries = sa.Table(
    "entries", sa.MetaData(),
    sa.Column("id", sa.Uuid, primary_key=True), sa.Column("station_id", sa.Integer),
    sa.Column("scanned_at", _MOMENT), sa.Column("received_at", _MOMENT), sa.Column("location", sa.String),
    sa.Column("direction", sa.String), sa.Column("source", sa.String), sa.Column("format", sa.String),
    sa.Column("person_key", sa.String), sa.Column("display_name", sa.String), sa.Column("fields", _JSON),
    sa.Column("verdict", sa.String), sa.Column("reasons", _JSON),
)


def migrate_to(engine: sa.Engine, revision: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writing(engine) as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
