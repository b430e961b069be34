"""The HTTP connector against a real local ERP process that fails on purpose, on SQLite and
PostgreSQL: timeouts, 500s, 409, slow answers, 429 with Retry-After, a connection dropped
after the command was applied, permanent refusals, dead letters and their replay."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from erp_kit import ErpServer, erp_server, mapping_data, write_mapping
from ordex.adapters.db import tables as t
from ordex.adapters.db.dead_letters import replay
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.outbox_stats import outbox_stats
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.erp_http import HttpErp, load_mapping
from ordex.adapters.erp_sandbox import SqlOutbox
from ordex.domain.errors import IllegalTransitionError, UnknownOutboxMessageError
from ordex.domain.events import HoldLines, ReleaseLines
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.outbox import deliver
from ordex.orchestrate.retry import RetryPolicy

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
POLICY = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(seconds=8), max_attempts=4,
                     jitter="full")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ErpServer]:
    with erp_server(tmp_path) as running:
        yield running


def connector(server: ErpServer, tmp_path: Path, *, timeout: float = 0.5) -> HttpErp:
    path = write_mapping(tmp_path / "mapping.yaml", mapping_data(server.url, timeout=timeout))
    return HttpErp(load_mapping(path), env={})


def write(engine: Engine, orders: dict[str, int]) -> dict[str, list[str]]:
    """Per order, a hold then releases, a millisecond apart; their message ids in order."""
    messages, ids, n = [], {}, 0
    for order, count in orders.items():
        for i in range(count):
            n += 1
            mid = f"{order}-{i}"
            kind = HoldLines if i == 0 else ReleaseLines
            messages.append(OutboxMessage(mid, NOW + timedelta(milliseconds=n),
                                          kind(order, (1,), f"step {i}", f"{order}:X")))
            ids.setdefault(order, []).append(mid)
    SqlChangeStore(engine).save(Changes(outbox=messages))
    return ids


def drain(engine: Engine, erp: HttpErp, *, rounds: int = 30, seed: int = 7) -> datetime:
    """Deliver round after round, the clock 10 s on each time, until a round moves nothing
    and nothing is due again; the clock at the end."""
    outbox, rng, now = SqlOutbox(engine), random.Random(seed), NOW
    for _ in range(rounds):
        deliver(outbox, erp, worker="w1", now=now, limit=100, policy=POLICY, rand=rng.random)
        now += timedelta(seconds=10)
        stats = outbox_stats(engine, now=now)
        if stats["pending"] == 0 and stats["in_flight"] == 0:
            break
    return now


def states(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(t.outbox.c.message_id, t.outbox.c.state)).all())


def test_injected_failures_end_with_each_command_applied_exactly_once_in_order(
        engine: Engine, server: ErpServer, tmp_path: Path) -> None:
    ids = write(engine, {"FIVE": 3, "TIME": 3, "DROP": 3, "BUSY": 2, "SLOW": 2, "OK": 3})
    server.plan(FIVE=["500", "500"], TIME=["sleep:1.5"], DROP=["drop", "ok", "drop"],
                BUSY=["429:25"], SLOW=["sleep:0.2", "sleep:0.2"])
    erp = connector(server, tmp_path)
    drain(engine, erp)
    record = server.record()
    every = [m for order in ids.values() for m in order]
    assert record["applied"] == dict.fromkeys(every, 1)  # each exactly once, none lost
    assert set(states(engine).values()) == {"sent"}
    # the retries carried the same key: the server saw them again and applied nothing twice
    assert record["requests"]["FIVE-0"] == 3
    assert record["requests"]["TIME-0"] == 2 and record["requests"]["DROP-0"] == 2
    assert record["requests"]["DROP-2"] == 2 and record["requests"]["BUSY-0"] == 2
    assert record["requests"]["SLOW-0"] == 1 and record["requests"]["OK-0"] == 1
    for order, mids in ids.items():  # the ERP received each order's commands in order
        assert [k for o, k in record["order"] if o == order] == mids
    assert record["bodies"]["OK-1"] == {"path": "/api/orders/OK/releases", "body": {
        "kind": "ReleaseLines", "lines": [1], "reason": "step 1", "case": "OK:X"}}
    stats = outbox_stats(engine, now=NOW + timedelta(minutes=5))
    assert stats["sent"] == len(every) and stats["dead"] == 0
    assert stats["failed_attempts"] == 2 + 1 + 2 + 1  # FIVE 2, TIME 1, DROP 2, BUSY 1


def test_a_429_retry_after_is_honoured_over_a_shorter_backoff(
        engine: Engine, server: ErpServer, tmp_path: Path) -> None:
    write(engine, {"BUSY": 1})
    server.plan(BUSY=["429:25"])
    erp, outbox = connector(server, tmp_path), SqlOutbox(engine)
    deliver(outbox, erp, worker="w1", now=NOW, limit=10, policy=POLICY, rand=lambda: 0.0)
    with engine.connect() as conn:
        row = conn.execute(select(t.outbox)).mappings().one()
    assert row["attempts"] == 1 and "HTTP 429" in row["last_error"]
    assert deliver(outbox, erp, worker="w1", now=NOW + timedelta(seconds=24), limit=10,
                   policy=POLICY) == 0
    assert deliver(outbox, erp, worker="w1", now=NOW + timedelta(seconds=26), limit=10,
                   policy=POLICY) == 1


def test_a_permanent_refusal_dead_letters_at_once_and_later_commands_wait_until_replay(
        engine: Engine, server: ErpServer, tmp_path: Path) -> None:
    ids = write(engine, {"BAD": 3, "GOOD": 2})
    server.plan(BAD=["422"])
    erp = connector(server, tmp_path)
    at = drain(engine, erp)
    assert states(engine) == {"BAD-0": "dead", "BAD-1": "pending", "BAD-2": "pending",
                              "GOOD-0": "sent", "GOOD-1": "sent"}
    assert server.record()["requests"] == {"BAD-0": 1, "GOOD-0": 1, "GOOD-1": 1}
    with engine.connect() as conn:
        case = conn.execute(select(t.cases)).mappings().one()
        audit = conn.execute(select(t.audit_log.c.action)
                             .where(t.audit_log.c.case_id == case["case_id"])).scalars().all()
    assert case["case_id"] == "erp-BAD-0:INTEGRATION_FAILURE" and case["state"] == "open"
    assert case["code"] == "INTEGRATION_FAILURE" and case["order_id"] == "BAD"
    assert case["queue"] == "integration" and audit == ["open"]
    assert case["evidence"]["command"]["kind"] == "HoldLines"
    assert "HTTP 422" in case["evidence"]["last_error"] and case["evidence"]["permanent"]
    assert "wait behind it" in case["reason"]
    stats = outbox_stats(engine, now=at)
    assert (stats["dead"], stats["pending"], stats["sent"]) == (1, 2, 2)
    assert stats["oldest_pending_age_seconds"] > 0

    out = replay(engine, "erp-BAD-0:INTEGRATION_FAILURE", actor="ana", at=at)
    assert out == {"message_id": "BAD-0", "state": "pending", "replays": 1,
                   "case_id": "erp-BAD-0:INTEGRATION_FAILURE", "case_resolved": True,
                   "last_error": out["last_error"]}
    with pytest.raises(IllegalTransitionError, match="BAD-0 is pending: only a dead letter"):
        replay(engine, "BAD-0", actor="ana", at=at)
    drain(engine, erp)
    assert server.record()["applied"] == dict.fromkeys(
        [*ids["GOOD"], *ids["BAD"]], 1)
    with engine.connect() as conn:
        closed = conn.execute(select(t.cases.c.state, t.cases.c.resolution)).one()
    assert closed[0] == "resolved" and "replayed by ana" in closed[1]


def test_a_replayed_message_that_dies_again_opens_a_second_case(
        engine: Engine, server: ErpServer, tmp_path: Path) -> None:
    write(engine, {"BAD": 1})
    server.plan(BAD=["422", "500", "500", "500", "500"])
    erp = connector(server, tmp_path)
    at = drain(engine, erp)
    replay(engine, "BAD-0", actor="ana", at=at)
    drain(engine, erp)
    with engine.connect() as conn:
        cases = dict(conn.execute(select(t.cases.c.case_id, t.cases.c.state)).all())
        row = conn.execute(select(t.outbox)).mappings().one()
    assert cases == {"erp-BAD-0:INTEGRATION_FAILURE": "resolved",
                     "erp-BAD-0-1:INTEGRATION_FAILURE": "open"}
    assert row["state"] == "dead" and row["attempts"] == POLICY.max_attempts
    assert row["replays"] == 1 and "HTTP 500" in row["last_error"]


def test_replaying_an_unknown_message_is_refused_by_name(engine: Engine) -> None:
    with pytest.raises(UnknownOutboxMessageError, match="no outbox message nope"):
        replay(engine, "nope", actor="ana", at=NOW)
    with pytest.raises(UnknownOutboxMessageError, match="names no outbox message"):
        replay(engine, "raw-1:INTEGRATION_FAILURE", actor="ana", at=NOW)
