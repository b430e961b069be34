"""Intake: store the raw payload, parse it, and run each order through the pipeline once."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from ordex.domain.errors import InvalidPayloadError
from ordex.domain.model import RawPayload
from ordex.domain.positions import Position
from ordex.orchestrate.changes import IntakeResult, LoggedEvent
from ordex.orchestrate.pipeline import Pipeline
from ordex.sense.orders import (
    Parsed,
    content_sha256,
    decode_json,
    parse_items,
    split_orders,
    store_raw,
)


class IdempotencyIndex(Protocol):
    """Results already given, by idempotency key and by order id."""

    def known(self, keys: Collection[str]) -> dict[str, dict[str, Any]]:
        """Stored results for whichever of these keys (or order ids) were seen before."""
        ...


class MemoryIdempotency:
    """An idempotency index held in memory (the simulator, tests, `ordex check`)."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, Any]] = {}

    def known(self, keys: Collection[str]) -> dict[str, dict[str, Any]]:
        """Stored results for the keys seen before."""
        return {k: self.results[k] for k in keys if k in self.results}

    def remember(self, result: IntakeResult) -> None:
        """Keep an accepted result under its key and its order id."""
        for key in (result.idempotency_key, result.order_id):
            if key:
                self.results[key] = result.as_dict()


class UnitIndex:
    """Earlier answers as one unit of work sees them: the stored ones and its own so far.

    A file or batch that carries the same order twice (a partner's resend inside one file)
    finds the first copy here before it is committed, exactly as a later batch would find it
    in the store.
    """

    def __init__(self, base: IdempotencyIndex) -> None:
        self.base, self.mine = base, MemoryIdempotency()
        self.asked: set[str] = set()
        self.stored: dict[str, dict[str, Any]] = {}

    def prefetch(self, keys: Collection[str]) -> None:
        """Look up many keys at once (a whole batch), so each payload needs no query."""
        wanted = set(keys) - self.asked
        if wanted:
            self.stored.update(self.base.known(wanted))
            self.asked |= wanted

    def known(self, keys: Collection[str]) -> dict[str, dict[str, Any]]:
        """Stored results for these keys, this unit of work's own taking precedence."""
        self.prefetch(keys)
        found = {k: self.stored[k] for k in keys if k in self.stored}
        return {**found, **self.mine.known(keys)}

    def remember(self, result: IntakeResult) -> None:
        """Keep an accepted result for the rest of the unit of work."""
        self.mine.remember(result)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer for one order of a payload: new, a replay of an earlier answer, or rejected."""

    result: dict[str, Any]
    replayed: bool = False
    position: Position | None = None
    """Where the order sat in what its channel read (a resend: where the resend sat)."""

    @property
    def rejected(self) -> bool:
        """True when the order could not be read."""
        return bool(self.result["status"] == "rejected")


def ingest(pipeline: Pipeline, index: IdempotencyIndex, body: bytes, *, source: str,
           channel: str, now: datetime, key: str | None = None,
           on_accept: Callable[[IntakeResult], None] | None = None,
           stored: RawPayload | None = None, raws: dict[str, str] | None = None,
           at: Position | None = None) -> list[Outcome]:
    """Store the bytes raw (unless replaying a stored payload), then judge each order.

    `raws` maps the SHA-256 of payloads already stored to their raw id: identical bytes sent
    again reuse that raw payload (and so its quarantine case) instead of a new copy. `at` is
    where the payload sat in its channel (else its source); each order of a batch is at its
    index in it.
    """
    at = at or Position(source)
    raw = stored or _store_once(pipeline, body, source=source, channel=channel, now=now,
                                raws=raws)
    try:
        items, batch = split_orders(decode_json(body))
        if not items:
            raise InvalidPayloadError("(body): no orders in the body", errors=[
                {"field": "(body)", "reason": "no orders in the body"}])
    except InvalidPayloadError as exc:
        return [Outcome(pipeline.reject(raw, exc, index=0, order_id=None, key=key,
                                        now=now).as_dict(), position=at)]
    parsed = list(parse_items(items, channel=channel, batch=batch))
    keys = {_key(key, p.order_id, p.index, batch) for p in parsed}
    keys |= {p.order_id for p in parsed if p.order_id}
    seen = index.known({k for k in keys if k})
    outcomes = []
    for p in parsed:
        item_key = _key(key, p.order_id, p.index, batch)
        outcome = _judge(pipeline, raw, p, seen, key=item_key, header=bool(key), now=now)
        if on_accept is not None and outcome.accepted is not None:
            on_accept(outcome.accepted)
        outcomes.append(replace(outcome.outcome, position=at.at(p.index) if batch else at))
    return outcomes


@dataclass(frozen=True, slots=True)
class _Judged:
    outcome: Outcome
    accepted: IntakeResult | None = None


def _judge(pipeline: Pipeline, raw: RawPayload, p: Parsed, seen: dict[str, dict[str, Any]], *,
           key: str | None, header: bool, now: datetime) -> _Judged:
    """One order of a payload: a resend, a rejection, or a new order (then remembered)."""
    by_key = seen.get(key or "") if header else None
    earlier = by_key or seen.get(p.order_id or "")
    if earlier is not None and p.error is None and p.order is not None:
        field = "Idempotency-Key" if by_key is not None else "order_id"
        outcome = _resend(pipeline, raw, p, earlier, field=field, key=key, now=now)
        if header and by_key is None and outcome.replayed and key:
            _bind(pipeline, seen, key, earlier)
        return _Judged(outcome)
    if p.error is not None or p.order is None:
        error = p.error or InvalidPayloadError("order could not be read")
        result = pipeline.reject(raw, error, index=p.index, order_id=p.order_id, key=key,
                                 now=now)
        return _Judged(Outcome(result.as_dict()))
    result = pipeline.accept(p.order, raw_id=raw.raw_id, key=key, now=now,
                             content_sha256=content_sha256(p.order))
    answer = result.as_dict()
    seen[key or p.order.order_id] = seen[p.order.order_id] = answer
    return _Judged(Outcome(answer), result)


def _bind(pipeline: Pipeline, seen: dict[str, dict[str, Any]], key: str,
          earlier: dict[str, Any]) -> None:
    """A header key first used for a resend is bound to that order's content from now on."""
    seen[key] = earlier
    pipeline.changes.results.append(IntakeResult(
        key, earlier.get("order_id"), str(earlier.get("raw_id")), str(earlier.get("status")),
        tuple(earlier.get("cases") or ()), tuple(earlier.get("held_lines") or ()),
        bool(earlier.get("whole_order_held")), tuple(earlier.get("errors") or ()),
        content_sha256=earlier.get("content_sha256")))


