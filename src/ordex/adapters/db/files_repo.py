"""Raw files stored in chunks before parsing, trading partners, the EDI interchange registry
and outbound EDI documents."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import Connection, Engine, bindparam, delete, or_, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates
from ordex.sense.edi_partners import TradingPartner

CHUNK = 4 * 1024 * 1024
LOOKUP = 400
"""Keys per IN (...) lookup."""


def raw_ids_by_hash(conn: Connection, hashes: Collection[str], *, channel: str) -> dict[str, str]:
    """The earliest stored raw payload of each of these SHA-256 hashes on a channel."""
    found: dict[str, str] = {}
    ordered = sorted(set(hashes))
    p = t.raw_payloads
    for i in range(0, len(ordered), LOOKUP):
        rows = conn.execute(select(p.c.sha256, p.c.raw_id).where(
            p.c.sha256.in_(ordered[i:i + LOOKUP]), p.c.channel == channel)
            .order_by(p.c.received_at.desc(), p.c.raw_id.desc()))
        found.update({sha: raw_id for sha, raw_id in rows})  # the last written is the earliest
    return found


def cases_of_raws(conn: Connection, raw_ids: Collection[str], *,
                  batches: Collection[str] = ()) -> set[str]:
    """Ids of the quarantine cases opened for these raw payloads (`raw-ID[-index]:CODE`).

    A single-order payload has at most `raw-ID:CODE` (an indexed lookup); only payloads that
    were batches (`batches`) can have per-item cases, found by prefix.
    """
    exact = sorted({f"raw-{r}:INTEGRATION_FAILURE" for r in raw_ids})
    found: set[str] = set()
    c = t.cases.c
    for i in range(0, len(exact), LOOKUP):
        found.update(r[0] for r in conn.execute(select(c.case_id).where(
            c.case_id.in_(exact[i:i + LOOKUP]))))
    ordered = sorted(set(batches))
    for i in range(0, len(ordered), LOOKUP):
        found.update(r[0] for r in conn.execute(select(c.case_id).where(or_(
            *(c.case_id.like(f"raw-{r}-%") for r in ordered[i:i + LOOKUP])))))
    return found


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A raw file as stored: id, hash, size, and an earlier copy with the same hash if any.

    When `earlier` is set the bytes were received before: `raw_id` is that first copy's id
    and nothing new was stored.
    """

    raw_id: str
    sha256: str
    size: int
    earlier: str | None


class FileStore:
    """Stores whole files raw (chunked, bounded memory) and reads them back as streams."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def store(self, handle: BinaryIO, *, source: str, channel: str, now: datetime) -> StoredFile:
        """Copy a file into the database chunk by chunk, then record it with its SHA-256."""
        raw_id, digest, size, seq = uuid.uuid4().hex, hashlib.sha256(), 0, 0
        with self.engine.begin() as conn:
            while block := handle.read(CHUNK):
                digest.update(block)
                size += len(block)
                conn.execute(t.raw_chunks.insert(), {"raw_id": raw_id, "seq": seq, "data": block})
                seq += 1
            sha = digest.hexdigest()
            earlier = raw_ids_by_hash(conn, [sha], channel=channel).get(sha)
            if earlier is not None:  # the same bytes again: keep the first copy only
                conn.execute(delete(t.raw_chunks).where(t.raw_chunks.c.raw_id == raw_id))
                return StoredFile(earlier, sha, size, earlier)
            conn.execute(t.raw_payloads.insert(), {
                "raw_id": raw_id, "source": source[:500], "channel": channel,
                "received_at": now, "sha256": sha, "body": b"", "size": size, "chunks": seq})
        return StoredFile(raw_id, sha, size, earlier)

    def meta(self, raw_id: str) -> dict[str, object] | None:
        """Source, channel and size of a stored payload."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.raw_payloads.c.source, t.raw_payloads.c.channel,
                                      t.raw_payloads.c.size, t.raw_payloads.c.chunks)
                               .where(t.raw_payloads.c.raw_id == raw_id)).mappings().first()
        return dict(row) if row else None

    def open(self, raw_id: str) -> BinaryIO:
        """The stored bytes as a readable stream (chunks are fetched one at a time)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.raw_payloads.c.body, t.raw_payloads.c.chunks)
                               .where(t.raw_payloads.c.raw_id == raw_id)).first()
        if row is None:
            raise KeyError(raw_id)
        if not row.chunks:
            return io.BytesIO(row.body)
        return io.BufferedReader(_ChunkReader(self._chunks(raw_id, row.chunks)), CHUNK)

    def _chunks(self, raw_id: str, count: int) -> Iterator[bytes]:
        for seq in range(count):
            with self.engine.connect() as conn:
                yield conn.execute(select(t.raw_chunks.c.data).where(
                    t.raw_chunks.c.raw_id == raw_id, t.raw_chunks.c.seq == seq)).scalar_one()


class _ChunkReader(io.RawIOBase):
    """A raw stream over an iterator of byte blocks."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self.blocks, self.pending = blocks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self.pending:
            nxt = next(self.blocks, None)
            if nxt is None:
                return 0
            self.pending = nxt
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


