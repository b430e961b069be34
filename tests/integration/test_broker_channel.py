"""The JetStream channel against the real local NATS server: batches, redelivery, workers."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import nats
import pytest

from nats_support import NATS_URL, MakeBroker, _on_server, _publish
from ordex.adapters.broker import (
    BrokerConsumerMissingError,
    BrokerUnreachableError,
    JetStreamChannel,
    JetStreamConfig,
    provision,
)
from ordex.orchestrate.consume import consume
from ordex.orchestrate.ports import Delivery


def _stored(config: JetStreamConfig) -> int:
    """Messages still in the stream (a work queue drops what was acknowledged)."""
    async def work(js: nats.js.JetStreamContext) -> int:
        return (await js.stream_info(config.stream)).state.messages
    return asyncio.run(_on_server(config, work))  # type: ignore[return-value]


def _drain(channel: JetStreamChannel, want: int, *, deadline: float = 10.0) -> list[Delivery]:
    got: list[Delivery] = []
    end = time.monotonic() + deadline
    while len(got) < want and time.monotonic() < end:
        got += channel.receive(max_items=want - len(got), timeout=0.5)
    return got


def test_published_messages_arrive_in_batches_with_subject_sequence_and_key(
        make_broker: MakeBroker) -> None:
    config = make_broker()
    bodies = [f'{{"order": {n}}}'.encode() for n in range(25)]
    _publish(config, bodies, [f"po-{n}" if n % 2 else None for n in range(25)])
    with JetStreamChannel(config) as channel:
        batches = [channel.receive(max_items=10, timeout=2) for _ in range(3)]
        assert [len(b) for b in batches] == [10, 10, 5]
        got = [d for b in batches for d in b]
        for b in batches:
            channel.acknowledge(b)
        assert channel.held == 0
        assert channel.receive(max_items=10, timeout=0.3) == []
    assert [d.body for d in got] == bodies
    assert {d.source for d in got} == {f"nats:test.{config.stream[5:]}.orders"}
    assert [d.position for d in got] == [f"{config.stream}#{n}" for n in range(1, 26)]
    assert [d.key for d in got] == [f"po-{n}" if n % 2 else f"nats:{config.stream}:{n + 1}"
                                    for n in range(25)]
    assert _stored(config) == 0


def test_an_unacknowledged_batch_comes_again_after_ack_wait_with_the_same_keys(
        make_broker: MakeBroker) -> None:
    config = make_broker(ack_wait=1.0)
    _publish(config, [b"a", b"b", b"c"], ["id-a", None, "id-c"])
    with JetStreamChannel(config) as channel:
        first = channel.receive(max_items=10, timeout=2)
        assert channel.receive(max_items=10, timeout=0.3) == []  # in flight: not yet again
        again = _drain(channel, 3)
        channel.acknowledge(again)
        time.sleep(1.2)  # past another ack wait: nothing comes back once acknowledged
        assert channel.receive(max_items=10, timeout=0.3) == []
    assert [(d.body, d.position, d.key) for d in again] == [
        (d.body, d.position, d.key) for d in first]
    assert [d.key for d in first] == ["id-a", f"nats:{config.stream}:2", "id-c"]


def test_a_worker_that_stops_without_acknowledging_leaves_its_batch_to_another(
        make_broker: MakeBroker) -> None:
    config = make_broker(ack_wait=1.0)
    _publish(config, [b"1", b"2", b"3", b"4"])
    crashed = JetStreamChannel(config)
    taken = crashed.receive(max_items=10, timeout=2)
    crashed.close()  # as a killed process: its connection goes, nothing was acknowledged
    with JetStreamChannel(config) as survivor:
        assert survivor.receive(max_items=10, timeout=0.3) == []
        again = _drain(survivor, 4)
        survivor.acknowledge(again)
    assert [d.key for d in again] == [d.key for d in taken]
    assert _stored(config) == 0


def test_two_workers_on_one_durable_consumer_share_its_messages_disjointly(
        make_broker: MakeBroker) -> None:
    config = make_broker(ack_wait=30.0)
    total = 300
    _publish(config, [str(n).encode() for n in range(total)])
    seen: dict[str, list[Delivery]] = {"a": [], "b": []}
    done = threading.Event()

    def work(name: str) -> None:
        with JetStreamChannel(config) as channel:
            while not done.is_set():
                batch = channel.receive(max_items=10, timeout=0.5)
                time.sleep(0.01)  # the batch's commit
                channel.acknowledge(batch)
                seen[name] += batch
                if len(seen["a"]) + len(seen["b"]) >= total:
                    done.set()

    workers = [threading.Thread(target=work, args=(n,)) for n in seen]
    for w in workers:
        w.start()
    done.wait(30)
    done.set()
    for w in workers:
        w.join(10)
    a, b = ({d.position for d in seen[n]} for n in seen)
    assert a and b, "each worker received some messages"
    assert not a & b
    assert len(a | b) == total == len(seen["a"]) + len(seen["b"])
    assert _stored(config) == 0


def test_one_channel_serves_several_threads_without_mixing_their_batches(
        make_broker: MakeBroker) -> None:
    config = make_broker(ack_wait=30.0)
    total = 200
    _publish(config, [str(n).encode() for n in range(total)])
    got: list[list[Delivery]] = []
    lock = threading.Lock()
    with JetStreamChannel(config) as channel:

        def work() -> None:
            end = time.monotonic() + 20
            while time.monotonic() < end and sum(map(len, got)) < total:
                batch = channel.receive(max_items=7, timeout=0.3)
                channel.acknowledge(batch)  # while another thread may be receiving
                with lock:
                    got.append(batch)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert channel.held == 0
    positions = [d.position for b in got for d in b]
    assert len(positions) == len(set(positions)) == total
    assert _stored(config) == 0


def test_a_message_published_twice_with_one_msg_id_is_stored_and_delivered_once(
        make_broker: MakeBroker) -> None:
    config = make_broker()
    first, second = _publish(config, [b'{"po": "A-1"}', b'{"po": "A-1"}'], ["A-1", "A-1"])
    assert (first.duplicate, second.duplicate) == (None, True)
    assert second.seq == first.seq
    assert _stored(config) == 1
    with JetStreamChannel(config) as channel:
        [delivery] = channel.receive(max_items=10, timeout=2)
        channel.acknowledge([delivery])
    assert delivery.key == "A-1"


def test_retry_delivers_at_once_and_reject_never_again(make_broker: MakeBroker) -> None:
    config = make_broker(ack_wait=1.0)
    _publish(config, [b"retry me", b"unreadable"])
    with JetStreamChannel(config) as channel:
        retry, reject = channel.receive(max_items=10, timeout=2)
        channel.retry([retry])
        channel.reject([reject])
        [again] = channel.receive(max_items=10, timeout=0.5)  # well within the ack wait
        channel.acknowledge([again])
        time.sleep(1.2)
        assert channel.receive(max_items=10, timeout=0.3) == []
    assert again.key == retry.key


def test_extend_keeps_a_slow_batch_from_being_delivered_again(make_broker: MakeBroker) -> None:
    config = make_broker(ack_wait=2.0)
    _publish(config, [b"slow"])
    with JetStreamChannel(config) as slow, JetStreamChannel(config) as other:
        batch = slow.receive(max_items=10, timeout=2)
        time.sleep(1.2)
        slow.extend(batch)
        time.sleep(1.2)  # past the first ack wait, within the extended one
        assert other.receive(max_items=10, timeout=0.5) == []
        slow.acknowledge(batch)
    assert _stored(config) == 0


def test_the_consume_loop_acknowledges_only_after_the_handler_returned(
        make_broker: MakeBroker) -> None:
    config = make_broker(ack_wait=1.0)
    _publish(config, [b"x", b"y", b"z"], ["x", "y", "z"])
    stop, handled, stored_when_handled = threading.Event(), [], []
    guard = threading.Timer(20, stop.set)  # a failing test ends rather than hangs
    guard.daemon = True
    guard.start()

    def handle(batch: list[Delivery]) -> None:
        handled.append([d.key for d in batch])
        stored_when_handled.append(_stored(config))
        if len(handled) == 1:
            raise RuntimeError("the database is down")
        if sum(map(len, handled[1:])) == 3:
            stop.set()

    with JetStreamChannel(config) as channel:
        report = consume(channel, handle, max_items=10, timeout=0.5, stop=stop, backoff=0.1)
    guard.cancel()
    assert handled[0] == ["x", "y", "z"]
    assert set(stored_when_handled) == {3}  # the failed round acknowledged nothing
    assert sorted(k for keys in handled[1:] for k in keys) == ["x", "y", "z"]
    assert (report.failures, report.acknowledged) == (1, 3)
    assert _stored(config) == 0


def test_provisioning_twice_keeps_the_existing_stream_and_consumer(
        make_broker: MakeBroker) -> None:
    config = make_broker(ack_wait=1.0)
    _publish(config, [b"kept"])
    provision(JetStreamConfig(url=config.url, stream=config.stream, subject=config.subject,
                              consumer=config.consumer, ack_wait=99.0))
    assert _stored(config) == 1
    with JetStreamChannel(config) as channel:
        assert channel.ack_wait == 1.0  # the server's consumer, not the second call's config
        channel.acknowledge(channel.receive(max_items=1, timeout=2))


def test_a_consumer_never_provisioned_is_refused_naming_it() -> None:
    config = JetStreamConfig(url=NATS_URL, stream=f"TEST_{uuid.uuid4().hex[:12]}",
                             consumer="nobody", connect_timeout=5)
    with pytest.raises(BrokerConsumerMissingError, match="'nobody'"):
        JetStreamChannel(config)


def test_a_server_that_does_not_answer_is_refused_within_the_connect_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(BrokerUnreachableError, match="ORDEX_BROKER_URL"):
        JetStreamChannel(JetStreamConfig(url="nats://127.0.0.1:1", connect_timeout=1.0))
    assert time.monotonic() - started < 3
