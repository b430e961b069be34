"""Alembic environment: runs migrations on the connection or URL ordex hands it."""

from __future__ import annotations

from alembic import context

from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.tables import metadata

config = context.config


def run() -> None:
    """Run migrations online, on a given connection or a fresh engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata,
                          render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run()
