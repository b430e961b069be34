"""Each decision turns into exactly the ERP commands it implies, recorded on its case."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from ordex.decide.policy import Policy
from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.erp_commands import (
    CURRENT_KINDS,
    AddNote,
    CancelLine,
    ChangePrice,
    ChangeQuantity,
    ChangeShipVia,
    ChangeWarehouse,
    ErpCommand,
    HoldLines,
    ReleaseLines,
    RevisePromise,
    Shipment,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
)
from ordex.domain.model import Address, PriceContract
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate.decision_commands import commands_for
from ordex.orchestrate.pipeline import Pipeline

from builders import DAY, NOW, context, decide_pipeline, line, order, sourcing_reference

D = Decimal
SEEN: set[str] = set()
"""Every command kind a test here saw a decision send (the last test checks all were)."""


def shortfall() -> tuple[Pipeline, Case]:
    p = Pipeline(ctx=context(sourcing_reference(home="10", other="100")),
                 detectors=list(REGISTRY.values()), policy=Policy())
    p.accept(order(line(1, qty="40"), line(2, item="GADGET", qty="5", price="5.00")),
             raw_id="r", key=None, now=NOW)
    return p, p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]


def decide(action: Action, detail: dict[str, Any]) -> list[ErpCommand]:
    p, case = shortfall()
    found = commands_for(order=p.work.orders["O-1"], case=case, action=action, detail=detail,
                         reason="why", ctx=p.ctx)
    SEEN.update(type(c).__name__ for c in found)
    return found


def row(wh: str, qty: str, item: str = "WIDGET", late: int = 0) -> dict[str, Any]:
    return {"line": 1, "item_id": item, "warehouse_id": wh, "quantity": qty, "late_days": late}


COMMON = {"reason": "why", "case_id": "O-1:INVENTORY_SHORTFALL"}


@pytest.mark.parametrize("action,detail,expected", [
    (Action.ALTERNATE_WAREHOUSE, {"warehouse_id": "WH2", "allocations": [row("WH2", "40")]},
     [ChangeWarehouse("O-1", (1,), "WH2", **COMMON, reason_code="ALTERNATE_WAREHOUSE")]),
    (Action.ALTERNATE_WAREHOUSE, {"warehouse_id": "wh2"},
     [ChangeWarehouse("O-1", (1,), "WH2", **COMMON, reason_code="ALTERNATE_WAREHOUSE")]),
    (Action.SPLIT_SHIPMENT, {"allocations": [row("WH1", "10"), row("WH2", "30", late=1)]},
     [SplitLine("O-1", 1, (Shipment("WIDGET", "WH1", D(10)),
                           Shipment("WIDGET", "WH2", D(30), "2026-11-24")), D(0), "EA",
                **COMMON, reason_code="SPLIT_SHIPMENT")]),
    (Action.SUBSTITUTE_ITEM, {"allocations": [row("WH1", "40", item="GIZMO")]},
     [SubstituteItem("O-1", 1, "GIZMO", "WIDGET", D(40), "EA", "WH1", **COMMON,
                     reason_code="SUBSTITUTE_ITEM")]),
    (Action.ALTERNATE_WAREHOUSE, {"allocations": [row("WH2", "40", late=2)]},
     [ChangeWarehouse("O-1", (1,), "WH2", **COMMON, reason_code="ALTERNATE_WAREHOUSE"),
      RevisePromise("O-1", (1,), "2026-11-25", **COMMON, reason_code="ALTERNATE_WAREHOUSE")]),
    (Action.BACKORDER, {"allocations": [row("WH1", "10")], "backorders": {"1": "30"}},
     [SplitLine("O-1", 1, (Shipment("WIDGET", "WH1", D(10)),), D(30), "EA", **COMMON,
                reason_code="BACKORDER")]),
    (Action.BACKORDER, {"lines": [1]},
     [SplitLine("O-1", 1, (), D(40), "EA", **COMMON, reason_code="BACKORDER")]),
    (Action.SPLIT_SHIPMENT, {"allocations": [row("WH1", "40")]}, []),  # as it was: nothing
    (Action.REVISE_PROMISE, {"promise_date": "2026-12-04"},
     [RevisePromise("O-1", (1,), "2026-12-04", **COMMON, reason_code="REVISE_PROMISE")]),
    (Action.EXPEDITE, {"lines": [1]},
     [AddNote("O-1", "expedite lines 1", **COMMON, reason_code="EXPEDITE")]),
    (Action.ASSIGN_CARRIER, {"ship_via": "UPSN-GND"},
     [ChangeShipVia("O-1", "UPSN-GND", **COMMON, reason_code="ASSIGN_CARRIER")]),
    (Action.CORRECT_ADDRESS, {"ship_to_id": "ST-9", "address": {
        "name": "Acme", "line1": "9 Dock Rd", "line2": "", "city": "Chicago", "state": "IL",
        "postal_code": "60607", "country": "US"}},
     [UpdateShipTo("O-1", Address("Acme", "9 Dock Rd", "", "Chicago", "IL", "60607", "US"),
                   "ST-9", **COMMON, reason_code="CORRECT_ADDRESS")]),
    (Action.MAP_ITEM, {"item_id": "GIZMO"},
     [SubstituteItem("O-1", 1, "GIZMO", "WIDGET", D(40), "EA", "WH1", **COMMON,
                     reason_code="MAP_ITEM")]),
    (Action.CHANGE_QUANTITY, {"quantities": {"1": "12"}},
     [ChangeQuantity("O-1", 1, D(12), "EA", **COMMON, reason_code="CHANGE_QUANTITY")]),
    (Action.CANCEL_LINE, {"lines": [2]},
     [CancelLine("O-1", 2, **COMMON, reason_code="CANCEL_LINE")]),
    (Action.ACCEPT_PRICE, {}, []),
])
def test_a_decision_is_exactly_the_commands_it_implies(action: Action, detail: dict[str, Any],
                                                       expected: list[ErpCommand]) -> None:
    assert decide(action, detail) == expected


def test_a_reprice_names_the_contract_each_line_was_priced_from() -> None:
    ref = sourcing_reference()
    ref.contracts = [PriceContract("K1", "ACME", "WIDGET", "EA", D(0), D("5.00"), DAY, DAY)]
    p = decide_pipeline(ref)
    p.accept(order(line(1, qty="5", price="10.00")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:PRICE_MISMATCH"]
    p.resolve(case, actor="pia", action="REPRICE", reason="contract", now=NOW)
    [price] = [m.command for m in p.changes.outbox if isinstance(m.command, ChangePrice)]
    assert price == ChangePrice("O-1", 1, D("5.00"), "USD", "K1", "REPRICE: contract",
                                case.case_id, "REPRICE")
    SEEN.add("ChangePrice")


def test_a_persons_choice_of_an_alternative_and_an_override_each_send_their_own_commands(
        ) -> None:
    p = decide_pipeline(sourcing_reference(home="10", other="100"),
                        policy_text=(_policies() / "recommend-only.yaml").read_text())
    p.accept(order(line(1, qty="40")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]
    assert "BACKORDER" in case.evidence["recommendation"]["alternatives"]
    before = len(p.changes.outbox)
    p.resolve(case, actor="pat", action="BACKORDER", reason="ship 10 now", now=NOW)
    sent = [m for m in p.changes.outbox[before:]]
    kinds = [type(m.command).__name__ for m in sent]
    assert kinds[0] == "SplitLine" and "ReleaseLines" in kinds
    decision = case.evidence["decision"]
    assert decision["action"] == "BACKORDER" and decision["by"] == "pat"
    assert decision["commands"] == [sent[0].message_id]
    assert case.evidence["erp_commands"][-1] == {"kind": "SplitLine",
                                                 "message_id": sent[0].message_id,
                                                 "action": "BACKORDER", "at": NOW.isoformat()}


def test_a_person_overriding_with_another_warehouse_sends_a_warehouse_change() -> None:
    p, case = shortfall()
    p.resolve(case, actor="pat", action="ALTERNATE_WAREHOUSE", reason="", now=NOW,
              params={"warehouse_id": "WH2"})
    kinds = [type(m.command).__name__ for m in p.changes.outbox]
    assert kinds == ["HoldLines", "ChangeWarehouse", "ReleaseLines"]
    hold = p.changes.outbox[0].command
    assert isinstance(hold, HoldLines) and hold.reason_code == "INVENTORY_SHORTFALL"
    release = p.changes.outbox[-1].command
    assert isinstance(release, ReleaseLines) and release.reason_code == "INVENTORY_SHORTFALL"
    SEEN.update({"HoldLines", "ReleaseLines"})


def test_cancelling_a_line_frees_its_stock_and_a_new_quantity_reserves_the_difference() -> None:
    p, case = shortfall()
    o = p.work.orders["O-1"]
    before = p.ctx.positions[("GADGET", "WH1")].allocated
    from ordex.orchestrate.carry_out import carry_out
    carry_out(p, order=o, case=case, action=Action.CHANGE_QUANTITY,
              detail={"quantities": {"2": "3"}}, reason="r", actor="a", now=NOW)
    assert p.ctx.positions[("GADGET", "WH1")].allocated == before - 2
    carry_out(p, order=o, case=case, action=Action.CANCEL_LINE, detail={"lines": [2]},
              reason="r", actor="a", now=NOW)
    assert p.ctx.positions[("GADGET", "WH1")].allocated == before - 5
    assert 2 not in p.work.allocated["O-1"]


def test_cancelling_a_duplicate_sends_cancel_order_recorded_on_the_duplicate_case() -> None:
    p = Pipeline(ctx=context(sourcing_reference()), detectors=list(REGISTRY.values()),
                 policy=Policy())
    p.accept(order(line(1, qty="3")), raw_id="r1", key=None, now=NOW)
    p.accept(order(line(1, qty="3"), order_id="O-2"), raw_id="r2", key=None, now=NOW)
    case = p.work.open_cases["O-2"]["O-2:DUPLICATE_ORDER"]
    p.resolve(case, actor="ann", action="CANCEL_DUPLICATE", reason="", now=NOW)
    [cancel] = [m for m in p.changes.outbox if type(m.command).__name__ == "CancelOrder"]
    assert cancel.command.reason_code == "CANCEL_DUPLICATE"  # type: ignore[union-attr]
    assert case.evidence["decision"]["commands"] == [cancel.message_id]
    [change] = p.changes.order_changes
    assert {lc.line_no for lc in change.changes if lc.cancelled} == {1}
    SEEN.add("CancelOrder")


def test_a_change_of_what_ships_is_noted_for_the_customer_and_a_warehouse_move_is_not() -> None:
    p, case = shortfall()
    p.resolve(case, actor="pat", action="ALTERNATE_WAREHOUSE", reason="", now=NOW,
              params={"warehouse_id": "WH2"})
    assert p.changes.order_changes == []  # same goods, same day: nothing to tell
    p2, case2 = shortfall()
    p2.resolve(case2, actor="pat", action="REVISE_PROMISE", reason="", now=NOW,
               params={"promise_date": "2026-12-04"})
    [change] = p2.changes.order_changes
    assert (change.order_id, change.channel, change.action) == ("O-1", "api", "REVISE_PROMISE")
    assert [(lc.line_no, lc.ship_date and lc.ship_date.isoformat()) for lc in change.changes] \
        == [(1, "2026-12-04")]


def test_an_order_not_in_the_work_set_is_only_sent_what_the_detail_says() -> None:
    p, case = shortfall()
    o = replace(p.work.orders["O-1"], order_id="O-9")
    found = commands_for(order=o, case=case, action=Action.CANCEL_LINE, detail={"lines": [1]},
                         reason="x", ctx=p.ctx)
    assert [c.order_id for c in found] == ["O-9"]


def test_every_command_kind_is_sent_by_some_decision() -> None:
    assert set(CURRENT_KINDS) <= SEEN


def _policies() -> Any:
    from pathlib import Path
    return Path(__file__).resolve().parents[2] / "policies"


def test_quantity_and_line_parameters_are_checked_and_name_the_field() -> None:
    from ordex.domain.errors import ActionParameterError
    from ordex.orchestrate import resolution_params as rp
    p, case = shortfall()
    o = p.work.orders["O-1"]
    assert rp.quantities(p.ctx, o, case, {1: "12"}) == {"quantities": {"1": "12"}}
    with pytest.raises(ActionParameterError, match=r"quantities\.1: .*not positive") as bad:
        rp.quantities(p.ctx, o, case, {"1": "0"})
    assert bad.value.details["field"] == "quantities.1"
    with pytest.raises(ActionParameterError, match="quantities: required"):
        rp.quantities(p.ctx, o, case, None)
    assert rp.cancel_lines(p.ctx, o, case, None) == {"lines": [1]}  # the case's line
    with pytest.raises(ActionParameterError, match="cancels the order"):
        rp.cancel_lines(p.ctx, o, case, [1, 2])
    with pytest.raises(ActionParameterError, match=r"\[7\] not on the order"):
        rp.cancel_lines(p.ctx, o, case, [7])
