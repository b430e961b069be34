"""Notifications: what happened, who hears of it, and when a digest is due.

A notification row records an event (`case.assigned`, `approval.waiting`, `sla.at_risk`,
`order.changed`). Routing turns it into deliveries, one per delivery key: the people it is
personal to (from the users table, unless they opted out) and every matching subscription
(by event type, queue and customer). A digest subscription collects its events into one
delivery per period, due when the period ends (docs/notifications.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from ordex.domain.errors import OrdexError


class EventType(StrEnum):
    """What a notification is about (the CloudEvents type is `io.ordex.` + this)."""

    CASE_ASSIGNED = "case.assigned"
    """A case was given to a person: they hear of it personally."""
    APPROVAL_WAITING = "approval.waiting"
    """An approval level waits for a role: its holders hear of it personally."""
    SLA_AT_RISK = "sla.at_risk"
    """An escalation step asked to notify the owner, the lead or the manager."""
    ORDER_CHANGED = "order.changed"
    """What will ship for a customer's order changed (a delay, a split, a new date)."""


KIND_ALIASES = {"escalation": EventType.SLA_AT_RISK}
"""Row kinds written before event types had names (escalation notify steps)."""
PERSONAL = frozenset({EventType.CASE_ASSIGNED, EventType.APPROVAL_WAITING,
                      EventType.SLA_AT_RISK})
"""Event types whose recipient (a user, or `role:R`) hears of them without a subscription."""


class DeliveryState(StrEnum):
    """Where one delivery of a notification stands."""

    PENDING = "pending"
    """To be sent from `due_at` on; a worker may hold it (`claimed_by`, `lease_until`)."""
    SENT = "sent"
    """The channel accepted it (`sent_at`)."""
    FAILED = "failed"
    """It failed as often as the policy allows, or the channel refused it for good."""
    COLLECTED = "collected"
    """An event in a digest: it leaves with its digest's delivery (`digest_key`)."""


class Digest(StrEnum):
    """How often a digest subscription sends."""

    HOURLY = "hourly"
    """Once an hour, on the hour (UTC)."""
    DAILY = "daily"
    """Once a day, at midnight UTC."""


class NotificationError(OrdexError):
    """The notification or subscription is not valid."""


@dataclass(frozen=True, slots=True)
class Event:
    """A stored notification row, as routing and templates see it."""

    notification_id: int
    event_type: str
    at: datetime
    payload: Mapping[str, Any]
    recipient: str | None = None
    case_id: str | None = None
    queue: str | None = None
    customer_id: str | None = None
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    """Who hears of which events: a mailto: or https:// target, maybe as a digest."""

    subscription_id: str
    event_type: str
    target: str
    queue: str | None = None
    customer_id: str | None = None
    secret_env: str | None = None
    digest: str | None = None

    def matches(self, event: Event) -> bool:
        """Same event type; the queue and customer, where the subscription names them."""
        return (self.event_type == event.event_type
                and self.queue in (None, event.queue)
                and self.customer_id in (None, event.customer_id))


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A delivery routing writes; its key makes writing it twice harmless."""

    delivery_key: str
    event_type: str
    target: str
    due_at: datetime
    notification_id: int | None
    subscription_id: str | None = None
    secret_env: str | None = None
    digest_key: str | None = None
    collected: bool = False
    """An event row of a digest (the digest's own delivery is the one with collected False)."""


@dataclass(frozen=True, slots=True)
class Notice:
    """What a Notifier sends: one event, or a digest of several, to one target."""

    delivery_key: str
    event_type: str
    target: str
    events: tuple[Event, ...]
    secret_env: str | None = None
    digest: str | None = None
    period: tuple[datetime, datetime] | None = None


@dataclass(frozen=True, slots=True)
class ClaimedNotice:
    """A notice a worker holds for delivery, with its failed attempts so far."""

    notice: Notice
    attempts: int


@dataclass
class People:
    """E-mail addresses of active users who accept personal notices, by id and by role."""

    by_user: dict[str, str] = field(default_factory=dict)
    by_role: dict[str, list[str]] = field(default_factory=dict)

    def addresses(self, recipient: str | None) -> list[str]:
        """Where a recipient's personal notice goes (a user, or every holder of `role:R`)."""
        if recipient is None or recipient.startswith("queue:"):
            return []
        if recipient.startswith("role:"):
            return sorted(set(self.by_role.get(recipient[5:], [])))
        found = self.by_user.get(recipient)
        return [found] if found else []


def event_type_of(kind: str) -> str:
    """A row's event type (old escalation rows are `sla.at_risk`)."""
    return KIND_ALIASES.get(kind, kind)


def parse_event_type(text: str) -> EventType:
    """An event type by name, or a clear error naming the field."""
    try:
        return EventType(text)
    except ValueError:
        known = ", ".join(e.value for e in EventType)
        raise NotificationError(f"event: unknown event type {text!r} (known: {known})",
                                field="event") from None


def period_of(at: datetime, digest: str) -> tuple[datetime, datetime]:
    """The digest period (start, end) that `at` falls in, in UTC."""
    at = at.astimezone(UTC)
    if digest == Digest.HOURLY:
        start = at.replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)
    if digest == Digest.DAILY:
        start = at.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + timedelta(days=1)
    raise NotificationError(f"digest: expected hourly or daily, not {digest!r}", field="digest")


def digest_key(subscription_id: str, start: datetime) -> str:
    """The delivery key of a subscription's digest for the period starting at `start`."""
    return f"digest:{subscription_id}:{start.astimezone(UTC).strftime('%Y%m%dT%H%M')}"


def route(events: Sequence[Event], subscriptions: Sequence[Subscription], people: People, *,
          now: datetime) -> list[NewDelivery]:
    """Every delivery these events imply: personal e-mail, then each matching subscription."""
    found: list[NewDelivery] = []
    for event in events:
        if event.event_type in PERSONAL:
            found.extend(NewDelivery(f"{event.notification_id}:mailto:{address}",
                                     event.event_type, f"mailto:{address}", now,
                                     event.notification_id)
                         for address in people.addresses(event.recipient))
        for sub in subscriptions:
            if sub.matches(event):
                found.extend(_subscribed(event, sub, now=now))
    return found


def _subscribed(event: Event, sub: Subscription, *, now: datetime) -> list[NewDelivery]:
    """One delivery now, or the event collected into its digest and the digest itself.

    A digest's period is the one routing happens in (not the event's own time), so an event
    never joins a digest that has already left.
    """
    if sub.digest is None:
        return [NewDelivery(f"{event.notification_id}:{sub.subscription_id}", event.event_type,
                            sub.target, now, event.notification_id, sub.subscription_id,
                            sub.secret_env)]
    start, end = period_of(now, sub.digest)
    key = digest_key(sub.subscription_id, start)
    return [NewDelivery(key, event.event_type, sub.target, end, None, sub.subscription_id,
                        sub.secret_env, key),
            NewDelivery(f"{event.notification_id}:{sub.subscription_id}", event.event_type,
                        sub.target, end, event.notification_id, sub.subscription_id,
                        sub.secret_env, key, collected=True)]
