"""Stock holders loaded for some warehouses are exactly the all-warehouse ones at those."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ordex.adapters.db.state_repo import load_holders
from ordex.bootstrap import App
from ordex.domain.commands import IngestOrderGroup
from ordex.interpret.context import DetectionContext
from ordex.orchestrate.handlers.intake import need_of

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
ORDERS = [json.loads(x) for x in (ROOT / "examples" / "orders.ndjson").read_text().splitlines()]


def _holders(app: App, warehouses: set[str] | None) -> dict[object, object]:
    ctx = DetectionContext(settings=app.settings.detection(), postal=app.postal, units=None)
    with app.engine.connect() as conn:
        load_holders(conn, ctx, {"VALVE-100", "GLOVE-NIT", "BOLT-M8", "SYRINGE-10"},
                     warehouses=warehouses)
    return dict(ctx.holders)


def test_holders_at_some_warehouses_are_the_full_load_restricted_to_them(
        example_app: App) -> None:
    bodies = []
    for n, doc in enumerate(ORDERS):
        for wh in ("CHI", "ATL"):
            bodies.append(json.dumps({**doc, "order_id": f"{doc['order_id']}-{wh}",
                                      "customer_po": f"P{n}{wh}", "warehouse_id": wh}).encode())
    example_app.bus.handle(IngestOrderGroup(tuple((b, "t", None) for b in bodies), "api"))
    every = _holders(example_app, None)
    assert {wh for (_item, wh) in every} == {"CHI", "ATL"}  # both warehouses hold stock
    for chosen in ({"CHI"}, {"ATL"}, {"CHI", "ATL"}, {"NOWHERE"}, set()):
        assert _holders(example_app, chosen) == {
            k: v for k, v in every.items() if k[1] in chosen}


def test_arriving_orders_name_their_warehouses_or_every_warehouse_is_loaded() -> None:
    docs = [dict(ORDERS[0]), {**ORDERS[1], "warehouse_id": "ATL"}]
    need, _keys = need_of(docs, [None], now=EXAMPLE_NOW)
    assert need.warehouses == frozenset({"CHI", "ATL"})
    for unreadable in (None, "", 7):
        docs = [dict(ORDERS[0]), {**ORDERS[1], "warehouse_id": unreadable}]
        assert need_of(docs, [None], now=EXAMPLE_NOW)[0].warehouses is None
    no_key = {k: v for k, v in ORDERS[0].items() if k != "warehouse_id"}
    assert need_of([no_key], [None], now=EXAMPLE_NOW)[0].warehouses is None
