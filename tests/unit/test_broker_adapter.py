"""The broker adapter's parts that need no server: message → Delivery, the private loop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nats.aio.msg import Msg

from ordex.adapters.broker import BrokerTimeoutError, delivery_of
from ordex.adapters.broker.loop import LoopThread

REPLY = "$JS.ACK.ORDERS.ordex-intake.{delivered}.1234.77.1763888400000000000.5"


def _msg(*, headers: dict[str, str] | None = None, delivered: int = 1) -> Msg:
    return Msg(_client=None, subject="ordex.orders.acme", reply=REPLY.format(delivered=delivered),
               data=b'{"order_id": "SO-1"}', headers=headers)


def test_a_message_becomes_a_delivery_named_by_subject_and_stream_sequence() -> None:
    delivery = delivery_of(_msg())
    assert delivery.body == b'{"order_id": "SO-1"}'
    assert delivery.source == "nats:ordex.orders.acme"
    assert delivery.position == "ORDERS#1234"
    assert delivery.key == "nats:ORDERS:1234"


def test_the_senders_msg_id_is_the_key_and_stays_the_same_on_redelivery() -> None:
    first = delivery_of(_msg(headers={"Nats-Msg-Id": "PO-778"}))
    again = delivery_of(_msg(headers={"Nats-Msg-Id": "PO-778"}, delivered=3))
    assert first == again
    assert first.key == "PO-778"


def test_without_a_msg_id_the_key_is_still_stable_across_redeliveries() -> None:
    assert delivery_of(_msg(delivered=1)).key == delivery_of(_msg(delivered=4)).key


@pytest.fixture
def loop() -> Any:
    thread = LoopThread(name="test-loop")
    yield thread
    thread.close()


def test_the_loop_thread_returns_a_coroutines_result(loop: LoopThread) -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42
    assert loop.run(answer(), timeout=2) == 42


def test_a_timeout_the_coroutine_raises_is_its_own_not_the_loops(loop: LoopThread) -> None:
    async def times_out() -> None:
        raise TimeoutError("the fetch expired")
    with pytest.raises(TimeoutError, match="the fetch expired"):
        loop.run(times_out(), timeout=2)


def test_a_coroutine_slower_than_the_timeout_is_cancelled_and_named(loop: LoopThread) -> None:
    cancelled = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(BrokerTimeoutError, match=r"within 0\.2 s"):
        loop.run(slow(), timeout=0.2)
    assert loop.run(asyncio.wait_for(cancelled.wait(), 2), timeout=3) is True
