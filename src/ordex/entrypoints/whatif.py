"""`ordex whatif`: replay a period under the active policy and under a proposed one."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ordex.adapters.db.decisions_repo import period_inputs, received_since
from ordex.adapters.db.policy_repo import policy_in_force
from ordex.adapters.db.reference_repo import load_reference
from ordex.adapters.db.state_repo import orders_by_id
from ordex.bootstrap import App
from ordex.decide.rules import PolicyDocument, load_policy
from ordex.domain.events import PaymentPosted, StockReceived
from ordex.domain.model import InventoryPosition
from ordex.domain.reference import ReferenceData
from ordex.learn.whatif import Step, compare, replay
from ordex.orchestrate.pipeline import Pipeline


def whatif(app: App, path: Path, *, start: datetime, end: datetime) -> dict[str, Any]:
    """Replay [start, end) under the active policy and under the file's, side by side."""
    proposed = load_policy(path)[0]
    active = policy_in_force(app.engine, app.settings, at=start)
    with app.engine.connect() as conn:
        order_ids, events = period_inputs(conn, start=start, end=end)
        orders = orders_by_id(conn, [o for o, _r in order_ids])
        ref = load_reference(conn)
        rewind = received_since(conn, start=start)
    raw = dict(order_ids)
    steps = [Step(o.received_at or start, order=o, raw_id=raw[oid])
             for oid, (o, _status) in orders.items()]
    for kind, at, p in events:
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        if kind == "StockReceived":
            steps.append(Step(at, raw_id=f"r{len(steps)}", receipt=StockReceived(
                p["item_id"], p["warehouse_id"], Decimal(str(p["quantity"])), at, p["po_id"])))
        else:
            steps.append(Step(at, raw_id=f"p{len(steps)}", payment=PaymentPosted(
                p["customer_id"], Decimal(str(p["amount"])), at)))

    def fresh(doc: PolicyDocument) -> Callable[[], Pipeline]:
        def make() -> Pipeline:
            start_ref = _rewound(ref, rewind)
            counter = itertools.count(1)
            made: Pipeline = app.new_pipeline(start_ref, document=doc,
                                              new_id=lambda: f"W{next(counter):010d}")
            return made
        return make

    return {"from": start.isoformat(), "to": end.isoformat(), "orders": len(orders),
            "events": len(events),
            **compare(replay(fresh(active), steps), replay(fresh(proposed), steps),
                      active_version=active.version, proposed_version=proposed.version)}


def _rewound(ref: ReferenceData, rewind: dict[tuple[str, str], Decimal]) -> ReferenceData:
    """The reference data with on-hand rewound to the period start and allocations cleared."""
    copy = dataclasses.replace(ref)
    copy.inventory = [InventoryPosition(p.item_id, p.warehouse_id,
                                        p.on_hand - rewind.get((p.item_id, p.warehouse_id),
                                                               Decimal(0)),
                                        Decimal(0), p.safety_stock) for p in ref.inventory]
    return copy
