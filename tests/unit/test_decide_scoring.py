"""Impact and priority: the documented formula, its parts, and what moves the score."""

from datetime import timedelta
from decimal import Decimal

from ordex.decide.rules import ScoringRule
from ordex.decide.scoring import impact
from ordex.domain.model import Customer, CustomerTier, Item, ServiceTerms

from builders import NOW, line, order

D = Decimal
ITEMS = {"WIDGET": Item("WIDGET", "Widget", "EA", D("10"), D("6"))}


def score(tier: CustomerTier = CustomerTier.GOLD, qty: str = "100", days: int = 3,
          terms: ServiceTerms | None = None, rule: ScoringRule | None = None):  # type: ignore[no-untyped-def]
    o = order(line(1, qty=qty, price="10.00"), ship=(NOW + timedelta(days=days)).date())
    return impact(order=o, lines=(1,), customer=Customer("ACME", "Acme", tier, D(1)),
                  terms=terms, items=ITEMS, rule=rule or ScoringRule(),
                  to_base=lambda ln: ln.quantity, now=NOW)


def test_parts_add_up_to_the_score_and_name_every_factor() -> None:
    s = score()
    assert set(s.parts) == {"revenue", "margin", "urgency", "tier", "strategic", "penalty"}
    assert s.score == round(sum(s.parts.values()))
    assert s.revenue_at_risk == D("1000.00") and s.margin_at_risk == D("400.00")


def test_higher_tier_strategic_and_penalty_raise_the_score() -> None:
    base = score(CustomerTier.BRONZE)
    assert score(CustomerTier.PLATINUM).score > base.score
    assert score(CustomerTier.BRONZE, terms=ServiceTerms("ACME", strategic=True)).score > base.score
    penalty = score(CustomerTier.BRONZE, terms=ServiceTerms("ACME",
                                                            late_penalty_pct_per_day=D(2)))
    assert penalty.penalty_per_day == D("20.00")
    assert penalty.parts["penalty"] > base.parts["penalty"] == 0


def test_sooner_promise_is_more_urgent_and_weights_come_from_the_policy() -> None:
    assert score(days=0).parts["urgency"] > score(days=5).parts["urgency"]
    only_value = ScoringRule(weights={"revenue": 100}, revenue_cap=D(1000))
    assert score(rule=only_value).score == 100
    assert score(qty="50", rule=only_value).score == 50
