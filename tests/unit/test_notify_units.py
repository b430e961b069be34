"""Notifications on fakes: routing, digest grouping, templates, signatures, retries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ordex.adapters.db.subscriptions_repo import new_subscription
from ordex.adapters.notify.channels import ChannelNotifier
from ordex.adapters.notify.smtp import SmtpConfig, SmtpNotifier
from ordex.adapters.notify.templates import Templates
from ordex.adapters.notify.webhook import cloud_event, signature, verify
from ordex.orchestrate.notify import (
    Event,
    Notice,
    NotificationError,
    People,
    Subscription,
    digest_key,
    period_of,
    route,
)
from ordex.orchestrate.notify_delivery import deliver_notifications
from ordex.orchestrate.retry import RetryPolicy
from ordex.orchestrate.work import SendFailure

from fakes import FakeNotifications, FakeNotifier

NOW = datetime(2026, 3, 2, 10, 20, tzinfo=UTC)
PEOPLE = People(by_user={"ana": "ana@example.com"},
                by_role={"credit_manager": ["cm1@example.com", "cm2@example.com"]})
POLICY = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(minutes=5), max_attempts=3,
                     jitter="full")


def event(n: int = 1, kind: str = "case.assigned", **kw: object) -> Event:
    fields: dict[str, object] = {"recipient": "ana", "case_id": f"C-{n}", "queue": "credit",
                                 "customer_id": "CUST-1", "payload": {}}
    fields.update(kw)
    return Event(n, kind, NOW, **fields)  # type: ignore[arg-type]


def test_personal_notice_goes_to_the_users_address_without_a_subscription() -> None:
    found = route([event()], [], PEOPLE, now=NOW)
    assert [(d.delivery_key, d.target) for d in found] == [("1:mailto:ana@example.com",
                                                            "mailto:ana@example.com")]


def test_opted_out_or_unknown_user_gets_no_personal_notice() -> None:
    assert route([event(recipient="bob")], [], PEOPLE, now=NOW) == []


def test_approval_waiting_reaches_every_holder_of_the_role() -> None:
    found = route([event(kind="approval.waiting", recipient="role:credit_manager")], [],
                  PEOPLE, now=NOW)
    assert sorted(d.target for d in found) == ["mailto:cm1@example.com",
                                               "mailto:cm2@example.com"]


def test_order_changed_is_not_personal_and_needs_a_customer_subscription() -> None:
    changed = event(kind="order.changed", recipient=None, case_id=None, order_id="SO-1")
    mine = Subscription("s1", "order.changed", "https://c.example/hook", customer_id="CUST-1")
    other = Subscription("s2", "order.changed", "https://d.example/hook", customer_id="CUST-2")
    assert [d.target for d in route([changed], [mine, other], PEOPLE, now=NOW)] == [
        "https://c.example/hook"]


def test_subscription_matches_event_type_queue_and_customer() -> None:
    credit = Subscription("s1", "sla.at_risk", "mailto:team@example.com", queue="credit")
    assert credit.matches(event(kind="sla.at_risk"))
    assert not credit.matches(event(kind="sla.at_risk", queue="pricing"))
    assert not credit.matches(event(kind="case.assigned"))
    assert not Subscription("s", "sla.at_risk", "x", customer_id="C9").matches(
        event(kind="sla.at_risk"))


def test_digest_collects_a_periods_events_under_one_key_due_at_its_end() -> None:
    sub = Subscription("s1", "sla.at_risk", "mailto:team@example.com", digest="hourly")
    found = route([event(1, "sla.at_risk", recipient="queue:credit"),
                   event(2, "sla.at_risk", recipient="queue:credit")], [sub], PEOPLE, now=NOW)
    heads = {d.delivery_key for d in found if not d.collected}
    members = [d for d in found if d.collected]
    assert heads == {"digest:s1:20260302T1000"}
    assert {d.digest_key for d in members} == heads and len(members) == 2
    assert {d.due_at for d in found} == {datetime(2026, 3, 2, 11, 0, tzinfo=UTC)}


def test_digest_periods_hourly_and_daily_and_next_period_gets_a_new_key() -> None:
    assert period_of(NOW, "daily") == (datetime(2026, 3, 2, tzinfo=UTC),
                                       datetime(2026, 3, 3, tzinfo=UTC))
    start, end = period_of(NOW, "hourly")
    assert end - start == timedelta(hours=1)
    assert digest_key("s1", start) != digest_key("s1", period_of(end, "hourly")[0])
    with pytest.raises(NotificationError, match="digest"):
        period_of(NOW, "weekly")


def test_subscription_input_is_checked_field_by_field() -> None:
    with pytest.raises(NotificationError, match=r"^event:"):
        new_subscription(event="case.nope", to="mailto:a@b.com")
    with pytest.raises(NotificationError, match=r"^to:"):
        new_subscription(event="case.assigned", to="ftp://x")
    with pytest.raises(NotificationError, match=r"^queue:"):
        new_subscription(event="case.assigned", to="mailto:a@b.com", queue="nope")
    with pytest.raises(NotificationError, match=r"^secret-env:"):
        new_subscription(event="case.assigned", to="https://h.example/", secret_env="1BAD")
    sub = new_subscription(event="sla.at_risk", to="https://h.example/", digest="daily")
    assert sub.subscription_id.startswith("sub-") and sub.digest == "daily"


def test_html_part_escapes_markup_and_the_text_part_keeps_it() -> None:
    hostile = event(payload={"reason": "<script>alert(1)</script>", "code": "CREDIT"})
    rendered = Templates().render(Notice("1:x", "case.assigned", "mailto:a@b.com", (hostile,)))
    assert "&lt;script&gt;" in rendered.html and "<script>" not in rendered.html
    assert "<script>alert(1)</script>" in rendered.text
    assert rendered.subject == "[ordex] Case C-1 assigned to you"


def test_every_event_type_renders_and_a_digest_lists_its_events() -> None:
    t = Templates()
    lines = [{"line_no": 1, "status": "partly_backordered", "quantity": "5",
              "backordered": "3", "ship_date": "2026-03-09"}]
    samples = {
        "case.assigned": event(),
        "approval.waiting": event(payload={"level": 1, "role": "credit_manager",
                                           "action": "RELEASE", "amount": "30000"}),
        "sla.at_risk": event(payload={"step": 0, "at_pct": 50, "sla_due_at": "x",
                                      "state": "open"}),
        "order.changed": event(order_id="SO-7", payload={"sequence": 2, "lines": lines}),
    }
    for kind, e in samples.items():
        r = t.render(Notice("k", kind, "mailto:a@b.com", (e,)))
        assert r.text.strip() and "<html" in r.html, kind
    delayed = t.render(Notice("k", "order.changed", "mailto:a@b.com", (samples["order.changed"],)))
    assert "partly backordered; 5 ships now; 3 later; ships 2026-03-09" in delayed.text
    assert "update 2" in delayed.text and "<td>2026-03-09</td>" in delayed.html
    digest = t.render(Notice("d", "sla.at_risk", "mailto:a@b.com", (event(1), event(2)),
                             digest="hourly", period=period_of(NOW, "hourly")))
    assert "C-1" in digest.text and "C-2" in digest.text and "2 sla.at_risk" in digest.subject


def test_email_carries_the_delivery_key_and_both_parts() -> None:
    notifier = SmtpNotifier(SmtpConfig("127.0.0.1", sender="ordex@acme.example"))
    msg = notifier.message(Notice("7:mailto:a@b.com", "case.assigned", "mailto:a@b.com",
                                  (event(7),)))
    assert msg["To"] == "a@b.com" and msg["X-Ordex-Delivery-Key"] == "7:mailto:a@b.com"
    assert msg["Message-ID"].endswith("@acme.example>")
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]


def test_signature_verifies_and_refuses_a_changed_body_or_an_old_timestamp() -> None:
    body = b'{"id": "1"}'
    header = signature("s3cret", timestamp=1_000_000, body=body)
    assert header.startswith("t=1000000,v1=")
    assert verify("s3cret", header, body, now=1_000_100)
    assert not verify("s3cret", header, body + b" ", now=1_000_100)
    assert not verify("other", header, body, now=1_000_100)
    assert not verify("s3cret", header, body, now=1_000_000 + 301)
    assert not verify("s3cret", "v1=abc", body, now=1_000_000)


def test_cloud_event_has_the_required_attributes_and_the_delivery_key_as_id() -> None:
    ce = cloud_event(Notice("3:s1", "case.assigned", "https://h/", (event(3),)), source="/ordex")
    attrs = ce.get_attributes()
    assert attrs["specversion"] == "1.0" and attrs["id"] == "3:s1"
    assert attrs["type"] == "io.ordex.case.assigned" and attrs["subject"] == "C-3"
    assert ce.get_data()["case_id"] == "C-3"  # type: ignore[index]
    json.dumps(ce.get_data())


def test_a_target_without_a_configured_channel_waits_instead_of_vanishing() -> None:
    channels = ChannelNotifier(email=None, webhook=FakeNotifier())
    failure = channels.send(Notice("k", "case.assigned", "mailto:a@b.com", (event(),)))
    assert failure is not None and not failure.permanent and "SMTP" in failure.error


def test_failed_send_backs_off_then_is_sent_once() -> None:
    store = FakeNotifications([event()], people=PEOPLE)
    notifier = FakeNotifier([SendFailure("down"), None])
    deliver_notifications(store, notifier, worker="w", now=NOW, limit=10, policy=POLICY,
                          rand=lambda: 1.0)
    row = store.rows["1:mailto:ana@example.com"]
    assert row["state"] == "pending" and row["due_at"] == NOW + timedelta(seconds=10)
    assert deliver_notifications(store, notifier, worker="w", now=NOW, limit=10,
                                 policy=POLICY) == 0  # not due yet
    later = NOW + timedelta(seconds=11)
    deliver_notifications(store, notifier, worker="w", now=later, limit=10, policy=POLICY)
    deliver_notifications(store, notifier, worker="w", now=later, limit=10, policy=POLICY)
    assert row["state"] == "sent" and len(notifier.sent) == 1


def test_retry_after_is_the_least_wait() -> None:
    store = FakeNotifications([event()], people=PEOPLE)
    notifier = FakeNotifier([SendFailure("429", retry_after=timedelta(minutes=2))])
    deliver_notifications(store, notifier, worker="w", now=NOW, limit=10, policy=POLICY,
                          rand=lambda: 0.0)
    assert store.rows["1:mailto:ana@example.com"]["due_at"] == NOW + timedelta(minutes=2)


def test_permanent_failure_and_exhausted_attempts_fail_for_good() -> None:
    store = FakeNotifications([event(1), event(2, recipient="role:credit_manager")],
                              people=PEOPLE)
    notifier = FakeNotifier([SendFailure("410 gone", permanent=True), RuntimeError("boom"),
                             RuntimeError("boom")] + [RuntimeError("boom")] * 6)
    at = NOW
    for _ in range(6):
        deliver_notifications(store, notifier, worker="w", now=at, limit=10, policy=POLICY,
                              rand=lambda: 0.0)
        at += timedelta(seconds=1)
    states = {k: (r["state"], r["attempts"]) for k, r in store.rows.items()}
    assert states["1:mailto:ana@example.com"] == ("failed", 1)
    assert {s for s, _n in states.values()} == {"failed"}
    assert max(n for _s, n in states.values()) == POLICY.max_attempts
    assert notifier.sent == []


def test_a_digest_sends_one_notice_listing_its_events() -> None:
    sub = Subscription("s1", "sla.at_risk", "mailto:team@example.com", digest="hourly")
    store = FakeNotifications([event(1, "sla.at_risk", recipient=None),
                               event(2, "sla.at_risk", recipient=None)], [sub])
    notifier = FakeNotifier()
    deliver_notifications(store, notifier, worker="w", now=NOW, limit=10, policy=POLICY)
    assert notifier.sent == []  # the hour is not over
    end = NOW.replace(minute=0) + timedelta(hours=1)
    for _ in range(2):
        deliver_notifications(store, notifier, worker="w", now=end, limit=10, policy=POLICY)
    assert len(notifier.sent) == 1
    assert [e.notification_id for e in notifier.sent[0].events] == [1, 2]
    assert {r["state"] for r in store.rows.values()} == {"sent"}
