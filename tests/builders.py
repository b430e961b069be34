"""Small builders for orders and contexts in tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ordex.domain.model import (
    Address,
    Customer,
    CustomerTier,
    InboundPO,
    InventoryPosition,
    Item,
    Order,
    OrderLine,
    PriceContract,
    Receivable,
    UnitConversion,
)
from ordex.domain.reference import ReferenceData
from ordex.interpret.build import context_from_reference
from ordex.interpret.context import DetectionContext
from ordex.interpret.settings import DetectionSettings

from fakes import FakePostal

D = Decimal
DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GOOD_ADDRESS = Address("Acme", "1200 Commerce Dr", "", "Chicago", "IL", "60607", "US")


def line(no: int = 1, item: str = "WIDGET", qty: str = "10", uom: str = "EA",
         price: str = "10.00") -> OrderLine:
    return OrderLine(no, item, D(qty), uom, D(price))


def order(*lines: OrderLine, order_id: str = "O-1", customer: str = "ACME", po: str = "PO-1",
          ship: date = DAY, day: date = DAY, address: Address = GOOD_ADDRESS,
          warehouse: str = "WH1", received: datetime = NOW, code: str | None = None) -> Order:
    return Order(order_id, customer, po, "api", day, ship, address, "UPSN", warehouse,
                 tuple(lines) or (line(),), ship_to_code=code, received_at=received)


def reference(*, on_hand: str = "100", allocated: str = "0", safety: str = "0",
              inbound: list[tuple[str, date]] | None = None, limit: str = "100000",
              ar: str = "0", contracts: list[PriceContract] | None = None) -> ReferenceData:
    ref = ReferenceData()
    ref.customers = [Customer("ACME", "Acme", CustomerTier.GOLD, D(limit))]
    ref.items = [Item("WIDGET", "Widget", "EA", D("10.00"), D("6.00")),
                 Item("GADGET", "Gadget", "EA", D("5.00"), D("3.00"))]
    ref.conversions = [UnitConversion("WIDGET", "CS", D(12))]
    ref.inventory = [InventoryPosition("WIDGET", "WH1", D(on_hand), D(allocated), D(safety)),
                     InventoryPosition("GADGET", "WH1", D(1000))]
    ref.inbound_pos = [InboundPO(f"PO{i}", "WIDGET", "WH1", D(q), due)
                       for i, (q, due) in enumerate(inbound or [])]
    ref.receivables = [Receivable("ACME", "INV1", D(ar), DAY)] if D(ar) else []
    ref.contracts = contracts or []
    return ref


def context(ref: ReferenceData | None = None, **settings: object) -> DetectionContext:
    return context_from_reference(ref or reference(), settings=DetectionSettings(**settings),  # type: ignore[arg-type]
                                  postal=FakePostal())


# -- decide ---------------------------------------------------------------------------
def sourcing_reference(*, home: str = "10", other: str = "100", sub_stock: str = "100",
                       allows_substitutes: bool = False, limit: str = "100000",
                       ar: str = "0") -> ReferenceData:
    """WIDGET short at WH1, stocked at WH2 (one day further), GIZMO an approved substitute."""
    from ordex.domain.model import FreightLane, ServiceTerms, Substitute, Warehouse

    ref = reference(on_hand=home, limit=limit, ar=ar)
    ref.customers = [Customer("ACME", "Acme", CustomerTier.GOLD, D(limit), "MW")]
    ref.items.append(Item("GIZMO", "Gizmo", "EA", D("10.00"), D("6.00")))
    ref.warehouses = [Warehouse("WH1", "One", "IL", "60607"), Warehouse("WH2", "Two", "NY",
                                                                         "10001")]
    ref.inventory += [InventoryPosition("WIDGET", "WH2", D(other)),
                      InventoryPosition("GIZMO", "WH1", D(sub_stock))]
    ref.substitutes = [Substitute("WIDGET", "GIZMO", 1)]
    ref.freight_lanes = [FreightLane("WH1", "MW", D("20"), D("0.30"), 1),
                         FreightLane("WH2", "MW", D("35"), D("0.60"), 2)]
    ref.service_terms = [ServiceTerms("ACME", allows_substitutes=allows_substitutes)]
    return ref


def decide_pipeline(ref: ReferenceData, *, policy_text: str | None = None) -> Any:
    """A pipeline with a decider under the shipped default policy (or the given YAML)."""
    from itertools import count
    from pathlib import Path

    from ordex.decide.from_policy import decider_for, routing_policy
    from ordex.decide.rules import load_policy, parse_policy
    from ordex.interpret.registry import REGISTRY
    from ordex.orchestrate.pipeline import Pipeline

    root = Path(__file__).resolve().parents[1]
    doc = (parse_policy(policy_text)[0] if policy_text is not None
           else load_policy(root / "policies" / "default.yaml")[0])
    ids = count(1)
    return Pipeline(ctx=context(ref), detectors=list(REGISTRY.values()),
                    policy=routing_policy(doc), decider=decider_for(doc, ref),
                    new_id=lambda: f"M{next(ids):06d}")


def example(order_id: str) -> bytes:
    """One order's NDJSON line from examples/orders.ndjson."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "orders.ndjson"
    for ln in path.read_text().splitlines():
        if json.loads(ln)["order_id"] == order_id:
            return ln.encode()
    raise LookupError(order_id)
