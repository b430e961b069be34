"""The dashboards' period and the figures computed from its aggregates (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ordex.domain.errors import InvalidPayloadError
from ordex.learn.dashboards import DashboardFacts, compute_dashboard, pareto, period_of

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_default_period_is_the_seven_local_days_up_to_today() -> None:
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already the 24th in Berlin
    period = period_of(first=None, last=None, zone="Europe/Berlin", now=late)
    assert (period.first, period.last) == (date(2026, 11, 18), date(2026, 11, 24))
    assert len(period.days) == 7
    assert period.begins == datetime(2026, 11, 17, 23, tzinfo=UTC)


def test_a_day_when_the_clocks_change_lasts_25_hours() -> None:
    period = period_of(first=date(2026, 10, 25), last=date(2026, 10, 25), zone="Europe/Paris",
                       now=NOW)
    assert (period.ends - period.begins).total_seconds() == 25 * 3600


@pytest.mark.parametrize(("first", "last", "zone", "field"), [
    (date(2026, 11, 20), date(2026, 11, 19), "UTC", "query.to"),
    (date(2025, 1, 1), date(2026, 11, 19), "UTC", "query.to"),
    (None, None, "Mars/Olympus", "query.tz"),
    (None, None, "America", "query.tz"),  # a folder of zones, not a zone
    (date(9999, 12, 30), date(9999, 12, 31), "America/Chicago", "query.to"),
    (date(1, 1, 1), date(1, 1, 2), "UTC", "query.to"),
])
def test_a_bad_period_is_refused_naming_the_field(first: date | None, last: date | None,
                                                  zone: str, field: str) -> None:
    with pytest.raises(InvalidPayloadError) as caught:
        period_of(first=first, last=last, zone=zone, now=NOW)
    assert caught.value.errors[0]["field"] == field


def test_pareto_orders_codes_by_cases_and_the_cumulative_share_ends_at_one() -> None:
    rows = pareto({"PRICE_MISMATCH": 2, "INVENTORY_SHORTFALL": 6, "TAX_FAILURE": 2})
    assert [r["code"] for r in rows] == ["INVENTORY_SHORTFALL", "PRICE_MISMATCH", "TAX_FAILURE"]
    assert [r["cumulative_share"] for r in rows] == [0.6, 0.8, 1.0]
    assert pareto({}) == []


def test_the_figures_of_a_period_cover_every_day_and_divide_by_the_days_orders() -> None:
    period = period_of(first=date(2026, 11, 20), last=date(2026, 11, 22), zone="UTC", now=NOW)
    facts = DashboardFacts(
        orders_by_day={0: 10, 2: 4}, cases_by_day_code={(0, "TAX_FAILURE"): 3},
        orders_by_day_code={(0, "TAX_FAILURE"): 2}, touchless_by_day={0: (1, 3)},
        open_by={"queue": {"finance": (3, Decimal("12.5"))}},
        cycle_by_code={"TAX_FAILURE": (1, 2.0, 2.0)},
        recurrence_by_customer=[("C1", 3, 1)], recurrence_by_partner=[])
    report = compute_dashboard(facts, period)
    days = report["exceptions_by_day"]
    assert [d["day"] for d in days] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert days[0]["rate"] == {"TAX_FAILURE": 0.2} and days[1]["rate"] == {"TAX_FAILURE": 0.0}
    assert report["touchless_by_day"][0]["rate"] == round(1 / 3, 6)
    assert report["open_backlog_by"]["queue"]["finance"] == {"cases": 3,
                                                             "value_at_risk": "12.5"}
    assert report["recurrence_by_customer"] == [{"customer_id": "C1", "cases": 3,
                                                 "repeats": 2}]
