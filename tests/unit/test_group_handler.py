"""IngestOrderGroup on the fake unit of work: one unit and one commit for a group of senders."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import count

from ordex.decide.policy import Policy
from ordex.domain.commands import IngestOrderGroup
from ordex.domain.model import Warehouse
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate.handlers import intake
from ordex.orchestrate.pipeline import Pipeline

from builders import context, reference
from fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def _uow(on_hand: str = "100") -> FakeUnitOfWork:
    ids, data = count(1), reference(on_hand=on_hand)
    data.warehouses = [Warehouse("WH1", "One", "IL", "60607")]
    return FakeUnitOfWork(Pipeline(ctx=context(data), detectors=list(REGISTRY.values()),
                                   policy=Policy(), new_id=lambda: f"R{next(ids):04d}"))


def _order(order_id: str, qty: int) -> bytes:
    return json.dumps({
        "order_id": order_id, "customer_id": "ACME", "customer_po": f"PO-{order_id}",
        "order_date": "2026-11-23", "requested_ship_date": "2026-11-27", "warehouse_id": "WH1",
        "ship_via": "UPSN", "ship_to": {"name": "Acme", "line1": "1 Main St",
                                        "city": "Chicago", "state": "IL",
                                        "postal_code": "60607", "country": "US"},
        "lines": [{"line_no": 1, "item_id": "WIDGET", "quantity": qty, "uom": "EA",
                   "unit_price": "10.00"}]}).encode()


def test_a_group_is_one_unit_of_work_one_commit_and_one_answer_list_per_sender() -> None:
    uow = _uow(on_hand="50")
    group = IngestOrderGroup(((_order("A", 30), "s1", None), (_order("B", 30), "s2", "K-B"),
                              (b"{broken", "s3", None)), "api")
    answers = intake.ingest_order_group(group, uow, now=NOW)
    assert [[o.result["status"] for o in a] for a in answers] == [
        ["accepted"], ["held"], ["rejected"]]  # B sees the stock A took
    assert uow.entered == 1 and len(uow.written) == 1
    assert [o.order_id for o, _raw, _key in uow.written[0].orders] == ["A", "B"]


def test_a_key_first_bound_by_a_resend_refuses_another_order_later_in_the_group() -> None:
    uow = _uow()
    group = IngestOrderGroup(((_order("A", 1), "s1", None), (_order("A", 1), "s2", "K-1"),
                              (_order("C", 1), "s3", "K-1")), "api")
    first, resend, refused = intake.ingest_order_group(group, uow, now=NOW)
    assert resend[0].replayed and resend[0].result == first[0].result
    assert refused[0].rejected
    assert refused[0].result["errors"][0]["field"] == "Idempotency-Key"
