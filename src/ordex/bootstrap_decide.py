"""Wiring of the decide stage: which policy is in force, the sourcing network, the decider."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect

from ordex.adapters.db.decide_repo import (
    active_policy,
    period_inputs,
    received_since,
    record_activation,
)
from ordex.adapters.db.reference_repo import load_reference
from ordex.adapters.db.state_repo import orders_by_id
from ordex.config import Settings
from ordex.decide.engine import Decider
from ordex.decide.policy import DEFAULT_SLA_HOURS, Policy
from ordex.decide.rules import PolicyDocument, load_policy, parse_policy
from ordex.decide.sourcing import Network
from ordex.domain.events import PaymentPosted, StockReceived
from ordex.domain.model import InventoryPosition
from ordex.domain.reference import ReferenceData
from ordex.learn.whatif import Step, compare, replay
from ordex.orchestrate.pipeline import Pipeline
from ordex.simulate.run import Simulation

SHIPPED_POLICY = Path(__file__).resolve().parents[2] / "policies" / "default.yaml"


def policy_path(settings: Settings) -> Path:
    """The policy file from settings, else the one shipped with ordex."""
    return settings.policy_file or SHIPPED_POLICY


def policy_in_force(engine: Engine | Connection, settings: Settings, *,
                    at: datetime) -> PolicyDocument:
    """The latest activated policy effective at `at`, else the configured policy file."""
    # before `ordex migrate` there is no policies table: only then is the file in force
    found = active_policy(engine, at=at) if inspect(engine).has_table("policies") else None
    if found is not None:
        return parse_policy(found[1], source=f"activated policy {found[0]}")[0]
    return load_policy(policy_path(settings))[0]


def activate(engine: Engine, path: Path, *, by: str, reason: str, at: datetime) -> PolicyDocument:
    """Validate a policy file and record its activation (an audited act)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    doc, digest = parse_policy(text, source=str(path)) if text else load_policy(path)
    record_activation(engine, version=doc.version, effective_from=doc.effective_from,
                      sha256=digest, body=text, at=at, by=by, reason=reason)
    return doc


def routing_policy(doc: PolicyDocument) -> Policy:
    """The routing policy (queue, SLA) carrying the document's version."""
    return Policy(version=doc.version, sla_hours={**DEFAULT_SLA_HOURS, **doc.sla_hours})


def decider_for(doc: PolicyDocument, ref: ReferenceData) -> Decider:
    """A decider over the reference data's lanes, substitutes and service terms."""
    network = Network.build(lanes=ref.freight_lanes, substitutes=ref.substitutes,
                            terms=ref.service_terms,
                            warehouses=[w.warehouse_id for w in ref.warehouses])
    return Decider(doc, network)


def decide_summary(kpis: dict[str, Any], sim: Simulation) -> dict[str, Any]:
    """Top-level touchless and OTIF rates of a simulated period, and the decide section."""
    closed = kpis["closed_cases"]
    opened = sum(closed.values()) + kpis["open_backlog"]
    worked = opened - closed.get("cancelled", 0)
    work = sim.pipeline.work
    return {"touchless_rate": round(closed.get("auto_resolved", 0) / worked, 6) if worked
            else 0.0,
            "otif_rate": sim.mirror.otif(work.orders, work.cancelled, work.open_cases),
            "decide": sim.mirror.report()}


def whatif(app: Any, path: Path, *, start: datetime, end: datetime) -> dict[str, Any]:
    """Replay [start, end) under the active policy and under the file's, side by side.

    `app` is the bootstrap.App (typed loosely: this module sits below it in the layers).
    """
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
