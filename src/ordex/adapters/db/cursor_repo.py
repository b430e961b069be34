"""Connector cursors: where a poller of an ERP has read up to, one row per name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates


class SqlCursors:
    """The stored cursors of the ERP pollers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, name: str) -> str | None:
        """The stored value of a cursor (None: never stored)."""
        query = select(t.connector_cursors.c.value).where(t.connector_cursors.c.name == name)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def put(self, name: str, value: str, *, at: datetime) -> None:
        """Store a cursor's value."""
        with self.engine.begin() as conn:
            insert_ignoring_duplicates(conn, t.connector_cursors,
                                       [{"name": name, "value": value, "updated_at": at}])
            conn.execute(update(t.connector_cursors)
                         .where(t.connector_cursors.c.name == name)
                         .values(value=value, updated_at=at))
