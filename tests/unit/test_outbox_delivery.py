"""Outbox delivery by workers on fakes: one call for fresh orders, backoff, failed orders alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordex.domain.events import HoldLines, ReleaseLines
from ordex.orchestrate.changes import OutboxMessage
from ordex.orchestrate.outbox import deliver
from ordex.orchestrate.retry import RetryPolicy
from ordex.orchestrate.work import SendFailure, SendReport

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


class ReportingErp:
    """A connector that answers with a report: per message, applied or a failure."""

    def __init__(self, failures: dict[str, list[SendFailure]]) -> None:
        self.failures, self.calls = failures, []  # type: list[list[str]]

    def send(self, messages: list[OutboxMessage]) -> SendReport:
        self.calls.append([m.message_id for m in messages])
        applied, failed, stopped = set(), {}, set()
        for m in messages:
            order = m.command.order_id
            if order in stopped:
                continue
            queue = self.failures.get(m.message_id, [])
            if queue:
                failed[m.message_id] = queue.pop(0)
                stopped.add(order)
            else:
                applied.add(m.message_id)
        return SendReport(frozenset(applied), failed)


FIVE = RetryPolicy(base=timedelta(seconds=4), cap=timedelta(minutes=1), max_attempts=3,
                   jitter="full")


def run(claims: FakeOutboxClaims, erp: object, now: datetime, rand: float = 0.5) -> int:
    return deliver(claims, erp, worker="w1", now=now, limit=100, policy=FIVE,  # type: ignore[arg-type]
                   rand=lambda: rand)


def test_a_message_failing_as_often_as_the_policy_allows_becomes_a_dead_letter_with_a_case(
) -> None:
    claims = FakeOutboxClaims([message("m1", "A")])
    erp = ReportingErp({"m1": [SendFailure("HTTP 503")] * 5})
    now = NOW
    for _ in range(3):
        run(claims, erp, now)
        now += timedelta(minutes=2)
    assert list(claims.dead) == ["m1"] and claims.attempts["m1"] == 3
    case = claims.dead["m1"]
    assert case.case_id == "erp-m1:INTEGRATION_FAILURE" and case.order_id == "A"
    assert case.queue.value == "integration" and case.severity.value == "warning"
    assert case.evidence["last_error"] == "HTTP 503" and case.evidence["attempts"] == 3
    assert case.evidence["command"]["kind"] == "HoldLines"
    assert "wait behind it" in case.reason and "ordex outbox replay m1" in case.reason
    assert [h.action for h in case.history] == ["open"]
    assert run(claims, erp, now + timedelta(hours=1)) == 0 and len(erp.calls) == 3


def test_a_permanent_failure_is_a_dead_letter_at_the_first_attempt() -> None:
    claims = FakeOutboxClaims([message("m1", "A"), message("m2", "B")])
    erp = ReportingErp({"m1": [SendFailure("HTTP 422: bad line", permanent=True)]})
    assert run(claims, erp, NOW) == 1
    assert list(claims.dead) == ["m1"] and claims.attempts["m1"] == 1
    assert claims.dead["m1"].evidence["permanent"] is True
    assert "refused it as permanent" in claims.dead["m1"].reason
    assert claims.sent == {"m2": NOW}


def test_retry_after_is_the_least_wait_even_when_the_jitter_would_wait_less() -> None:
    claims = FakeOutboxClaims([message("m1", "A")])
    erp = ReportingErp({"m1": [SendFailure("HTTP 429", retry_after=timedelta(seconds=30))]})
    run(claims, erp, NOW, rand=0.0)
    assert claims.due["m1"] == NOW + timedelta(seconds=30)


def test_full_jitter_waits_a_share_of_the_step_drawn_from_the_generator() -> None:
    claims = FakeOutboxClaims([message("m1", "A")])
    erp = ReportingErp({"m1": [SendFailure("timeout")]})
    run(claims, erp, NOW, rand=0.25)
    assert claims.due["m1"] == NOW + timedelta(seconds=1)  # 0.25 of the 4 s first step


def test_an_orders_later_messages_behind_a_failure_are_released_untried_others_go_on(
) -> None:
    claims = FakeOutboxClaims([message("a1", "A"), message("a2", "A"), message("b1", "B")])
    erp = ReportingErp({"a1": [SendFailure("HTTP 500")]})
    assert run(claims, erp, NOW) == 1
    assert claims.sent == {"b1": NOW} and claims.released == ["a2"]
    assert claims.attempts == {"a1": 1, "a2": 0, "b1": 0}


def test_a_connector_that_goes_on_after_a_failure_cannot_dead_letter_the_orders_later_ones(
) -> None:
    claims = FakeOutboxClaims([message("a1", "A"), message("a2", "A")])
    refuse = SendFailure("HTTP 422", permanent=True)

    class GoesOn:
        def send(self, messages: list[OutboxMessage]) -> SendReport:
            return SendReport(frozenset(), {m.message_id: refuse for m in messages})

    run(claims, GoesOn(), NOW)
    assert list(claims.dead) == ["a1"] and claims.released == ["a2"]
    assert claims.attempts["a2"] == 0
