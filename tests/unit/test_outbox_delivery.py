"""Outbox delivery by workers on fakes: one call for fresh orders, backoff, failed orders alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordex.domain.events import HoldLines, ReleaseLines
from ordex.orchestrate.changes import OutboxMessage
from ordex.orchestrate.outbox import deliver
from ordex.orchestrate.retry import RetryPolicy

from fakes import FakeOutboxClaims, FlakyErp

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
POLICY = RetryPolicy(base=timedelta(seconds=4), cap=timedelta(minutes=1), max_attempts=10**6)


def message(mid: str, order: str) -> OutboxMessage:
    return OutboxMessage(mid, NOW, HoldLines(order_id=order, lines=(1,), reason="r", case_id="c"))


def send(claims: FakeOutboxClaims, erp: FlakyErp, now: datetime) -> int:
    return deliver(claims, erp, worker="w1", now=now, limit=100, policy=POLICY, rand=lambda: 0.5)


def test_fresh_messages_go_in_one_call_and_are_marked_sent() -> None:
    claims = FakeOutboxClaims([message("m1", "A"), message("m2", "B"), message("m3", "A")])
    erp = FlakyErp()
    assert send(claims, erp, NOW) == 3
    assert erp.calls == 1 and list(erp.received) == ["m1", "m2", "m3"]
    assert claims.sent == dict.fromkeys(["m1", "m2", "m3"], NOW)


def test_an_unreachable_erp_backs_the_messages_off_and_they_go_once_due() -> None:
    claims, erp = FakeOutboxClaims([message("m1", "A")]), FlakyErp(failures=1)
    assert send(claims, erp, NOW) == 0
    due = NOW + POLICY.delay(1, rand=0.5)
    assert claims.due["m1"] == due == NOW + timedelta(seconds=3)
    assert claims.attempts["m1"] == 1 and claims.errors == ["ConnectionError: ERP unreachable (call 1)"]
    assert send(claims, erp, due - timedelta(seconds=1)) == 0 and erp.calls == 1
    assert send(claims, erp, due) == 1 and "m1" in erp.received


def test_backoff_grows_with_each_failed_delivery() -> None:
    claims, erp, now = FakeOutboxClaims([message("m1", "A")]), FlakyErp(failures=3), NOW
    waits = []
    for _ in range(3):
        send(claims, erp, now)
        waits.append(claims.due["m1"] - now)  # type: ignore[operator]
        now = claims.due["m1"]  # type: ignore[assignment]
    assert waits == [timedelta(seconds=3), timedelta(seconds=6), timedelta(seconds=12)]


def test_a_command_the_erp_refuses_does_not_hold_back_other_orders_after_its_first_failure(
) -> None:
    claims = FakeOutboxClaims([message("bad", "A"), message("b1", "B"),
                               OutboxMessage("b2", NOW, ReleaseLines("B", (1,), "r", "c"))])
    erp = FlakyErp(refused={"bad"})
    assert send(claims, erp, NOW) == 0  # all in one call: the refusal fails the call
    later = NOW + timedelta(minutes=1)
    assert send(claims, erp, later) == 2  # now order B goes on its own, A alone fails again
    assert set(erp.received) == {"b1", "b2"} and claims.attempts["bad"] == 2
    assert claims.errors[-1] == "ValueError: ERP refused bad"


def test_nothing_to_deliver_sends_nothing() -> None:
    erp = FlakyErp()
    assert send(FakeOutboxClaims([]), erp, NOW) == 0 and erp.calls == 0
