"""ACK01 of each 855 line follows what was decided about it (orchestrate/line_status.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from ordex.domain.cases import Case, CaseState
from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.model import Address, Item, Order, OrderLine, UnitConversion
from ordex.domain.uom import UnitTable
from ordex.interpret.context import DetectionContext
from ordex.interpret.settings import DetectionSettings
from ordex.orchestrate.line_status import line_statuses

from fakes import FakePostal

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
ITEMS = [Item("A", "a", "EA", Decimal(1), Decimal(0)),
         Item("B", "b", "EA", Decimal(1), Decimal(0), gtin="00036000291452")]
ORDER = Order("O", "C", "PO", "edi", date(2026, 1, 5), date(2026, 1, 9), Address(), None, "W",
              (OrderLine(1, "A", Decimal(2), "CS", Decimal(10)),
               OrderLine(2, "A", Decimal(5), "EA", Decimal(1))))


def _ctx() -> DetectionContext:
    units = UnitTable(ITEMS, [UnitConversion("A", "CS", Decimal(12))])
    ctx = DetectionContext(DetectionSettings(), FakePostal(), units)
    ctx.items = {i.item_id: i for i in ITEMS}
    return ctx


def _case(code: ExceptionCode, lines: tuple[int, ...], *, closed: bool) -> Case:
    case = Case(f"O:{code.value}", code, Queue.PLANNING, Severity.BLOCKING, "O", "C", lines,
                "r", {}, 1, Decimal(0), NOW, NOW)
    if closed:
        case.state = CaseState.AUTO_RESOLVED
    return case


def _rec(case: Case, action: Action, *, ship: date | None = None, auto: bool = True,
         **effect: Any) -> Any:
    chosen = SimpleNamespace(action=action, ship_date=ship, effect=effect)
    return SimpleNamespace(case_id=case.case_id, auto_apply=auto, chosen=chosen)


def _statuses(case: Case, rec: Any | None) -> list[tuple[int, str, Any]]:
    acks = line_statuses(order=ORDER, cases=[case], decisions=[rec] if rec else [], ctx=_ctx())
    return [(a.line_no, a.status, a.quantity or a.ship_date or a.unit_price or a.substitute
             or None) for a in acks]


SHORT = ExceptionCode.INVENTORY_SHORTFALL


def _alloc(line: int, item: str = "A", late: int = 0, sub: bool = False) -> dict[str, Any]:
    return {"line": line, "item_id": item, "warehouse_id": "W", "quantity": "1",
            "late_days": late, "substitute": sub}


@pytest.mark.parametrize(("action", "effect", "ship", "expected"), [
    (Action.ALTERNATE_WAREHOUSE, {"allocations": [_alloc(1)], "backorders": {}}, None,
     [(1, "IA", None)]),
    (Action.SUBSTITUTE_ITEM, {"allocations": [_alloc(1, "B", sub=True)], "backorders": {}},
     None, [(1, "IS", (("VN", "B"), ("UK", "00036000291452")))]),
    (Action.SPLIT_SHIPMENT, {"allocations": [_alloc(1)], "backorders": {"1": "6"}}, None,
     [(1, "IQ", Decimal("1.5")), (1, "IB", Decimal("0.5"))]),  # 6 of 24 EA = 0.5 CS short
    (Action.BACKORDER, {"allocations": [], "backorders": {"1": "24"}}, None, [(1, "IB", None)]),
    (Action.ALTERNATE_WAREHOUSE, {"allocations": [_alloc(1, late=3)], "backorders": {}},
     date(2026, 1, 12), [(1, "DR", date(2026, 1, 12))]),
])
def test_applied_sourcing_plan_sets_ack01_per_line(action: Action, effect: dict[str, Any],
                                                    ship: date | None,
                                                    expected: list[tuple[int, str, Any]]) -> None:
    case = _case(SHORT, (1,), closed=True)
    assert _statuses(case, _rec(case, action, ship=ship, **effect)) == expected


def test_revised_promise_is_dr_with_the_new_date_on_every_line() -> None:
    case = _case(ExceptionCode.SHIPMENT_CONSTRAINT, (), closed=True)
    rec = _rec(case, Action.REVISE_PROMISE, ship=date(2026, 1, 14))
    assert _statuses(case, rec) == [(1, "DR", date(2026, 1, 14)), (2, "DR", date(2026, 1, 14))]


def test_reprice_is_ip_with_the_new_price() -> None:
    case = _case(ExceptionCode.PRICE_MISMATCH, (2,), closed=True)
    assert _statuses(case, _rec(case, Action.REPRICE, prices={"2": "1.25"})) == [
        (2, "IP", Decimal("1.25"))]


def test_cancelled_duplicate_rejects_every_line() -> None:
    case = _case(ExceptionCode.DUPLICATE_ORDER, (), closed=True)
    assert _statuses(case, _rec(case, Action.CANCEL_DUPLICATE)) == [(1, "IR", None),
                                                                    (2, "IR", None)]


def test_routed_case_holds_its_lines_and_a_routed_shortfall_backorders() -> None:
    unknown = _case(ExceptionCode.MASTER_DATA_CONFLICT, (2,), closed=False)
    assert _statuses(unknown, _rec(unknown, Action.MAP_ITEM, auto=False)) == [(2, "IH", None)]
    short = _case(SHORT, (1,), closed=False)
    assert _statuses(short, None) == [(1, "IB", None)]


def test_two_changes_on_one_line_become_ic_with_both() -> None:
    price = _case(ExceptionCode.PRICE_MISMATCH, (1,), closed=True)
    late = _case(ExceptionCode.SHIPMENT_CONSTRAINT, (1,), closed=True)
    acks = line_statuses(order=ORDER, cases=[price, late], decisions=[
        _rec(price, Action.REPRICE, prices={"1": "9.5"}),
        _rec(late, Action.REVISE_PROMISE, ship=date(2026, 1, 14))], ctx=_ctx())
    assert [(a.status, a.unit_price, a.ship_date) for a in acks] == [
        ("IC", Decimal("9.5"), date(2026, 1, 14))]


def test_a_hold_wins_over_a_change_on_the_same_line() -> None:
    price = _case(ExceptionCode.PRICE_MISMATCH, (1,), closed=True)
    credit = _case(ExceptionCode.CREDIT_LIMIT_EXCEEDED, (), closed=False)
    acks = line_statuses(order=ORDER, cases=[price, credit],
                         decisions=[_rec(price, Action.REPRICE, prices={"1": "9.5"})],
                         ctx=_ctx())
    assert [(a.line_no, a.status) for a in acks] == [(1, "IH"), (2, "IH")]
