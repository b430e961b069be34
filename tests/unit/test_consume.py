"""The consume loop: a batch is acknowledged only after its handler returned."""

from __future__ import annotations

import logging
import threading

import pytest

from ordex.orchestrate.consume import ConsumeReport, consume
from ordex.orchestrate.ports import Delivery

from fakes import FakeChannel


class InstantStop(threading.Event):
    """A stop event whose back-off waits return at once and are recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        return self.is_set()


def _bodies(n: int) -> list[bytes]:
    return [f'{{"n": {i}}}'.encode() for i in range(n)]


def test_every_item_is_acknowledged_once_and_only_after_its_batch_was_handled() -> None:
    channel, stop = FakeChannel(_bodies(10)), InstantStop()
    seen: list[list[Delivery]] = []

    acknowledged_when_handled: list[int] = []

    def handle(batch: list[Delivery]) -> None:
        acknowledged_when_handled.append(len(channel.acknowledged))
        seen.append(batch)
        if sum(map(len, seen)) == 10:
            stop.set()

    report = consume(channel, handle, max_items=4, timeout=0.1, stop=stop)
    assert [len(b) for b in seen] == [4, 4, 2]
    assert acknowledged_when_handled == [0, 4, 8]  # each batch's own ack came after it
    assert channel.acknowledged == [d for b in seen for d in b]
    assert channel.calls == ["receive", "acknowledge"] * 3
    assert report == ConsumeReport(batches=3, acknowledged=10, failures=0)


def test_a_batch_whose_handler_raises_is_not_acknowledged_and_comes_again_with_its_keys(
        caplog: pytest.LogCaptureFixture) -> None:
    channel, stop = FakeChannel(_bodies(3), redeliver_when_idle=True), InstantStop()
    seen: list[list[Delivery]] = []

    def handle(batch: list[Delivery]) -> None:
        seen.append(batch)
        if len(seen) == 1:
            raise RuntimeError("database unavailable")
        stop.set()

    with caplog.at_level(logging.WARNING, logger="ordex.consume"):
        report = consume(channel, handle, max_items=10, timeout=0.1, stop=stop, backoff=0.25)
    assert seen[0] == seen[1]
    assert [d.key for d in seen[1]] == ["fake:1", "fake:2", "fake:3"]
    assert channel.calls == ["receive", "receive", "acknowledge"]
    assert report == ConsumeReport(batches=1, acknowledged=3, failures=1)
    assert stop.waits == [0.25]
    [line] = caplog.messages
    assert "not acknowledged" in line and "database unavailable" in line


def test_a_failed_acknowledge_leaves_the_committed_batch_to_be_delivered_again() -> None:
    channel = FakeChannel(_bodies(2), fail_acknowledge=1, redeliver_when_idle=True)
    stop, handled = InstantStop(), []

    def handle(batch: list[Delivery]) -> None:
        handled.append(batch)
        if len(handled) == 2:
            stop.set()

    report = consume(channel, handle, max_items=10, timeout=0.1, stop=stop)
    assert handled[0] == handled[1]  # the handler answers the second one from idempotency
    assert len(channel.acknowledged) == 2
    assert report == ConsumeReport(batches=1, acknowledged=2, failures=1)


def test_failures_back_off_doubling_up_to_the_cap_and_reset_after_a_success() -> None:
    channel, stop = FakeChannel(_bodies(2), fail_receive=5), InstantStop()
    handled: list[list[Delivery]] = []

    def handle(batch: list[Delivery]) -> None:
        handled.append(batch)
        channel.fail_receive = 1  # one more failure after this success
        if len(handled) == 2:
            stop.set()

    report = consume(channel, handle, max_items=1, timeout=0.1, stop=stop, backoff=1,
                     max_backoff=4)
    assert stop.waits == [1, 2, 4, 4, 4, 1]
    assert report == ConsumeReport(batches=2, acknowledged=2, failures=6)


def test_setting_stop_during_a_batch_still_acknowledges_it_and_receives_no_more() -> None:
    channel, stop = FakeChannel(_bodies(5)), InstantStop()

    def handle(batch: list[Delivery]) -> None:
        stop.set()

    report = consume(channel, handle, max_items=2, timeout=0.1, stop=stop)
    assert channel.calls == ["receive", "acknowledge"]
    assert len(channel.waiting) == 3
    assert report.acknowledged == 2


def test_idle_rounds_call_no_handler_and_acknowledge_nothing() -> None:
    stop = InstantStop()

    class Idle(FakeChannel):
        def receive(self, *, max_items: int, timeout: float) -> list[Delivery]:
            if self.calls.count("receive") == 2:
                stop.set()
            return super().receive(max_items=max_items, timeout=timeout)

    channel = Idle()
    report = consume(channel, lambda batch: pytest.fail("handled an empty batch"),
                     max_items=10, timeout=0.1, stop=stop)
    assert channel.calls == ["receive"] * 3
    assert report == ConsumeReport()


def test_drain_returns_at_the_first_empty_receive() -> None:
    channel, handled = FakeChannel(_bodies(3)), []
    report = consume(channel, handled.extend, max_items=2, timeout=0.1, stop=InstantStop(),
                     drain=True)
    assert len(handled) == 3
    assert channel.calls == ["receive", "acknowledge"] * 2 + ["receive"]
    assert report == ConsumeReport(batches=2, acknowledged=3, failures=0)