def _store_once(pipeline: Pipeline, body: bytes, *, source: str, channel: str, now: datetime,
                raws: dict[str, str] | None) -> RawPayload:
    """A new raw payload, or the stored one with the same bytes (its arrival is logged)."""
    raw = store_raw(body, source=source, channel=channel, now=now)
    if raws is None:
        pipeline.changes.raw_payloads.append(raw)
        return raw
    if raw.sha256 in raws:
        raw = RawPayload(raws[raw.sha256], source, channel, now, raw.sha256, body)
        pipeline.changes.events.append(LoggedEvent("PayloadResent", now, {
            "raw_id": raw.raw_id, "source": source[:500], "channel": channel}))
        return raw
    raws[raw.sha256] = raw.raw_id
    pipeline.changes.raw_payloads.append(raw)
    return raw


def _resend(pipeline: Pipeline, raw: RawPayload, p: Parsed, earlier: dict[str, Any], *,
            field: str, key: str | None, now: datetime) -> Outcome:
    """The earlier answer for a resend; a different order under a used key is refused."""
    assert p.order is not None
    bound = earlier.get("content_sha256")
    if bound is None or bound == content_sha256(p.order):
        return Outcome(earlier, replayed=True)
    reason = (f"already used for a different order (first received in raw payload "
              f"{earlier.get('raw_id')}); send a new key for a new or changed order")
    error = InvalidPayloadError(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])
    return Outcome(pipeline.reject(raw, error, index=p.index, order_id=p.order_id, key=key,
                                   now=now).as_dict())


def _key(header: str | None, order_id: str | None, index: int, batch: bool) -> str | None:
    """The idempotency key of one order: the header key (per item in a batch), else its id."""
    if header:
        return f"{header}#{index}" if batch else header
    return order_id
