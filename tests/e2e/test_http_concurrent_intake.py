"""Concurrent POST /orders over real HTTP: grouped into one commit, each answered as if alone."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from auth_kit import TOKENS, authed, issue
from live_server import free_port
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain.commands import IngestOrderGroup
from ordex.entrypoints.api.app import create_app
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
ORDERS = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()
WAIT = 30.0


@dataclass
class Live:
    """A running server, its wired App, and a gate that can hold the committer's groups."""

    url: str
    ordex: App
    intake: Any
    server: uvicorn.Server
    thread: threading.Thread
    groups: list[int] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)

    def hold(self) -> None:
        """The next group waits, once it started, until `release`."""
        self.gate.clear()
        self.holding.clear()

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def live(db_url: str) -> Iterator[Live]:
    ordex = bootstrap(Settings(database_url=db_url))
    ordex.migrate()
    ordex.save_reference(load_reference(ROOT / "examples" / "reference"))
    api = create_app(ordex)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    found = Live(f"http://127.0.0.1:{port}", ordex, api.state.intake, server, thread)
    issue(ordex, where=found.url)
    found.gate.set()
    run: Callable[[list[Any]], list[Any]] = api.state.intake.run

    def watched(items: list[Any]) -> list[Any]:
        found.groups.append(len(items))
        found.holding.set()
        assert found.gate.wait(WAIT)
        return run(items)

    api.state.intake.run = watched
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield found
    found.release()
    server.should_exit = True
    thread.join(timeout=10)
    TOKENS.pop(found.url, None)
    ordex.engine.dispose()


def order(n: int | str, base: int = 0) -> str:
    doc = json.loads(ORDERS[base])
    doc["order_id"], doc["customer_po"] = f"C-{n}", f"PO-C-{n}"
    return json.dumps(doc)


def post_all(url: str, bodies: list[tuple[str, dict[str, str]]]) -> list[httpx.Response]:
    """Post every body from its own client thread, all released at once."""
    answers: list[httpx.Response | None] = [None] * len(bodies)
    barrier = threading.Barrier(len(bodies))

    def post(i: int) -> None:
        body, headers = bodies[i]
        with authed(url, timeout=WAIT) as http:
            barrier.wait(WAIT)
            answers[i] = http.post("/orders", content=body, headers=headers)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def queued(live: Live, n: int) -> None:
    """Wait until `n` requests wait in the committer's queue."""
    deadline = time.monotonic() + WAIT
    while live.intake.queued < n:
        assert time.monotonic() < deadline, f"{live.intake.queued} of {n} queued"
        time.sleep(0.01)


def held_group(live: Live, bodies: list[tuple[str, dict[str, str]]]) -> list[httpx.Response]:
    """Hold the committer on a first request so that `bodies` all queue into one group.

    The first request is unreadable, so it changes no stock, credit or duplicate check.
    """
    live.hold()
    blocker: list[httpx.Response] = []
    first = threading.Thread(target=lambda: blocker.extend(
        post_all(live.url, [("{blocker", {})])))
    first.start()
    assert live.holding.wait(WAIT)
    result: list[httpx.Response] = []
    posting = threading.Thread(target=lambda: result.extend(post_all(live.url, bodies)))
    posting.start()
    queued(live, len(bodies))
    taken = len(live.groups)
    live.release()
    posting.join(WAIT)
    first.join(WAIT)
    assert blocker[0].status_code == 422
    assert live.groups[taken] == len(bodies), live.groups  # the next group: all of them
    return result


def test_fifty_concurrent_orders_each_get_their_own_answer_and_share_commits(
        live: Live) -> None:
    answers = post_all(live.url, [(order(n), {}) for n in range(50)])
    assert [a.status_code for a in answers] == [201] * 50
    assert [a.json()["order_id"] for a in answers] == [f"C-{n}" for n in range(50)]
    assert max(live.groups) > 1 and sum(live.groups) == 50
    with authed(live.url, timeout=WAIT) as http:
        for a in answers[::7]:
            stored = http.get(f"/orders/{a.json()['order_id']}").json()
            assert sorted(c["case_id"] for c in stored["cases"]) == sorted(a.json()["cases"])


