"""PRICE_MISMATCH: a line's price differs from the contract or list price beyond tolerance."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.context_events import ItemMasterFixed, PriceContractChanged
from ordex.domain.findings import Finding
from ordex.domain.model import Order, OrderLine, PriceContract
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors._lines import known_lines, money, qty
from ordex.interpret.exception_type import ExceptionType
from ordex.interpret.settings import setting

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class ExpectedPrice:
    """The price a line should carry, per the line's unit, and where it comes from."""

    unit_price: Decimal | None
    source: str
    reference: str | None


def expected_price(order: Order, line: OrderLine, base_qty: Decimal,
                   ctx: DetectionContext) -> ExpectedPrice:
    """Contract price (in force on the order date, best quantity break) else list price."""
    line_factor = ctx.units.factor(line.item_id, line.uom)
    assert line_factor is not None  # known_lines only yields convertible lines
    best: tuple[PriceContract, Decimal] | None = None  # the contract and its unit's factor
    best_min = Decimal(-1)
    for contract in ctx.contracts.get((order.customer_id, line.item_id), ()):
        factor = ctx.units.factor(line.item_id, contract.uom)
        if (factor is None or contract.currency != order.currency
                or not contract.is_valid_on(order.order_date)):
            continue
        min_base = contract.min_qty * factor
        if min_base <= base_qty and min_base > best_min:
            best, best_min = (contract, factor), min_base
    if best is not None:
        per_base = best[0].unit_price / best[1]
        return ExpectedPrice(per_base * line_factor, "contract", best[0].contract_id)
    if order.currency != ctx.settings.base_currency:
        return ExpectedPrice(None, "none", None)
    return ExpectedPrice(ctx.items[line.item_id].list_price * line_factor, "list", None)


def tolerance(expected: Decimal, ctx: DetectionContext) -> Decimal:
    """Allowed difference: the larger of the absolute and the percentage tolerance."""
    pct = abs(expected) * ctx.settings.price_tolerance_pct / HUNDRED
    return max(ctx.settings.price_tolerance_abs, pct)


class PriceMismatch:
    """Checks every line's unit price against what the customer should pay."""

    code = ExceptionCode.PRICE_MISMATCH

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """One finding naming every mispriced line with expected price and difference."""
        bad: list[dict[str, object]] = []
        for line, base in known_lines(order, ctx):
            exp = expected_price(order, line, base, ctx)
            if exp.unit_price is None:
                bad.append(self._no_price(order, line))
                continue
            diff = line.unit_price - exp.unit_price
            allowed = tolerance(exp.unit_price, ctx)
            if abs(diff) <= allowed:
                continue
            where = f"contract {exp.reference}" if exp.reference else "the list price"
            bad.append({
                "line": line.line_no, "item_id": line.item_id, "uom": line.uom,
                "quantity": str(line.quantity), "order_price": str(line.unit_price),
                "expected_price": str(exp.unit_price), "source": exp.source,
                "contract_id": exp.reference, "difference": str(diff),
                "tolerance": str(allowed), "currency": order.currency,
                "text": (f"line {line.line_no} is priced {money(line.unit_price)} per {line.uom} "
                         f"but {where} gives {money(exp.unit_price)} for {qty(line.quantity)} "
                         f"{line.uom} (difference {money(diff)}, tolerance {money(allowed)})"),
            })
        if not bad:
            return []
        reason = "Price differs from agreement: " + "; ".join(str(b["text"]) for b in bad) + "."
        lines = tuple(sorted(int(str(b["line"])) for b in bad))
        return [Finding(self.code, Severity.BLOCKING, lines, reason, {"lines": bad})]

    @staticmethod
    def _no_price(order: Order, line: OrderLine) -> dict[str, object]:
        return {"line": line.line_no, "item_id": line.item_id, "order_price": str(line.unit_price),
                "expected_price": None, "source": "none", "currency": order.currency,
                "text": f"line {line.line_no} has no contract or list price in {order.currency}"}


PLUGIN = ExceptionType(
    code=ExceptionCode.PRICE_MISMATCH, queue=Queue.PRICING, detector=PriceMismatch(), rank=40,
    needs=frozenset({"items", "conversions", "contracts"}),
    reevaluated_by=(PriceContractChanged, ItemMasterFixed),
    # the margin floor lowers the confidence of a REPRICE under it (decide/pricing.py)
    settings=tuple(setting(k) for k in ("price_tolerance_abs", "price_tolerance_pct",
                                        "base_currency", "margin_floor_pct")),
    actions=frozenset({Action.REPRICE, Action.ACCEPT_PRICE, Action.HOLD}),
    remedies="ordex.decide.pricing:remedies",
    simulation="ordex.simulate.codes.price_mismatch:SIMULATION",
)
