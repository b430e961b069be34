"""Outbound EDI documents written exactly once, numbered from a counter in the database.

Every document has a natural key (`997:{raw}:{ISA13}:{GS06}:{group}`, `855:{order}`,
`TA1:{raw}:{ISA13}:{interchange}`), unique in `edi_outbound`: a document whose key is stored
is not written again and keeps the control number it was first sent under. Control numbers
come from the `edi_counters` row `outbound`, moved by `UPDATE … RETURNING` inside the unit of
work that writes the documents, so two processes (or a re-run) never hand out the same one,
and a unit of work that rolls back hands none out. A first 855 also records what it told of
each line (customer_line_states), which later follow-ups are compared with.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates
from ordex.orchestrate.edi_acks import Outbound

__all__ = ["Outbound", "OutboundDocuments", "next_controls", "stored_keys", "write_outbound"]

OUTBOUND = "outbound"
"""The counter of outbound interchange (ISA13) and group (GS06) control numbers."""
LOOKUP = 400


def next_controls(conn: Connection, count: int, *, name: str = OUTBOUND) -> int:
    """The first of `count` consecutive control numbers, taken in the caller's transaction.

    The counter row is locked until the transaction ends (PostgreSQL) or the whole unit of work
    holds the write lock (SQLite). A missing row (an emptied database) starts after the
    highest number stored.
    """
    c = t.edi_counters
    move = (update(c).where(c.c.name == name).values(value=c.c.value + count)
            .returning(c.c.value))
    last = conn.execute(move).scalar()
    if last is None:
        start = conn.execute(select(func.coalesce(func.max(
            t.edi_outbound.c.control_number), 0))).scalar_one()
        insert_ignoring_duplicates(conn, c, [{"name": name, "value": int(start)}])
        last = conn.execute(move).scalar_one()
    return int(last) - count + 1


def stored_keys(conn: Connection, keys: Collection[str]) -> set[str]:
    """Those of these natural keys whose document is stored."""
    ordered, found = sorted(set(keys)), set()
    for i in range(0, len(ordered), LOOKUP):
        found.update(r[0] for r in conn.execute(select(t.edi_outbound.c.doc_key).where(
            t.edi_outbound.c.doc_key.in_(ordered[i:i + LOOKUP]))))
    return found


def write_outbound(conn: Connection, docs: Sequence[Outbound], *,
                   now: datetime) -> list[Outbound]:
    """Write the documents whose key is new, numbered from the counter; the ones written."""
    wanted: dict[str, Outbound] = {}
    for doc in docs:
        wanted.setdefault(doc.key, doc)
    stored = stored_keys(conn, wanted)
    new = [d for key, d in wanted.items() if key not in stored]
    if not new:
        return []
    first = next_controls(conn, len(new))
    rows: list[dict[str, Any]] = []
    written: list[Outbound] = []
    for control, doc in enumerate(new, start=first):
        body = doc.build(control)
        if body is None:
            continue
        rows.append({"kind": doc.kind, "partner": doc.partner, "order_id": doc.order_id,
                     "raw_id": doc.raw_id, "created_at": now, "body": body,
                     "doc_key": doc.key, "control_number": control})
        written.append(doc)
    insert_ignoring_duplicates(conn, t.edi_outbound, rows)
    insert_ignoring_duplicates(conn, t.customer_line_states, [  # a first 855's lines: told
        {"order_id": d.order_id, "line_no": n, "state": state.as_dict(), "sequence": 0,
         "told_at": now} for d in written if d.told and d.order_id and d.key.startswith("855:")
        for n, state in d.told.items()])
    return written


class OutboundDocuments:
    """Reads of the outbound EDI documents (GET /edi/documents, `ordex acks`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def documents(self, *, order_id: str | None = None, raw_id: str | None = None,
                  kind: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        """Outbound documents, newest first."""
        query = select(t.edi_outbound).order_by(t.edi_outbound.c.doc_id.desc()).limit(limit)
        for column, value in (("order_id", order_id), ("raw_id", raw_id), ("kind", kind)):
            if value:
                query = query.where(t.edi_outbound.c[column] == value)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]