class PartnerRepo:
    """Trading partners in the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def replace(self, partners: list[TradingPartner]) -> None:
        """Replace every trading partner."""
        with self.engine.begin() as conn:
            conn.execute(t.trading_partners.delete())
            if partners:
                conn.execute(t.trading_partners.insert(), [
                    {k: getattr(p, k) for k in p.__slots__} for p in partners])

    def by_sender(self) -> dict[tuple[str, str], TradingPartner]:
        """Every partner by its ISA sender key."""
        with self.engine.connect() as conn:
            found = [TradingPartner(**dict(r)) for r in
                     conn.execute(select(t.trading_partners)).mappings()]
        return {p.key: p for p in found}


class InterchangeRegistry:
    """Which interchanges (sender + ISA13) were already processed, and how."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def accepted_before(self, sender: str, control: str) -> str | None:
        """The raw payload that was accepted under this sender and control number, if any."""
        with self.engine.connect() as conn:
            return conn.execute(select(t.edi_interchanges.c.raw_id).where(
                t.edi_interchanges.c.sender == sender,
                t.edi_interchanges.c.control_number == control,
                t.edi_interchanges.c.status == "accepted")).scalar()

    def record(self, rows: dict[tuple[str, str], str], *, raw_id: str, now: datetime) -> None:
        """Record interchanges with their status (a corrected resend updates a rejection)."""
        with self.engine.begin() as conn:
            keys = [{"sender": s, "control_number": c, "raw_id": raw_id, "status": st,
                     "received_at": now} for (s, c), st in rows.items()]
            insert_ignoring_duplicates(conn, t.edi_interchanges, keys)
            if keys:  # one executemany: an accepted interchange is never downgraded
                x = t.edi_interchanges
                conn.execute(update(x).where(
                    x.c.sender == bindparam("b_sender"),
                    x.c.control_number == bindparam("b_control"),
                    x.c.status != "accepted").values(
                    raw_id=raw_id, status=bindparam("b_status"), received_at=now),
                    [{"b_sender": k["sender"], "b_control": k["control_number"],
                      "b_status": k["status"]} for k in keys])

    def save_documents(self, docs: list[dict[str, object]],
                       conn: Connection | None = None) -> None:
        """Store outbound EDI documents (997, 855), in a unit of work's transaction if given."""
        if not docs:
            return
        if conn is not None:
            conn.execute(t.edi_outbound.insert(), docs)
            return
        with self.engine.begin() as own:
            own.execute(t.edi_outbound.insert(), docs)

    def documents(self, *, order_id: str | None = None, raw_id: str | None = None,
                  kind: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        """Outbound documents, newest first."""
        query = select(t.edi_outbound).order_by(t.edi_outbound.c.doc_id.desc()).limit(limit)
        for column, value in (("order_id", order_id), ("raw_id", raw_id), ("kind", kind)):
            if value:
                query = query.where(t.edi_outbound.c[column] == value)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]
