"""Broker intake throughput: receive and acknowledge through the JetStream channel (figures only).

    .venv/bin/python -m benchmarks.broker [--messages 20000] [--batch 500] [--workers 1]

Publishes `--messages` order-sized payloads (~1 KB) to a throw-away stream on the local NATS
server, then times `--workers` processes that share one durable consumer, each receiving
batches of `--batch` and acknowledging them (no ordex processing: the channel's own cost).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
import uuid

import nats

from ordex.adapters.broker import JetStreamChannel, JetStreamConfig, provision

BODY = json.dumps({"order_id": "SO-0", "lines": [{"sku": f"ITEM-{n}", "quantity": "5",
                                                   "unit_price": "12.50"} for n in range(12)]})


async def _publish(config: JetStreamConfig, count: int) -> float:
    client = await nats.connect(config.url)
    js = client.jetstream()
    started = time.perf_counter()
    for n in range(count):
        await js.publish_async(f"bench.{config.consumer}.orders", BODY.encode(),
                               headers={"Nats-Msg-Id": f"SO-{n}"})
    await js.publish_async_completed()
    elapsed = time.perf_counter() - started
    await client.close()
    return elapsed


Span = tuple[int, float, float]


def _work(config: JetStreamConfig, batch: int, out: multiprocessing.Queue[Span]) -> None:
    """Drain the consumer; report the count and when the first and the last batch came."""
    with JetStreamChannel(config) as channel:
        got, first, last = 0, time.time(), 0.0
        while deliveries := channel.receive(max_items=batch, timeout=1.0):
            channel.acknowledge(deliveries)
            got, last = got + len(deliveries), time.time()
    out.put((got, first, last))


def main() -> None:
    """Publish, then drain with N worker processes; print messages per second."""
    args = argparse.ArgumentParser()
    args.add_argument("--messages", type=int, default=20_000)
    args.add_argument("--batch", type=int, default=500)
    args.add_argument("--workers", type=int, default=1)
    opts = args.parse_args()
    tag = uuid.uuid4().hex[:10]
    config = JetStreamConfig(stream=f"BENCH_{tag}", subject=f"bench.{tag}.>", consumer=tag,
                             duplicate_window=60)
    provision(config)
    try:
        published = asyncio.run(_publish(config, opts.messages))
        out: multiprocessing.Queue[Span] = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=_work, args=(config, opts.batch, out))
                 for _ in range(opts.workers)]
        for p in procs:
            p.start()
        spans = [out.get(timeout=600) for _ in procs]  # a worker that died ends the run
        for p in procs:
            p.join()
    finally:
        asyncio.run(_delete(config))
    elapsed = max(s[2] for s in spans) - min(s[1] for s in spans)
    print(json.dumps({"messages": opts.messages, "batch": opts.batch, "workers": opts.workers,
                      "publish_per_s": round(opts.messages / published),
                      "consume_per_s": round(sum(s[0] for s in spans) / elapsed),
                      "per_worker": [s[0] for s in spans]}))


async def _delete(config: JetStreamConfig) -> None:
    client = await nats.connect(config.url)
    await client.jetstream().delete_stream(config.stream)
    await client.close()


if __name__ == "__main__":
    main()
