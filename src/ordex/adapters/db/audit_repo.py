"""The audit trail in the database: entries written sealed, in batches; the chain checked.

Writing: for a batch of entries, the heads of the streams they extend are created if new,
then read under a row lock (PostgreSQL `FOR UPDATE`, in stream order so two writers never
wait on each other crosswise; SQLite has one writer), each entry is sealed on the head before
it, and entries and heads are written with one statement each. Reading: `verify` walks every
stream in sequence order with one streamed query and names the first broken entry.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates
from ordex.adapters.db.fetch import CHUNK
from ordex.domain.audit import GENESIS, Break, anchor, first_break, instant, seal
from ordex.domain.cases import AuditEntry

FIELDS = ("at", "actor", "action", "from_state", "to_state", "reason")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these is read as a formula by spreadsheets: escaped."""


def append_audit(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    """Seal and write entries in their order, each after the last one of its stream."""
    if not entries:
        return
    streams = sorted({e.case_id for e in entries})
    insert_ignoring_duplicates(conn, t.audit_heads, [
        {"stream": s, "seq": 0, "hash": GENESIS} for s in streams])
    heads = _locked_heads(conn, streams)
    rows: list[dict[str, Any]] = []
    for entry in entries:
        fields = dataclasses.asdict(entry)
        sealed = seal(entry.case_id, fields, after=heads[entry.case_id])
        heads[entry.case_id] = (sealed.seq, sealed.hash)
        rows.append({**fields, "seq": sealed.seq, "prev_hash": sealed.prev_hash,
                     "hash": sealed.hash})
    conn.execute(t.audit_log.insert(), rows)
    h = t.audit_heads
    conn.execute(update(h).where(h.c.stream == bindparam("s"))
                 .values(seq=bindparam("n"), hash=bindparam("h")).execution_options(
                     synchronize_session=False),
                 [{"s": s, "n": heads[s][0], "h": heads[s][1]} for s in streams])


def _locked_heads(conn: Connection, streams: list[str]) -> dict[str, tuple[int, str]]:
    h = t.audit_heads
    heads: dict[str, tuple[int, str]] = {}
    for i in range(0, len(streams), CHUNK):
        query = (select(h.c.stream, h.c.seq, h.c.hash)
                 .where(h.c.stream.in_(streams[i:i + CHUNK])).order_by(h.c.stream))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        heads.update({r.stream: (r.seq, r.hash) for r in conn.execute(query)})
    return heads


@dataclass(frozen=True, slots=True)
class Verification:
    """What `verify` found: how much it read, the anchor digest, and the first break."""

    streams: int
    entries: int
    anchor: str
    broken: Break | None


def verify(engine: Engine, *, progress: Callable[[int], None] | None = None) -> Verification:
    """Check every stream's chain and heads; stop at the first broken entry."""
    a, h = t.audit_log, t.audit_heads
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(a)).scalar_one()
        heads = {r.stream: (r.seq, r.hash) for r in conn.execute(select(h))}
        query = (select(a.c.entry_id, a.c.case_id, a.c.seq, a.c.prev_hash, a.c.hash,
                        *[a.c[f] for f in FIELDS]).order_by(a.c.case_id, a.c.seq, a.c.entry_id))
        rows = conn.execution_options(stream_results=True, yield_per=5000).execute(query)
        read = streams = 0
        seen: set[str] = set()
        for stream, group in groupby(rows.mappings(), key=lambda r: r["case_id"]):
            entries = list(group)
            streams += 1
            read += len(entries)
            seen.add(stream)
            broken = first_break(stream, entries, heads.get(stream))
            if progress:
                progress(len(entries))
            if broken:
                return Verification(streams, read, "", broken)
        for stream in sorted(set(heads) - seen):
            if heads[stream][0] > 0:  # a head with nothing behind it: the stream was removed
                return Verification(streams, read, "", Break(
                    stream, None, heads[stream][0],
                    f"the stored head is at seq {heads[stream][0]} but the stream has no entry"))
    return Verification(streams, total, anchor((s, n, x) for s, (n, x) in heads.items()), None)


def history(conn: Connection | Engine, stream: str) -> list[dict[str, Any]]:
    """One stream's entries in order, with their seals, as plain values."""
    a = t.audit_log
    query = select(a.c.seq, *[a.c[f] for f in FIELDS], a.c.prev_hash, a.c.hash).where(
        a.c.case_id == stream).order_by(a.c.seq, a.c.entry_id)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            found = list(c.execute(query).mappings())
    else:
        found = list(conn.execute(query).mappings())
    return [{**dict(r), "at": instant(r["at"]) if isinstance(r["at"], datetime) else r["at"]}
            for r in found]


def as_json(stream: str, entries: Iterable[dict[str, Any]]) -> str:
    """A stream's history as one JSON document."""
    return json.dumps({"stream": stream, "entries": list(entries)}, indent=2, ensure_ascii=False)


def as_csv(entries: Iterable[dict[str, Any]]) -> str:
    """A stream's history as CSV, every cell a spreadsheet would run as a formula escaped."""
    buffer = io.StringIO()
    columns = ["seq", *FIELDS, "prev_hash", "hash"]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow({c: safe_cell(entry.get(c)) for c in columns})
    return buffer.getvalue()


def safe_cell(value: object) -> str:
    """The cell's text, with a leading quote where it would start a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
