"""The consume loop over any Channel: receive a batch, commit it, then acknowledge it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

from ordex.domain.commands import IngestOrderGroup, QueueOrders
from ordex.orchestrate.intake import Outcome
from ordex.orchestrate.ports import Channel, Delivery
from ordex.orchestrate.report import IntakeReport, report_of

log = logging.getLogger("ordex.consume")
Handle = Callable[[list[Delivery]], None]
"""Stores, judges and commits a batch; returns only once the batch is committed."""


@dataclass(frozen=True, slots=True)
class ConsumeReport:
    """What one run of the loop did, for the log and the tests."""

    batches: int = 0
    """Batches committed and acknowledged."""
    acknowledged: int = 0
    """Items in those batches."""
    failures: int = 0
    """Rounds that ended in an error (nothing acknowledged in them)."""


def consume(channel: Channel, handle: Handle, *, max_items: int, timeout: float,
            stop: threading.Event, drain: bool = False, backoff: float = 0.5,
            max_backoff: float = 30.0) -> ConsumeReport:
    """Handle, then acknowledge, batches until `stop` is set or (`drain`) a receive is empty."""
    batches = acknowledged = failures = 0
    delay = backoff
    while not stop.is_set():
        try:
            done = _round(channel, handle, max_items=max_items, timeout=timeout)
        except Exception as exc:  # any failure: leave the batch to the channel's redelivery
            failures += 1
            log.warning("%s: batch not acknowledged, retrying in %.1f s: %s: %s",
                        channel.name, delay, type(exc).__name__, exc)
            stop.wait(delay)
            delay = min(delay * 2, max_backoff)
            continue
        delay = backoff
        if not done and drain:
            break
        if done:
            batches, acknowledged = batches + 1, acknowledged + done
    return ConsumeReport(batches=batches, acknowledged=acknowledged, failures=failures)


def _round(channel: Channel, handle: Handle, *, max_items: int, timeout: float) -> int:
    """One batch through: how many items were committed and acknowledged (0 when idle)."""
    batch = channel.receive(max_items=max_items, timeout=timeout)
    if not batch:
        return 0
    handle(batch)
    channel.acknowledge(batch)
    return len(batch)


def judge_command(deliveries: list[Delivery], *, channel: str) -> IngestOrderGroup:
    """Judge a batch now, each delivery answered at its position as if it came alone."""
    return IngestOrderGroup(tuple((d.body, d.source, d.key) for d in deliveries), channel,
                            positions=tuple(d.place for d in deliveries))


def judging(run: Callable[[IngestOrderGroup], list[list[Outcome]]], report: IntakeReport
            ) -> Handle:
    """A consume handle that judges each batch at once and adds its answers to `report`."""
    def handle(deliveries: list[Delivery]) -> None:
        answers = run(judge_command(deliveries, channel=report.channel))
        report.merge(report_of(chain.from_iterable(answers), source=report.source,
                               channel=report.channel))
    return handle


def queue_command(deliveries: list[Delivery], *, channel: str) -> QueueOrders:
    """Store a batch raw and queue it for workers (judged later, answered in their log)."""
    return QueueOrders(tuple((d.body, d.source, d.key) for d in deliveries), channel)
