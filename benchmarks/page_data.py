"""Generated data for the page benchmark: cases, orders and customers made by the database
itself (INSERT ... SELECT generate_series), so a million rows cost one statement each."""

from __future__ import annotations

from ordex.bootstrap import App
from ordex.domain.codes import ExceptionCode
from ordex.interpret.registry import owner_queue

CODES = [code.value for code in ExceptionCode]
QUEUES = [owner_queue(code).value for code in ExceptionCode]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


# a skewed code (a Pareto worth drawing), states by share: 60 % auto_resolved, 15 % resolved,
# 3 % cancelled, 12 % open, 10 % in progress; opened over the last 30 days
GENERATE = (
    """INSERT INTO customers (customer_id, name, tier, credit_limit, region, payment_terms_days,
           default_ship_via, freight_terms_required, tax_exempt)
       SELECT 'BC-' || g, 'Customer ' || g, (ARRAY['gold', 'silver', 'bronze'])[1 + g % 3],
              100000, (ARRAY['north', 'south', 'east', 'west', 'central'])[1 + g % 5], 30,
              '', false, false
       FROM generate_series(0, 1999) AS g""",
    """INSERT INTO trading_partners (partner_id, isa_qualifier, isa_id, customer_id,
           warehouse_id, lead_days, strict_totals)
       SELECT 'BP-' || g, 'ZZ', 'BP' || g, 'BC-' || g, 'W1', 0, false
       FROM generate_series(0, 49) AS g""",
    """INSERT INTO orders (order_id, customer_id, customer_po, po_key, channel, order_date,
           requested_ship_date, ship_to, warehouse_id, currency, total_value, status,
           received_at)
       SELECT 'BO-' || g, 'BC-' || (g % 2000), 'PO-' || g, 'PO-' || g, 'api',
              (t)::date, (t)::date + 3, '{}'::json, 'W' || (1 + g % 8), 'USD',
              100 + g % 5000, 'accepted', t
       FROM (SELECT g, now() - ((g::bigint * 104729) % 2592000) * interval '1 second' AS t
             FROM generate_series(0, :orders - 1) AS g) AS s""",
    f"""INSERT INTO cases (case_id, code, queue, severity, order_id, customer_id, lines, reason,
           evidence, priority, value_at_risk, state, opened_at, sla_due_at, closed_at,
           response_due_at, responded_at, version, sla_calendar, paused_seconds)
       SELECT 'BG-' || g || ':' || ({_array(CODES)})[k], ({_array(CODES)})[k],
              ({_array(QUEUES)})[k],
              'medium', 'BO-' || o, 'BC-' || (o % 2000), '[]'::json, 'generated', '{{}}'::json,
              g % 100, 50 + g % 2000,
              CASE WHEN r < 60 THEN 'auto_resolved' WHEN r < 75 THEN 'resolved'
                   WHEN r < 78 THEN 'cancelled' WHEN r < 90 THEN 'open' ELSE 'in_progress' END,
              t, t + interval '8 hours',
              CASE WHEN r < 60 THEN t + (g % 60) * interval '1 second'
                   WHEN r < 78 THEN t + (g % 4320) * interval '1 minute' END,
              t + interval '2 hours',
              CASE WHEN r >= 60 AND r < 78 OR r >= 90 THEN t + (g % 180) * interval '1 minute'
              END, 0, 'round_the_clock', 0
       FROM (SELECT g, o, 1 + least(16, floor(17 * power(((g::bigint * 7919) % 1000) / 1000.0,
                                                        2))::int) AS k,
                    (g::bigint * 31) % 100 AS r,
                    now() - ((o::bigint * 104729) % 2592000) * interval '1 second' AS t
             FROM (SELECT g, g % :orders AS o FROM generate_series(0, :cases - 1) AS g) AS a
            ) AS s""",
)
"""The statements, in order (`:cases`, `:orders` bound)."""


def case_page_id(app: App) -> str:
    """The most urgent open case (the one a person opens first)."""
    found = app.queries.cases(state="active", limit=1) or app.queries.cases(limit=1)
    return str(found[0]["case_id"]) if found else "none"
