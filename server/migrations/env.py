"""Alembic environment: always run programmatically by server.database.migrate with a live connection."""

from alembic import context

from server.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
