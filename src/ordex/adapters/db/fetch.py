"""Set-based reads shared by the repositories: whole tables or rows by key, in chunks."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Select, Table, select

CHUNK = 900  # stays under SQLite's bound-parameter limit in IN lists


def fetch(conn: Connection, table: Table, column: str | None,
          keys: Collection[str] | None) -> list[Any]:
    """Rows of a table, all of them or those whose column is in keys (chunked IN lists)."""
    if keys is None or column is None:
        return list(conn.execute(select(table)).mappings())
    found: list[Any] = []
    ordered = sorted(keys)
    for i in range(0, len(ordered), CHUNK):
        query: Select[Any] = select(table).where(table.c[column].in_(ordered[i:i + CHUNK]))
        found.extend(conn.execute(query).mappings())
    return found
