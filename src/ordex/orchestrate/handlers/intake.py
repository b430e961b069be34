"""Handlers of IngestOrders and IngestOrderGroup: store payloads raw, judge every order, commit
once."""

from __future__ import annotations

import hashlib
from datetime import datetime

from ordex.domain.commands import IngestOrderGroup, IngestOrders
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


# -- IngestOrderGroup: several senders' payloads, one unit of work (the API's group commit) --

def ingest_order_group(cmd: IngestOrderGroup, uow: UnitOfWork, *, now: datetime
                       ) -> list[list[Outcome]]:
    """Store and judge several senders' payloads in one unit of work: each item's own outcomes."""
    docs_of = [peek_docs([body]) for body, _, _ in cmd.items]
    docs = [d for found in docs_of for d in found]
    customers, items, earliest = peek_keys(docs)
    keys = {d["order_id"] for d in docs
            if isinstance(d.get("order_id"), str) and not refused_reason(d["order_id"])}
    for (_, _, key), found in zip(cmd.items, docs_of, strict=True):
        if key:  # the header key, and per item KEY#index should the body be a batch
            keys |= {key} | {f"{key}#{i}" for i in range(len(found))}
    need = Need(customers=frozenset(customers), items=frozenset(items), keys=frozenset(keys),
                since=earliest or now.date(), probes=probes_for(docs))
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
    for body, source, key in cmd.items:
        start = len(pipeline.changes.results)
        answers.append(ingest(pipeline, unit, body, source=source, channel=cmd.channel,
                              now=now, key=key, raws=raws))
        for result in pipeline.changes.results[start:]:
            if result.idempotency_key and result.status != "rejected":
                unit.remember(result)
    return answers
