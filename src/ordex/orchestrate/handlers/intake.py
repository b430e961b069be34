"""Handlers of order intake: judge payloads now, or store them raw and queue them for workers."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ordex.domain.commands import IngestOrderGroup, IngestOrders, JudgeQueued, QueueOrders
from ordex.domain.model import RawPayload
from ordex.interpret.recent import probes_for
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.intake import IdempotencyIndex, Outcome, UnitIndex, ingest
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need, UnitOfWork
from ordex.orchestrate.work import NewWork, WorkKind
from ordex.sense.orders import store_raw
from ordex.sense.peek import is_batch, peek_docs, peek_keys
from ordex.sense.safe_text import refused_reason


def need_of(docs: list[dict[str, Any]], keys: Sequence[str | None], *,
            now: datetime) -> tuple[Need, set[str]]:
    """What judging these order objects touches, and the idempotency keys to look up."""
    customers, items, earliest = peek_keys(docs)
    ids = {d["order_id"] for d in docs
           if isinstance(d.get("order_id"), str) and not refused_reason(d["order_id"])}
    wanted = ids | {k for k in keys if k} | {f"{k}#{i}" for k in set(keys) if k
                                             for i in range(len(docs))}
    return Need(customers=frozenset(customers), items=frozenset(items),
                keys=frozenset(wanted), since=earliest or now.date(),
                probes=probes_for(docs), warehouses=_warehouses(docs)), wanted


def _warehouses(docs: list[dict[str, Any]]) -> frozenset[str] | None:
    """The warehouses the orders name; None (every warehouse) if one names none readable."""
    named = [d.get("warehouse_id") for d in docs]
    if not all(isinstance(w, str) and w for w in named):
        return None
    return frozenset(str(w) for w in named)


def ingest_orders(cmd: IngestOrders, uow: UnitOfWork, *, now: datetime) -> list[Outcome]:
    """Store and judge payloads in one unit of work; a payload or order seen before is answered."""
    need, keys = need_of(peek_docs(b for b, _ in cmd.payloads), [cmd.key], now=now)
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
    for n, (body, source) in enumerate(cmd.payloads):
        at = cmd.positions[n] if n < len(cmd.positions) else None
        outcomes.extend(ingest(pipeline, unit, body, source=source, channel=cmd.channel,
                               now=now, key=cmd.key, on_accept=unit.remember, raws=raws,
                               at=at))
    return outcomes


def queue_orders(cmd: QueueOrders, uow: UnitOfWork, *, now: datetime) -> int:
    """Store the payloads raw and queue one intake work item for them: both or neither."""
    with uow:
        known = uow.raws_by_hash({hashlib.sha256(b).hexdigest() for b, _s, _k in cmd.items},
                                 channel=cmd.channel)
        new: list[RawPayload] = []
        refs: list[tuple[str, str | None]] = []
        for body, source, key in cmd.items:
            raw = store_raw(body, source=source, channel=cmd.channel, now=now)
            if raw.sha256 not in known:  # identical bytes again: judged from the first copy
                known[raw.sha256] = raw.raw_id
                new.append(raw)
            refs.append((known[raw.sha256], key))
        identity = hashlib.sha256(repr(refs).encode()).hexdigest()
        uow.enqueue([NewWork(WorkKind.INTAKE.value, identity, {"raws": refs})])
        uow.commit(Changes(raw_payloads=new))
    return len(refs)


def judge_queued(cmd: JudgeQueued, uow: UnitOfWork, *, now: datetime) -> list[Outcome]:
    """Judge stored payloads of claimed work and complete the work in the same transaction."""
    with uow:
        stored = uow.stored_raws({r for r, _k in cmd.raws})
        bodies = [stored[r].body for r, _k in cmd.raws if r in stored]
        need, keys = need_of(peek_docs(bodies), [k for _r, k in cmd.raws], now=now)
        pipeline = uow.hydrate(need)
        batches = [r for r, raw in stored.items() if is_batch(raw.body)]
        pipeline.known_cases |= uow.cases_of_raws(stored, batches=batches)
        unit = UnitIndex(uow.idempotency())
        unit.prefetch(keys)
        outcomes: list[Outcome] = []
        for raw_id, key in cmd.raws:
            raw = stored[raw_id]
            outcomes.extend(ingest(pipeline, unit, raw.body, source=raw.source,
                                   channel=raw.channel, now=now, key=key,
                                   on_accept=unit.remember, stored=raw))
        uow.complete(cmd.work_ids, worker=cmd.worker)
        uow.commit(pipeline.take_changes())
    return outcomes


# -- IngestOrderGroup: several senders' payloads, one unit of work (the API's group commit) --

def ingest_order_group(cmd: IngestOrderGroup, uow: UnitOfWork, *, now: datetime
                       ) -> list[list[Outcome]]:
    """Store and judge several senders' payloads in one unit of work: each item's own outcomes."""
    docs = peek_docs(body for body, _, _ in cmd.items)
    need, keys = need_of(docs, [key for _, _, key in cmd.items], now=now)
    with uow:
        pipeline = uow.hydrate(need)
        answers = judge_group(pipeline, uow, cmd, now=now, keys=keys)
        uow.commit(pipeline.take_changes())
    return answers


def judge_group(pipeline: Pipeline, uow: UnitOfWork, cmd: IngestOrderGroup, *, now: datetime,
                keys: set[str]) -> list[list[Outcome]]:
    """Judge each item in arrival order, seeing the items before it as if they were stored.

    After each item, what the store would keep of it (accepted orders and idempotency keys
    bound to a resend, never rejections) is remembered for the items after it: the same order
    twice in one group is answered as a resend, a used key with another order is refused.
    """
    shas = {hashlib.sha256(body).hexdigest(): body for body, _, _ in cmd.items}
    raws = uow.raws_by_hash(shas, channel=cmd.channel)
    batches = [r for sha, r in raws.items() if is_batch(shas[sha])]
    pipeline.known_cases |= uow.cases_of_raws(raws.values(), batches=batches)
    unit = UnitIndex(uow.idempotency())
    unit.prefetch(keys)
    answers: list[list[Outcome]] = []
    for n, (body, source, key) in enumerate(cmd.items):
        start = len(pipeline.changes.results)
        at = cmd.positions[n] if n < len(cmd.positions) else None
        answers.append(ingest(pipeline, unit, body, source=source, channel=cmd.channel,
                              now=now, key=key, raws=raws, at=at))
        for result in pipeline.changes.results[start:]:
            if result.idempotency_key and result.status != "rejected":
                unit.remember(result)
    return answers
