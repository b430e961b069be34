"""A customer is never told two different things about one line: states fold, repeats and
changes undone tell nothing, and the 855 ACKs say the same as the state."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ordex.domain.customer_view import LineChange, LineState, OrderChange, Ordered, to_tell
from ordex.orchestrate.edi_acks import acks_of, told_by
from ordex.sense.x12 import LineAck

D = Decimal
AT = datetime(2026, 11, 23, 9, tzinfo=UTC)
ASKED = date(2026, 11, 24)
ORDERED = {1: Ordered(D(40), D("10.00"), "WIDGET", ASKED), 2: Ordered(D(5), D(5), "GADGET", ASKED)}


def change(*changes: LineChange, action: str = "X") -> OrderChange:
    return OrderChange("O-1", "ACME", "api", "O-1:C", action, AT, changes, ORDERED)


def test_two_decisions_on_one_line_in_a_row_tell_the_whole_line_each_time() -> None:
    first = to_tell({}, [change(LineChange(1, unit_price=D("5.00")))])
    assert first == {1: LineState("repriced", unit_price=D(5))}
    second = to_tell(first, [change(LineChange(1, ship_date=date(2026, 12, 4)))])
    assert second == {1: LineState("changed", unit_price=D(5), ship_date=date(2026, 12, 4))}


def test_the_same_decision_again_tells_nothing() -> None:
    told = to_tell({}, [change(LineChange(1, ship_date=date(2026, 12, 4)))])
    assert to_tell(told, [change(LineChange(1, ship_date=date(2026, 12, 4)))]) == {}


def test_re_evaluation_flipping_back_tells_the_line_as_ordered_once() -> None:
    told = to_tell({}, [change(LineChange(1, ship_date=date(2026, 12, 4)))])
    back = to_tell(told, [change(LineChange(1, ship_date=ASKED))])
    assert back == {1: LineState("accepted")}
    assert to_tell({**told, **back}, [change(LineChange(1, ship_date=ASKED))]) == {}


def test_a_change_undone_within_one_unit_of_work_tells_nothing() -> None:
    told = {1: LineState("rescheduled", ship_date=date(2026, 12, 4))}
    flips = [change(LineChange(1, ship_date=ASKED)),
             change(LineChange(1, ship_date=date(2026, 12, 4)))]
    assert to_tell(told, flips) == {}


def test_a_cancelled_line_stays_cancelled_and_other_lines_are_not_told() -> None:
    told = to_tell({}, [change(LineChange(2, cancelled=True))])
    assert told == {2: LineState("cancelled")}
    assert to_tell(told, [change(LineChange(2, unit_price=D(1)))]) == {}


def test_a_split_is_partly_backordered_and_a_full_backorder_is_backordered() -> None:
    split = to_tell({}, [change(LineChange(1, quantity=D(10), backordered=D(30)))])
    assert split[1].status == "partly_backordered"
    full = to_tell({}, [change(LineChange(1, quantity=D(0), backordered=D(40)))])
    assert full[1] == LineState("backordered", D(0), D(40))


@pytest.mark.parametrize("state,statuses", [
    (LineState("partly_backordered", D(10), D(30), ship_date=date(2026, 11, 25)), ["IQ", "IB"]),
    (LineState("backordered", D(0), D(40)), ["IB"]),
    (LineState("substituted", item_id="GIZMO"), ["IS"]),
    (LineState("rescheduled", ship_date=date(2026, 12, 4)), ["DR"]),
    (LineState("repriced", unit_price=D(5)), ["IP"]),
    (LineState("quantity_changed", quantity=D(12)), ["IQ"]),
    (LineState("changed", unit_price=D(5), ship_date=date(2026, 12, 4)), ["IC"]),
    (LineState("cancelled"), ["IR"]),
    (LineState("held"), ["IH"]),
    (LineState(), ["IA"]),
])
def test_each_state_has_its_ack_and_the_acks_tell_the_same_state_back(
        state: LineState, statuses: list[str]) -> None:
    acks = acks_of({1: state})
    assert [a.status for a in acks] == statuses
    assert told_by(acks, {1: D(40)}) == {1: state}


def test_a_first_855_backorder_without_a_quantity_backorders_the_whole_line() -> None:
    assert told_by([LineAck(1, "IB")], {1: D(40), 2: D(5)}) == {
        1: LineState("backordered", D(0), D(40)), 2: LineState()}


def test_states_survive_their_json_form() -> None:
    state = LineState("changed", D("12.5"), None, None, D("4.50"), date(2026, 12, 4))
    assert LineState.from_dict(state.as_dict()) == state
    assert state.as_dict() == {"status": "changed", "quantity": "12.5", "unit_price": "4.5",
                               "ship_date": "2026-12-04"}
