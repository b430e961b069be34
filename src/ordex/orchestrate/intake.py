"""Intake: store the raw payload, parse it, and run each order through the pipeline once."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from ordex.domain.errors import InvalidPayloadError
from ordex.domain.model import RawPayload
from ordex.orchestrate.changes import IntakeResult
from ordex.orchestrate.pipeline import Pipeline
from ordex.sense.orders import decode_json, parse_items, split_orders, store_raw

T = TypeVar("T")


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


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer for one order of a payload: new, a replay of an earlier answer, or rejected."""

    result: dict[str, Any]
    replayed: bool = False

    @property
    def rejected(self) -> bool:
        """True when the order could not be read."""
        return bool(self.result["status"] == "rejected")


def ingest(pipeline: Pipeline, index: IdempotencyIndex, body: bytes, *, source: str,
           channel: str, now: datetime, key: str | None = None,
           on_accept: Callable[[IntakeResult], None] | None = None,
           stored: RawPayload | None = None) -> list[Outcome]:
    """Store the bytes raw (unless replaying a stored payload), then judge each order."""
    raw = stored or store_raw(body, source=source, channel=channel, now=now)
    if stored is None:
        pipeline.changes.raw_payloads.append(raw)
    try:
        items, batch = split_orders(decode_json(body))
    except InvalidPayloadError as exc:
        return [Outcome(pipeline.reject(raw, exc, index=0, order_id=None, key=key,
                                        now=now).as_dict())]
    parsed = list(parse_items(items, channel=channel, batch=batch))
    keys = {_key(key, p.order_id, p.index, batch) for p in parsed}
    keys |= {p.order_id for p in parsed if p.order_id}
    seen = index.known({k for k in keys if k})
    outcomes = []
    for p in parsed:
        item_key = _key(key, p.order_id, p.index, batch)
        earlier = seen.get(item_key or "") or seen.get(p.order_id or "")
        if earlier is not None and p.error is None:
            outcomes.append(Outcome(earlier, replayed=True))
            continue
        if p.error is not None or p.order is None:
            error = p.error or InvalidPayloadError("order could not be read")
            result = pipeline.reject(raw, error, index=p.index, order_id=p.order_id,
                                     key=item_key, now=now)
            outcomes.append(Outcome(result.as_dict()))
            continue
        result = pipeline.accept(p.order, raw_id=raw.raw_id, key=item_key, now=now)
        answer = result.as_dict()
        seen[item_key or p.order.order_id] = seen[p.order.order_id] = answer
        if on_accept is not None:
            on_accept(result)
        outcomes.append(Outcome(answer))
    return outcomes


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Items in lists of `size` (the last may be shorter): one unit of work each."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _key(header: str | None, order_id: str | None, index: int, batch: bool) -> str | None:
    """The idempotency key of one order: the header key (per item in a batch), else its id."""
    if header:
        return f"{header}#{index}" if batch else header
    return order_id
