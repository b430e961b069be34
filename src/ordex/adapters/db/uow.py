"""The SQL unit of work: one connection, one transaction, in which a handler reads and writes.

Concurrency (docs/scaling.md): on SQLite the transaction begins IMMEDIATE, so one unit of
work writes at a time across every process; on PostgreSQL a unit of work takes transaction
advisory locks on the customers, items, orders and idempotency keys it touches, in one
sorted order, before it reads them, so two workers never judge against the same stale stock
or credit; writes of stock are deltas, so nothing is lost even where locks do not reach.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError

from ordex.adapters.db import claims
from ordex.adapters.db import tables as t
from ordex.adapters.db.casework_repo import attach_approvals
from ordex.adapters.db.dialect import WRITE
from ordex.adapters.db.file_records import SqlFileRecords
from ordex.adapters.db.files_repo import cases_of_raws, raw_ids_by_hash
from ordex.adapters.db.queries import ConnectionIdempotency
from ordex.adapters.db.reference_cache import ReferenceCache
from ordex.adapters.db.reference_repo import load_reference
from ordex.adapters.db.repositories import SqlCases, SqlReference
from ordex.adapters.db.roster_repo import SqlRoster
from ordex.adapters.db.state_repo import (
    load_credit_state,
    load_duplicate_candidates,
    load_holders,
    load_orders_into,
    load_recent_orders,
)
from ordex.adapters.db.store import write_changes
from ordex.adapters.db.timers_repo import SqlTimers
from ordex.domain.errors import WorkConflictError
from ordex.domain.model import RawPayload
from ordex.domain.reference import ReferenceData
from ordex.interpret.recent import DupProbes
from ordex.interpret.settings import DetectionSettings
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.intake import IdempotencyIndex
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need
from ordex.orchestrate.work import ClaimLostError, NewWork
from ordex.orchestrate.workset import WorkSet
from ordex.sense.safe_text import refused_reason, storable

PipelineFactory = Callable[[ReferenceData, WorkSet, Connection], Pipeline]
"""Builds the pipeline over loaded context, deciding under the policy in force."""
RETRYABLE = {"40P01", "40001"}
"""PostgreSQL deadlock and serialization failure: the unit of work is run again."""


def lock_key(kind: str, value: str) -> int:
    """A signed 64-bit advisory-lock key for one thing a unit of work touches."""
    digest = hashlib.blake2b(f"{kind}\x1f{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SqlUnitOfWork:
    """The FileUnitOfWork port on SQLite or PostgreSQL; `commit()` is the only commit.

    A file handler enters it once per batch; `committed` keeps what every entry wrote.
    """

    def __init__(self, engine: Engine, *, pipeline_for: PipelineFactory,
                 detection: DetectionSettings, clock: Callable[[], datetime],
                 reference_cache: ReferenceCache | None = None) -> None:
        self.engine, self.pipeline_for = engine, pipeline_for
        self.reference_cache = reference_cache
        self.detection, self.clock = detection, clock
        self.conn: Connection | None = None
        self.committed: list[Changes] = []

    def __enter__(self) -> SqlUnitOfWork:
        # the transaction begins at the first statement (BEGIN IMMEDIATE on SQLite)
        self.conn = self.engine.connect().execution_options(**WRITE)
        self.reference, self.cases = SqlReference(self.conn), SqlCases(self.conn)
        self.files, self.timers = SqlFileRecords(self.conn), SqlTimers(self.conn)
        self.roster = SqlRoster(self.conn, lock=self._lock)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        conn, self.conn = self.connection, None
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
        if isinstance(exc, DBAPIError) and (_sqlstate(exc) in RETRYABLE or _sqlite_busy(exc)):
            raise WorkConflictError(f"concurrent work collided: {exc.orig}") from exc

    @property
    def connection(self) -> Connection:
        """The unit of work's connection (only inside `with`)."""
        if self.conn is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self.conn

    def lock(self, need: Need) -> None:
        """Lock the customers, items, orders and keys of some work before reading them."""
        self._lock([*(("o", o) for o in storable(need.order_ids)),
                    *(("k", k) for k in storable(need.keys)),
                    *(("c", c) for c in storable(need.customers)),
                    *(("i", i) for i in storable(need.items))])

    def _lock(self, keys: Iterable[tuple[str, str]]) -> None:
        """Take the advisory locks of these (kind, value) keys in one sorted order."""
        conn = self.connection
        wanted = sorted({lock_key(k, v) for k, v in keys})
        if conn.dialect.name != "postgresql" or not wanted:
            return  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
        conn.execute(text("SELECT pg_advisory_xact_lock(k) FROM "
                          "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS s"),
                     {"keys": wanted})

    def hydrate(self, need: Need) -> Pipeline:
        """Lock what the work touches, then load exactly that context into a pipeline.

        Text that cannot be stored never reaches a query (on PostgreSQL a NUL or a lone
        surrogate fails the statement): the orders carrying it are refused at intake anyway.
        """
        conn = self.connection
        customers, items = storable(need.customers), storable(need.items)
        order_ids = storable(need.order_ids)
        self._lock([*(("o", o) for o in order_ids), *(("k", k) for k in storable(need.keys))])
        work = WorkSet()
        load_orders_into(conn, work, order_ids)
        attach_approvals(conn, (c for cases in work.open_cases.values() for c in cases.values()))
        customers = set(customers) | {o.customer_id for o in work.orders.values()}
        items = set(items) | {ln.item_id for o in work.orders.values() for ln in o.lines}
        self._lock([*(("c", c) for c in customers), *(("i", i) for i in items)])
        ref = (self.reference_cache.load(conn, customers=customers, items=items)
               if self.reference_cache is not None
               else load_reference(conn, customers=customers, items=items))
        self._lock(("i", i.item_id) for i in ref.items)  # substitutes it may allocate
        pipeline = self.pipeline_for(ref, work, conn)
        pipeline.roster = self.roster  # assignment by the queues' strategies, in this transaction
        load_credit_state(conn, pipeline.ctx, customers)
        # holders are read only at the warehouse of an order being judged (ALLOCATION_CONFLICT)
        warehouses = (None if need.warehouses is None else
                      set(need.warehouses) | {o.warehouse_id for o in work.orders.values()})
        held = {i.item_id for i in ref.items} | items
        pipeline.ctx.holders_loader = lambda: load_holders(conn, pipeline.ctx, held,
                                                           warehouses=warehouses)
        self._recent(pipeline, customers, need)
        return pipeline

    def _recent(self, pipeline: Pipeline, customers: set[str], need: Need) -> None:
        """Earlier orders the batch could duplicate (all recent ones without probes)."""
        if need.since is None:
            return
        if need.probes is not None:
            probes = DupProbes(frozenset(storable(need.probes.po_keys)), frozenset(
                ln for ln in need.probes.lines if not refused_reason(ln[0] + ln[2])))
            hours = timedelta(hours=self.detection.duplicate_lines_window_hours)
            load_duplicate_candidates(
                self.connection, pipeline.ctx, customers, probes,
                po_since=need.since - timedelta(days=self.detection.duplicate_po_window_days),
                lines_since=self.clock() - hours)
            return
        window = max(self.detection.duplicate_po_window_days, 2)
        load_recent_orders(self.connection, pipeline.ctx, customers,
                           need.since - timedelta(days=window))

    def idempotency(self) -> IdempotencyIndex:
        """Results given before, read inside this transaction."""
        return ConnectionIdempotency(self.connection)

    def raws_by_hash(self, hashes: Collection[str], *, channel: str) -> dict[str, str]:
        """The earliest stored raw payload of each hash on a channel."""
        return raw_ids_by_hash(self.connection, hashes, channel=channel)

    def cases_of_raws(self, raw_ids: Collection[str], *, batches: Collection[str]) -> set[str]:
        """Quarantine cases opened before for these raw payloads."""
        return cases_of_raws(self.connection, raw_ids, batches=batches)

    def stored_raws(self, raw_ids: Collection[str]) -> dict[str, RawPayload]:
        """Stored raw payloads by id (their bytes, as received)."""
        p, found = t.raw_payloads, {}
        ordered = sorted(set(raw_ids))
        for i in range(0, len(ordered), 400):
            for r in self.connection.execute(select(p).where(p.c.raw_id.in_(ordered[i:i + 400]))):
                found[r.raw_id] = RawPayload(r.raw_id, r.source, r.channel, r.received_at,
                                             r.sha256, bytes(r.body))
        return found

    def enqueue(self, work: Collection[NewWork]) -> None:
        """Queue work for workers, committed with this unit of work (or not at all)."""
        claims.enqueue(self.connection, work, now=self.clock())

    def complete(self, work_ids: Collection[int], *, worker: str) -> None:
        """Mark claimed work done with this unit of work's effects; refuse if it was lost."""
        done = claims.complete(self.connection, work_ids, worker=worker, now=self.clock())
        if done != set(work_ids):
            raise ClaimLostError(f"work {sorted(set(work_ids) - done)} was taken over by "
                                 "another worker", work_ids=sorted(set(work_ids) - done))

    def commit(self, changes: Changes | None = None) -> None:
        """Write the changes and commit: the only commit of a unit of work."""
        conn = self.connection
        if changes is not None:
            write_changes(conn, changes)
            self.committed.append(changes)
        conn.commit()

    def rollback(self) -> None:
        """Undo everything since the last commit."""
        self.connection.rollback()

    def execute(self, statement: Any, params: Any = None) -> Any:
        """Run a statement in this transaction (repositories that take a connection)."""
        return self.connection.execute(statement, params)


def _sqlite_busy(exc: DBAPIError) -> bool:
    """SQLite gave up waiting for the write lock (busy timeout): run the unit of work again."""
    return type(exc.orig).__name__ == "OperationalError" and "database is locked" in str(exc.orig)


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)
