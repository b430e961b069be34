"""DUPLICATE_ORDER: same customer PO recently, or near-identical lines to the same ship-to."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext, RecentOrder, line_signature, po_key
from ordex.interpret.context import ship_to_key as address_key
from ordex.interpret.exception_type import ExceptionType
from ordex.interpret.settings import setting


def _instant(order_date: date, received_at: datetime | None) -> datetime:
    """When an order arrived: its receipt time, else the start of its order date (UTC)."""
    if received_at is not None:
        return received_at
    return datetime.combine(order_date, time(0), tzinfo=UTC)


def similarity(a: RecentOrder, lines: Counter[tuple[str, Decimal, str]]) -> Decimal:
    """Share of identical (item, quantity, unit) lines, over the longer of the two orders."""
    common = sum((a.lines & lines).values())
    longest = max(sum(a.lines.values()), sum(lines.values()))
    return Decimal(common) / Decimal(longest) if longest else Decimal(0)


class DuplicateOrder:
    """Looks for an earlier, not cancelled order of the same customer that this one repeats."""

    code = ExceptionCode.DUPLICATE_ORDER

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """A whole-order finding naming the earlier order and why it matches."""
        s = ctx.settings
        key, where, sig = po_key(order.customer_po), address_key(order), line_signature(order)
        here = _instant(order.order_date, order.received_at)
        po_window = timedelta(days=s.duplicate_po_window_days)
        line_window = timedelta(hours=s.duplicate_lines_window_hours)
        for prior in ctx.recent_index.with_po(order.customer_id, key):
            if prior.order_id == order.order_id or prior.cancelled:
                continue
            if abs(order.order_date - prior.order_date) <= po_window:
                return [self._finding(order, prior, "same_po", None)]
        for prior in ctx.recent_index.sharing_lines(order.customer_id, where, sig):
            if prior.order_id == order.order_id or prior.cancelled:
                continue
            if abs(here - _instant(prior.order_date, prior.received_at)) > line_window:
                continue
            share = similarity(prior, sig)
            if share >= s.duplicate_lines_similarity:
                return [self._finding(order, prior, "same_lines", share)]
        return []

    def _finding(self, order: Order, prior: RecentOrder, rule: str,
                 share: Decimal | None) -> Finding:
        if rule == "same_po":
            why = (f"PO {order.customer_po.strip()} was already received on order {prior.order_id} "
                   f"of {prior.order_date.isoformat()}")
        else:
            why = (f"{share:.0%} of its lines repeat order {prior.order_id} to the same ship-to "
                   f"within {_gap_hours(prior, order)}")
        gap = abs(_instant(order.order_date, order.received_at)
                  - _instant(prior.order_date, prior.received_at))
        evidence = {"rule": rule, "original_order_id": prior.order_id,
                    "original_order_date": prior.order_date.isoformat(),
                    "customer_po": order.customer_po,
                    "original_customer_po": prior.customer_po,
                    "po_as_written": prior.customer_po == order.customer_po.strip(),
                    "same_po": bool(prior.po_key) and prior.po_key == po_key(order.customer_po),
                    "similarity": None if share is None else str(share),
                    "lines": len(order.lines), "original_lines": sum(prior.lines.values()),
                    "gap_hours": str(round(Decimal(gap.total_seconds()) / 3600, 2)),
                    "value": str(order.value),
                    "original_value": None if prior.value is None else str(prior.value)}
        return Finding(self.code, Severity.BLOCKING, (), f"Likely duplicate: {why}.", evidence)


def _gap_hours(prior: RecentOrder, order: Order) -> str:
    """How far apart two orders arrived, in hours, for the reason text."""
    gap = abs(_instant(order.order_date, order.received_at)
              - _instant(prior.order_date, prior.received_at))
    return f"{gap.total_seconds() / 3600:.1f} hours"


PLUGIN = ExceptionType(
    code=ExceptionCode.DUPLICATE_ORDER, queue=Queue.CUSTOMER_SERVICE, detector=DuplicateOrder(),
    rank=70,
    needs=frozenset({"recent_orders"}),
    settings=tuple(setting(k) for k in ("duplicate_po_window_days",
                                        "duplicate_lines_window_hours",
                                        "duplicate_lines_similarity")),
    actions=frozenset({Action.CANCEL_DUPLICATE, Action.RELEASE, Action.NOTIFY_CUSTOMER}),
    remedies="ordex.decide.duplicates:remedies",
    simulation="ordex.simulate.codes.duplicate_order:SIMULATION",
)
