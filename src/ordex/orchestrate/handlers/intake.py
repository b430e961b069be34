"""Handler of IngestOrders: store the payloads raw, judge every order, commit once."""

from __future__ import annotations

import hashlib
from datetime import datetime

from ordex.domain.commands import IngestOrders
from ordex.interpret.recent import probes_for
from ordex.orchestrate.intake import IdempotencyIndex, Outcome, UnitIndex, ingest
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need, UnitOfWork
from ordex.sense.peek import is_batch, peek_docs, peek_keys
from ordex.sense.safe_text import refused_reason


def ingest_orders(cmd: IngestOrders, uow: UnitOfWork, *, now: datetime) -> list[Outcome]:
    """Store and judge payloads in one unit of work; a payload or order seen before is answered."""
    docs = peek_docs(b for b, _ in cmd.payloads)
    customers, items, earliest = peek_keys(docs)
    ids = {d["order_id"] for d in docs
           if isinstance(d.get("order_id"), str) and not refused_reason(d["order_id"])}
    keys = ids | ({cmd.key} | {f"{cmd.key}#{i}" for i in range(len(docs))} if cmd.key else set())
    need = Need(customers=frozenset(customers), items=frozenset(items), keys=frozenset(keys),
                since=earliest or now.date(), probes=probes_for(docs))
    with uow:
        pipeline = uow.hydrate(need)
        outcomes = judge(pipeline, uow, cmd, now=now, keys=keys)
        uow.commit(pipeline.take_changes())
    return outcomes


def judge(pipeline: Pipeline, uow: UnitOfWork, cmd: IngestOrders, *, now: datetime,
          keys: set[str], index: IdempotencyIndex | None = None) -> list[Outcome]:
    """Judge the payloads on a loaded pipeline: identical bytes sent again reuse their raw."""
    shas = {hashlib.sha256(b).hexdigest(): b for b, _ in cmd.payloads}
    raws = uow.raws_by_hash(shas, channel=cmd.channel)
    batches = [r for sha, r in raws.items() if is_batch(shas[sha])]
    pipeline.known_cases |= uow.cases_of_raws(raws.values(), batches=batches)
    unit = UnitIndex(index or uow.idempotency())
    unit.prefetch(keys)
    outcomes: list[Outcome] = []
    for body, source in cmd.payloads:
        outcomes.extend(ingest(pipeline, unit, body, source=source, channel=cmd.channel,
                               now=now, key=cmd.key, on_accept=unit.remember, raws=raws))
    return outcomes