def test_the_same_order_from_two_concurrent_requests_is_one_order_and_one_replay(
        live: Live) -> None:
    for attempt in range(5):
        body = order(f"twice-{attempt}", 1)
        answers = sorted(post_all(live.url, [(body, {}), (body, {})]),
                         key=lambda a: a.status_code)
        assert [a.status_code for a in answers] == [200, 201]
        replay, first = answers[0].json(), answers[1].json()
        assert replay["replayed"] is True and first["replayed"] is False
        assert replay["cases"] == first["cases"] and replay["raw_id"] == first["raw_id"]
    held = held_group(live, [(order("same"), {}), (order("same"), {})])
    assert sorted(a.status_code for a in held) == [200, 201]
    with authed(live.url, timeout=WAIT) as http:
        assert http.get("/orders/C-same").status_code == 200


def test_a_key_reused_with_another_order_in_one_group_is_refused_naming_the_key(
        live: Live) -> None:
    bodies = [order("k1"), order("k2")]
    answers = held_group(live, [(b, {"Idempotency-Key": "K-42"}) for b in bodies])
    assert sorted(a.status_code for a in answers) == [201, 422]
    taken, refused = sorted(answers, key=lambda a: a.status_code)
    assert refused.json()["detail"][0]["field"] == "Idempotency-Key"
    assert refused.json()["message"].startswith(
        "Idempotency-Key: already used for a different order")
    loser = bodies[answers.index(refused)]
    with authed(live.url, timeout=WAIT) as http:
        again = http.post("/orders", content=loser, headers={"Idempotency-Key": "K-42"})
        assert again.status_code == 422 and again.json()["detail"] == refused.json()["detail"]
        assert http.get(f"/orders/{json.loads(loser)['order_id']}").status_code == 404
        assert http.get(f"/orders/{taken.json()['order_id']}").status_code == 200


def test_a_malformed_payload_in_a_group_leaves_its_neighbours_answers_alone(
        live: Live) -> None:
    bodies = [(ORDERS[0], {}), ("{not json", {}), (ORDERS[1], {}), (ORDERS[2], {})]
    answers = held_group(live, bodies)
    assert [a.status_code for a in answers] == [201, 422, 201, 201]
    assert answers[1].json()["detail"][0]["field"] == "(body)"
    statuses = [a.json()["status"] for a in (answers[0], answers[2], answers[3])]
    assert statuses == ["accepted", "held", "held"]  # as test_http answers them one by one
    assert answers[2].json()["held_lines"] == [1, 2]


def test_a_group_that_fails_as_a_whole_is_answered_request_by_request(live: Live) -> None:
    handle = live.ordex.bus.handlers[IngestOrderGroup]

    def fails_in_groups(command: IngestOrderGroup, uow: Any) -> Any:
        if len(command.items) > 1:
            raise RuntimeError("the database went away")
        return handle(command, uow)

    live.ordex.bus.handlers[IngestOrderGroup] = fails_in_groups
    answers = held_group(live, [(order(n), {}) for n in range(4)])
    assert [a.status_code for a in answers] == [201] * 4
    assert [a.json()["order_id"] for a in answers] == [f"C-{n}" for n in range(4)]
    assert live.groups[-5:] == [4, 1, 1, 1, 1]


def test_reads_answer_while_the_committer_is_busy(live: Live) -> None:
    live.hold()
    posting = threading.Thread(target=lambda: post_all(live.url, [(order("slow"), {})]))
    posting.start()
    assert live.holding.wait(WAIT)
    try:
        with authed(live.url, timeout=WAIT) as http:
            started = time.monotonic()
            assert http.get("/queues").status_code == 200
            assert http.get("/").status_code == 200
            assert time.monotonic() - started < 5  # the held group would take 30 s
    finally:
        live.release()
        posting.join(WAIT)


def test_shutdown_with_requests_in_flight_answers_every_one(live: Live) -> None:
    live.hold()
    answers: list[httpx.Response] = []
    posting = threading.Thread(target=lambda: answers.extend(
        post_all(live.url, [(order(n), {}) for n in range(6)])))
    posting.start()
    assert live.holding.wait(WAIT)
    queued(live, 6 - live.groups[-1])  # one group held in the committer, the rest behind it
    live.server.should_exit = True
    time.sleep(0.2)
    live.release()
    posting.join(WAIT)
    live.thread.join(WAIT)
    assert not live.thread.is_alive()
    assert sorted(a.status_code for a in answers) == [201] * 6
