"""The live state the pipeline works on: known orders, their open cases and allocations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from ordex.domain.cases import Case
from ordex.domain.codes import ExceptionCode
from ordex.domain.model import Order

SHORTFALL = ExceptionCode.INVENTORY_SHORTFALL
CREDIT = ExceptionCode.CREDIT_LIMIT_EXCEEDED


@dataclass
class WorkSet:
    """Orders and open cases, indexed by what events touch (stock position, customer)."""

    orders: dict[str, Order] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    allocated: dict[str, dict[int, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    open_cases: dict[str, dict[str, Case]] = field(default_factory=lambda: defaultdict(dict))
    shortfall_by_position: dict[tuple[str, str], dict[str, Case]] = field(
        default_factory=lambda: defaultdict(dict))
    credit_by_customer: dict[str, dict[str, Case]] = field(
        default_factory=lambda: defaultdict(dict))
    by_customer_item: dict[tuple[str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set))
    """Order ids by (customer, item): what a context event touches (reevaluate.py)."""
    by_item: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_customer: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def index_order(self, order: Order) -> None:
        """Index an order by customer and item, for re-evaluation on context events."""
        self.by_customer[order.customer_id].add(order.order_id)
        for line in order.lines:
            self.by_item[line.item_id].add(order.order_id)
            self.by_customer_item[(order.customer_id, line.item_id)].add(order.order_id)

    def add_case(self, case: Case) -> None:
        """Index an open case."""
        if case.order_id is None:
            return
        self.open_cases[case.order_id][case.case_id] = case
        order = self.orders.get(case.order_id)
        if order is None:
            return
        if case.code is SHORTFALL:
            held = set(case.lines)
            for line in order.lines:
                if line.line_no in held:
                    self.shortfall_by_position[(line.item_id, order.warehouse_id)][
                        case.case_id] = case
        elif case.code is CREDIT:
            self.credit_by_customer[order.customer_id][case.case_id] = case

    def drop_case(self, case: Case) -> None:
        """Remove a closed case from the indexes."""
        if case.order_id is None:
            return
        self.open_cases.get(case.order_id, {}).pop(case.case_id, None)
        for index in (*self.shortfall_by_position.values(), *self.credit_by_customer.values()):
            index.pop(case.case_id, None)

    def held_lines(self, order_id: str) -> tuple[set[int], bool]:
        """Lines held by open blocking cases, and whether the whole order is held."""
        lines: set[int] = set()
        whole = False
        for case in self.open_cases.get(order_id, {}).values():
            if case.blocks:
                whole = whole or not case.lines
                lines.update(case.lines)
        return lines, whole
