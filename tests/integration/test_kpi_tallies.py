"""The set-based KPI tallies on both databases: distinct orders stay distinct when one
order has several cases of one code, and every open/SLA figure of the one-pass sums
matches a count of the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from ordex.adapters.db import tables as t
from ordex.bootstrap import bootstrap
from ordex.config import Settings

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _case(case_id: str, code: str, order_id: str | None, state: str, *, opened_hours: float,
          due_hours: float, closed_hours: float | None = None,
          value: str = "10.00") -> dict[str, object]:
    opened = NOW - timedelta(hours=opened_hours)
    return {"case_id": case_id, "code": code, "queue": "planning", "severity": "medium",
            "order_id": order_id, "customer_id": None, "lines": [], "reason": "r",
            "evidence": {}, "priority": 1, "value_at_risk": Decimal(value), "state": state,
            "opened_at": opened, "sla_due_at": opened + timedelta(hours=due_hours),
            "closed_at": None if closed_hours is None else opened + timedelta(hours=closed_hours)}


def test_orders_are_counted_once_per_code_and_overall(db_url: str) -> None:
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    rows = [
        # one order, two cases of one code (two subjects, as dead letters give)
        _case("O1:short_ship", "short_ship", "O1", "open", opened_hours=2, due_hours=8),
        _case("dl-1:short_ship", "short_ship", "O1", "resolved", opened_hours=30,
              due_hours=8, closed_hours=5),
        _case("O1:price_mismatch", "price_mismatch", "O1", "in_progress", opened_hours=50,
              due_hours=8, value="2.50"),
        _case("O2:price_mismatch", "price_mismatch", "O2", "auto_resolved", opened_hours=100,
              due_hours=8, closed_hours=9),
        _case("raw-9:price_mismatch", "price_mismatch", None, "cancelled", opened_hours=1,
              due_hours=8),
    ]
    with app.engine.begin() as conn:
        conn.execute(insert(t.cases), rows)
    try:
        facts = app.queries.kpi_facts(now=NOW)
    finally:
        app.engine.dispose()
    assert facts.orders_with_exception == 2
    assert facts.orders_by_code == {"short_ship": 1, "price_mismatch": 2}
    assert facts.open_by_queue == {"planning": 2}
    assert facts.closed_by_state == {"resolved": 1, "auto_resolved": 1, "cancelled": 1}
    assert facts.value_at_risk_open == Decimal("12.50")
    assert facts.overdue_open == 1  # the in-progress case, due 42 h ago
    assert facts.open_by_age == {"under_4h": 1, "1d_to_3d": 1}
    assert (facts.closed_within_sla, facts.closed_after_sla) == (1, 1)
