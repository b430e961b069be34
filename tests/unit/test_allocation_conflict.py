"""ALLOCATION_CONFLICT: the order that loses under tier → ship date → order time is flagged."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ordex.domain.model import Customer, CustomerTier
from ordex.interpret.detectors.allocation_conflict import AllocationConflict

from builders import DAY, NOW, context, line, order, reference

D = Decimal
conflict = AllocationConflict()


def world(on_hand: str = "100", **tiers: CustomerTier):
    ref = reference(on_hand=on_hand)
    ref.customers = [Customer("ACME", "Acme", tiers.get("ACME", CustomerTier.GOLD), D(10**6)),
                     Customer("BIG", "Big", tiers.get("BIG", CustomerTier.PLATINUM), D(10**6)),
                     Customer("SMALL", "Small", tiers.get("SMALL", CustomerTier.BRONZE),
                              D(10**6))]
    return context(ref)


def hold(ctx, customer: str, qty: str, order_id: str, *, ship=DAY, received=NOW) -> None:
    o = order(line(qty=qty), order_id=order_id, customer=customer, ship=ship, received=received)
    ctx.allocate("WIDGET", "WH1", D(qty), holder=(o, 1))


def test_lower_tier_order_short_because_a_platinum_order_holds_the_stock_is_flagged() -> None:
    ctx = world()
    hold(ctx, "BIG", "80", "O-BIG")
    [finding] = conflict.evaluate(order(line(qty="30")), ctx)  # gold ACME, ATP 20
    assert finding.lines == (1,)
    assert finding.evidence["lines"][0]["orders_ahead"] == ["O-BIG"]


def test_higher_tier_order_wins_and_is_not_flagged() -> None:
    ctx = world()
    hold(ctx, "SMALL", "80", "O-SMALL")
    assert conflict.evaluate(order(line(qty="30")), ctx) == []


def test_same_tier_earlier_ship_date_wins_then_earlier_order_time() -> None:
    ctx = world(BIG=CustomerTier.GOLD)
    hold(ctx, "BIG", "80", "O-EARLY", ship=DAY - timedelta(days=1))
    assert conflict.evaluate(order(line(qty="30")), ctx) != []
    ctx = world(BIG=CustomerTier.GOLD)
    hold(ctx, "BIG", "80", "O-LATER-SHIP", ship=DAY + timedelta(days=1))
    assert conflict.evaluate(order(line(qty="30")), ctx) == []
    ctx = world(BIG=CustomerTier.GOLD)
    hold(ctx, "BIG", "80", "O-FIRST", received=NOW - timedelta(hours=1))
    assert conflict.evaluate(order(line(qty="30")), ctx) != []


def test_quantity_exactly_at_atp_is_no_conflict() -> None:
    ctx = world()
    hold(ctx, "BIG", "80", "O-BIG")
    assert conflict.evaluate(order(line(qty="20")), ctx) == []


def test_more_than_all_the_stock_is_a_plain_shortfall_not_a_conflict() -> None:
    ctx = world()
    hold(ctx, "BIG", "80", "O-BIG")
    assert conflict.evaluate(order(line(qty="101")), ctx) == []
    assert conflict.evaluate(order(line(qty="100")), ctx) != []


def test_allocations_without_a_known_holder_count_as_committed() -> None:
    ctx = context(reference(on_hand="100", allocated="80"))
    assert conflict.evaluate(order(line(qty="30")), ctx) == []


def test_released_allocation_no_longer_competes() -> None:
    ctx = world()
    hold(ctx, "BIG", "80", "O-BIG")
    big = order(line(qty="80"), order_id="O-BIG", customer="BIG")
    ctx.allocate("WIDGET", "WH1", D("-80"), holder=(big, 1))
    assert ctx.holders[("WIDGET", "WH1")] == {}
    assert conflict.evaluate(order(line(qty="30")), ctx) == []


@settings(deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(CustomerTier)), st.integers(1, 40)),
                max_size=6),
       st.integers(1, 150), st.sampled_from(list(CustomerTier)))
def test_raising_on_hand_never_creates_a_conflict(holders, want: int,
                                                   tier: CustomerTier) -> None:
    def flagged(on_hand: int) -> bool:
        ctx = world(on_hand=str(on_hand), ACME=tier)
        for n, (t, q) in enumerate(holders):
            ctx.customers[f"H{n}"] = Customer(f"H{n}", "h", t, D(10**6))
            o = replace(order(line(qty=str(q)), order_id=f"H{n}", customer=f"H{n}"),
                        received_at=datetime(2026, 11, 1, tzinfo=UTC))
            ctx.allocate("WIDGET", "WH1", D(q), holder=(o, 1))
        return conflict.evaluate(order(line(qty=str(want))), ctx) != []
    total = sum(q for _t, q in holders)
    if flagged(total + 10):
        assert not flagged(total + 10 + want)


def test_holders_at_other_warehouses_never_change_the_verdict() -> None:
    """Units of work load holders only at the warehouses of the orders they judge."""
    for qty in ("10", "30", "90"):
        here = world()
        hold(here, "BIG", "80", "O-BIG")
        both = world()
        hold(both, "BIG", "80", "O-BIG")
        elsewhere = order(line(qty="500"), order_id="O-FAR", customer="BIG")
        both.allocate("WIDGET", "WH2", D("500"), holder=(elsewhere, 1))
        assert ("WIDGET", "WH2") in both.holders
        mine = order(line(qty=qty))
        assert conflict.evaluate(mine, both) == conflict.evaluate(mine, here)


def test_holders_loaded_late_see_every_allocation_made_before_in_order() -> None:
    """A unit of work defers loading the holders to the first short line; allocations made
    before it are applied over the load exactly as if it had come first."""
    eager, lazy = world(), world()
    hold(eager, "BIG", "80", "O-STORED")
    stored = {k: dict(v) for k, v in eager.holders.items()}  # what the store holds
    lazy.allocate("WIDGET", "WH1", D("80"))  # the stock positions are read as stored
    loads: list[int] = []

    def load() -> None:
        loads.append(1)
        lazy.holders.update({k: dict(v) for k, v in stored.items()})

    lazy.holders_loader = load
    for ctx in (eager, lazy):
        early = order(line(qty="5"), order_id="O-EARLY", customer="SMALL")
        ctx.allocate("WIDGET", "WH1", D("5"), holder=(early, 1))
        ctx.allocate("WIDGET", "WH1", D("-5"), holder=(early, 1))  # released again
        ctx.allocate("WIDGET", "WH1", D("3"), holder=(early, 1))
    assert loads == [] and lazy.holders == {}
    mine = order(line(qty="30"))
    assert conflict.evaluate(mine, lazy) == conflict.evaluate(mine, eager) != []
    assert loads == [1]
    assert lazy.holders == eager.holders
    conflict.evaluate(mine, lazy)
    assert loads == [1]  # loaded once
