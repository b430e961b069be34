"""A person's action must belong to the case's code and has its own effect on the order."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ordex.decide.policy import Policy
from ordex.domain.cases import CaseState
from ordex.domain.codes import Action, ExceptionCode
from ordex.domain.erp_commands import ErpCommand
from ordex.domain.errors import ActionNotAllowedError, ActionParameterError
from ordex.domain.events import (
    CancelOrder,
    ChangePrice,
    ChangeShipVia,
    ChangeWarehouse,
    ReleaseLines,
    RevisePromise,
    SplitLine,
)
from ordex.domain.model import PriceContract, TaxRule
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.resolutions import ALLOWED, EFFECTS, allowed_for

from builders import DAY, NOW, context, decide_pipeline, line, order, sourcing_reference

D = Decimal
LATER = NOW + timedelta(hours=2)
ROOT_POLICY = Path(__file__).resolve().parents[2] / "policies"


def plain(ref=None) -> Pipeline:  # type: ignore[no-untyped-def]
    return Pipeline(ctx=context(ref or sourcing_reference()), detectors=list(REGISTRY.values()),
                    policy=Policy())


def sent(p: Pipeline, kind: type) -> list:  # type: ignore[type-arg]
    return [m.command for m in p.changes.outbox if isinstance(m.command, kind)]


def decision_commands(p: Pipeline) -> list[ErpCommand]:
    """Commands other than holds (what a decision sends)."""
    from ordex.domain.events import HoldLines
    return [m.command for m in p.changes.outbox if not isinstance(m.command, HoldLines)]


def test_every_code_has_its_actions_and_every_action_its_effect() -> None:
    assert set(ALLOWED) == set(ExceptionCode)
    assert all(a in EFFECTS for actions in ALLOWED.values() for a in actions)


def test_an_action_of_another_code_is_refused_naming_the_allowed_ones() -> None:
    ref = sourcing_reference()
    ref.tax_rules = [TaxRule("NY", D("0.04"))]  # nothing for IL: TAX_FAILURE
    p = plain(ref)
    p.accept(order(line(1, qty="5")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:TAX_FAILURE"]
    before = len(p.changes.outbox)
    with pytest.raises(ActionNotAllowedError) as err:
        p.resolve(case, actor="ann", action="SUBSTITUTE_ITEM", reason="", now=LATER)
    assert err.value.details["allowed"] == allowed_for(ExceptionCode.TAX_FAILURE)
    assert "RELEASE" in str(err.value) and case.state is CaseState.OPEN
    assert len(p.changes.outbox) == before


def test_alternate_warehouse_chosen_by_a_person_moves_the_line_there() -> None:
    p = plain(sourcing_reference(home="10", other="100"))
    p.accept(order(line(1, qty="40")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]
    p.resolve(case, actor="pat", action="ALTERNATE_WAREHOUSE", reason="WH2 has it", now=LATER,
              params={"warehouse_id": "wh2"})
    [moved] = sent(p, ChangeWarehouse)
    assert (moved.warehouse_id, moved.lines, moved.reason_code) == (
        "WH2", (1,), "ALTERNATE_WAREHOUSE")
    assert case.evidence["decision"]["commands"] == [
        m.message_id for m in p.changes.outbox if isinstance(m.command, ChangeWarehouse)]
    assert p.ctx.positions[("WIDGET", "WH2")].allocated == 40
    assert case.state is CaseState.RESOLVED and sent(p, ReleaseLines)


@pytest.mark.parametrize("warehouse,why", [("NOWHERE", "not a warehouse"),
                                            ("WH1", "available to promise")])
def test_a_warehouse_that_cannot_ship_is_refused(warehouse: str, why: str) -> None:
    p = plain(sourcing_reference(home="10", other="100"))
    p.accept(order(line(1, qty="40")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]
    with pytest.raises(ActionParameterError, match=why):
        p.resolve(case, actor="pat", action="ALTERNATE_WAREHOUSE", reason="", now=LATER,
                  params={"warehouse_id": warehouse})
    assert case.is_open and not decision_commands(p)


def test_without_a_recommendation_the_parameter_is_required() -> None:
    p = plain(sourcing_reference(home="10", other="100"))
    p.accept(order(line(1, qty="40")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]
    with pytest.raises(ActionParameterError, match="warehouse_id: required"):
        p.resolve(case, actor="pat", action="ALTERNATE_WAREHOUSE", reason="", now=LATER)


def mispriced():  # type: ignore[no-untyped-def]
    ref = sourcing_reference()
    ref.contracts = [PriceContract("K1", "ACME", "WIDGET", "EA", D(0), D("5.00"), DAY, DAY)]
    p = decide_pipeline(ref)  # 10.00 against a 5.00 contract: 100 % change, routed
    p.accept(order(line(1, qty="5", price="10.00")), raw_id="r", key=None, now=NOW)
    return p, p.work.open_cases["O-1"]["O-1:PRICE_MISMATCH"]


def test_reprice_takes_the_recommended_price_by_default_and_sends_it() -> None:
    p, case = mispriced()
    p.resolve(case, actor="pia", action="REPRICE", reason="contract", now=LATER)
    [price] = sent(p, ChangePrice)
    assert (price.line_no, price.unit_price, price.contract_id) == (1, D("5.00"), "K1")
    assert price.reason_code == "REPRICE" and case.evidence["decision"]["by"] == "pia"


def test_reprice_with_a_price_given_and_a_negative_price_refused() -> None:
    p, case = mispriced()
    with pytest.raises(ActionParameterError, match=r"prices\.1"):
        p.resolve(case, actor="pia", action="REPRICE", reason="", now=LATER,
                  params={"prices": {"1": "-1"}})
    p.resolve(case, actor="pia", action="REPRICE", reason="deal", now=LATER,
              params={"prices": {1: "7.50"}})
    assert [(c.line_no, c.unit_price) for c in sent(p, ChangePrice)] == [(1, D("7.50"))]


def test_revise_promise_sends_the_new_date_and_refuses_one_before_the_order() -> None:
    p = plain(sourcing_reference(home="10", other="0"))
    p.accept(order(line(1, qty="40")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]
    with pytest.raises(ActionParameterError, match="before the order date"):
        p.resolve(case, actor="pat", action="REVISE_PROMISE", reason="", now=LATER,
                  params={"promise_date": "2026-11-01"})
    p.resolve(case, actor="pat", action="REVISE_PROMISE", reason="PO due", now=LATER,
              params={"promise_date": "2026-12-04"})
    [revise] = sent(p, RevisePromise)
    assert (revise.promise_date, revise.lines) == ("2026-12-04", (1,))
    assert case.evidence["promise"]["promise_date"] == "2026-12-04"


def test_hold_keeps_the_hold_and_the_case_in_progress() -> None:
    p = plain(sourcing_reference(limit="100", ar="0"))
    p.accept(order(line(1, qty="40", price="10.00")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:CREDIT_LIMIT_EXCEEDED"]
    p.resolve(case, actor="cid", action="HOLD", reason="prepayment asked", now=LATER)
    assert case.state is CaseState.IN_PROGRESS and case.blocks
    assert case.history[-1].action == "HOLD" and not sent(p, ReleaseLines)
    p.resolve(case, actor="cid", action="HOLD", reason="still waiting", now=LATER)
    assert case.history[-1].from_state == case.history[-1].to_state == "in_progress"


def test_cancel_duplicate_cancels_the_order_and_release_lets_it_ship() -> None:
    p = plain()
    p.accept(order(line(1, qty="3")), raw_id="r1", key=None, now=NOW)
    p.accept(order(line(1, qty="3"), order_id="O-2"), raw_id="r2", key=None, now=NOW)
    p.accept(order(line(1, qty="3"), order_id="O-3"), raw_id="r3", key=None, now=NOW)
    p.resolve(p.work.open_cases["O-2"]["O-2:DUPLICATE_ORDER"], actor="ann",
              action="CANCEL_DUPLICATE", reason="", now=LATER)
    assert "O-2" in p.work.cancelled and sent(p, CancelOrder)
    p.resolve(p.work.open_cases["O-3"]["O-3:DUPLICATE_ORDER"], actor="ann", action="RELEASE",
              reason="a new order", now=LATER)
    assert "O-3" not in p.work.cancelled
    assert any(c.order_id == "O-3" for c in sent(p, ReleaseLines))


def test_assign_carrier_refuses_a_service_not_on_file() -> None:
    from dataclasses import replace
    from datetime import time

    from ordex.domain.model import CarrierService
    ref = sourcing_reference()
    ref.carrier_services = [CarrierService("UPSN", "GND", D(500), False, (), time(17))]
    p = plain(ref)
    p.accept(replace(order(line(1, qty="5")), ship_via="XX-YY"), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:MISSING_CARRIER_INSTRUCTIONS"]
    with pytest.raises(ActionParameterError, match="not a carrier service"):
        p.resolve(case, actor="lee", action="ASSIGN_CARRIER", reason="", now=LATER,
                  params={"ship_via": "ZZ-TOP"})
    p.resolve(case, actor="lee", action="ASSIGN_CARRIER", reason="", now=LATER,
              params={"ship_via": "upsn-gnd"})
    assert [c.ship_via for c in sent(p, ChangeShipVia)] == ["UPSN-GND"]


def test_reprice_without_a_recommended_price_takes_the_floor_the_finding_names() -> None:
    p = plain(sourcing_reference())
    p.accept(order(line(1, qty="5", price="0.50")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:MARGIN_BELOW_FLOOR"]
    [low] = case.evidence["lines"]
    p.resolve(case, actor="pia", action="REPRICE", reason="back to the floor", now=LATER)
    [price] = sent(p, ChangePrice)
    assert price.unit_price == D(low["floor_price"]) and price.contract_id is None
    assert Decimal(low["floor_price"]) > Decimal("0.50")


def test_escalate_the_deciders_fallback_is_a_persons_action_on_every_code() -> None:
    assert all(Action.ESCALATE in actions for actions in ALLOWED.values())
    p = plain(sourcing_reference(home="10", other="0"))
    p.accept(order(line(1, qty="40")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]
    p.resolve(case, actor="lee", action="ESCALATE", reason="to the planning lead", now=LATER)
    assert case.state is CaseState.IN_PROGRESS and not sent(p, ReleaseLines)


def test_backorder_chosen_by_a_person_ships_what_there_is_and_backorders_the_rest() -> None:
    p = decide_pipeline(sourcing_reference(home="10", other="0"),
                        policy_text=(ROOT_POLICY / "recommend-only.yaml").read_text())
    p.accept(order(line(1, qty="40")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]
    assert "BACKORDER" in case.evidence["recommendation"]["alternatives"]
    p.resolve(case, actor="pat", action="BACKORDER", reason="ship 10 now", now=LATER)
    [split] = sent(p, SplitLine)
    assert split.backorder_quantity == D(30)
    assert [(s.warehouse_id, s.quantity) for s in split.shipments] == [("WH1", D(10))]
    assert p.work.allocated["O-1"][1] == D(10)


def test_backorder_ships_only_what_is_still_there_when_the_person_acts() -> None:
    p = decide_pipeline(sourcing_reference(home="10", other="0"),
                        policy_text=(ROOT_POLICY / "recommend-only.yaml").read_text())
    p.accept(order(line(1, qty="40")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]
    p.ctx.allocate("WIDGET", "WH1", D(6))  # another order took 6 of the 10 meanwhile
    p.resolve(case, actor="pat", action="BACKORDER", reason="ship what is there", now=LATER)
    [split] = sent(p, SplitLine)
    assert [s.quantity for s in split.shipments] == [D(4)]
    assert split.backorder_quantity == D(36)
    assert p.work.allocated["O-1"][1] == D(4)


def test_a_persons_split_needing_more_than_is_available_is_refused() -> None:
    p = plain(sourcing_reference(home="10", other="5"))
    p.accept(order(line(1, qty="40")), raw_id="r", key=None, now=NOW)
    case = p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"]
    plan = [{"line": 1, "item_id": "WIDGET", "warehouse_id": "WH1", "quantity": "10"},
            {"line": 1, "item_id": "WIDGET", "warehouse_id": "WH2", "quantity": "30"}]
    with pytest.raises(ActionParameterError, match="WH2 has 5 of WIDGET available"):
        p.resolve(case, actor="pat", action="SPLIT_SHIPMENT", reason="", now=LATER,
                  params={"allocations": plan})
    assert not decision_commands(p) and case.is_open
