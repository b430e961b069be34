"""EDI X12 and CSV orders through the pipeline: map to canonical form, judge, acknowledge."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ordex.domain.errors import InvalidPayloadError
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors.price_mismatch import expected_price
from ordex.orchestrate.intake import IdempotencyIndex
from ordex.orchestrate.line_status import line_statuses
from ordex.orchestrate.pipeline import Pipeline
from ordex.sense.edi_partners import TradingPartner, partner_key
from ordex.sense.identifiers import ItemKeys, map_item
from ordex.sense.orders import validate_order
from ordex.sense.x12 import LineAck
from ordex.sense.x12.model import ResultStatus, TransactionResult


def edi_subject(raw_id: str, result: TransactionResult) -> str:
    """Where an EDI failure sits: raw payload, interchange, group, transaction control."""
    env = result.envelope
    parts = [env.interchange_control or "-", env.group_control or "-",
             env.transaction_control or "-"]
    if result.error is not None and result.error.segment_position is not None:
        parts.append(f"s{result.error.segment_position}")
    return f"edi-{raw_id[:16]}-" + "-".join(p.strip() for p in parts)


def edi_evidence(raw_id: str, source: str, result: TransactionResult) -> dict[str, Any]:
    """Evidence of an EDI failure: file, control numbers, segment position, element, error."""
    env = result.envelope
    errors = [e.to_dict() for e in result.errors]
    return {"raw_id": raw_id, "source": source, "channel": "edi", "scope": result.scope.value,
            "sender": f"{env.sender_qualifier or ''}/{(env.sender_id or '').strip()}",
            "interchange_control": env.interchange_control, "group_control": env.group_control,
            "transaction_control": env.transaction_control,
            "transaction_set": env.transaction_set, "errors": errors}


def fail(pipeline: Pipeline, *, subject: str, raw_id: str, order_id: str | None,
         reason: str, evidence: dict[str, Any], now: datetime,
         errors: tuple[dict[str, str], ...] = ()) -> dict[str, Any]:
    """Open the INTEGRATION_FAILURE case for input that cannot become an order."""
    result = pipeline.integration_failure(subject, raw_id=raw_id, order_id=order_id, key=None,
                                          now=now, reason=reason, evidence=evidence,
                                          errors=errors)
    return result.as_dict()


def edi_order(po_doc: dict[str, Any], partner: TradingPartner, ctx: DetectionContext,
              keys: ItemKeys | None = None) -> dict[str, Any]:
    """The canonical order of an 850: partner's customer and warehouse, our items, prices."""
    keys = keys or context_keys(ctx)
    doc = dict(po_doc)
    doc["customer_id"] = partner.customer_id
    doc["warehouse_id"] = partner.warehouse_id
    if not doc.get("requested_ship_date"):
        ordered = date.fromisoformat(doc["order_date"])
        doc["requested_ship_date"] = (ordered + timedelta(days=partner.lead_days)).isoformat()
    doc["ship_to"] = _ship_to(doc.get("ship_to") or {}, partner, ctx)
    doc["lines"] = [_line(ln, partner, ctx, doc, keys) for ln in doc["lines"]]
    doc.pop("edi", None)
    return doc


def _ship_to(ship_to: dict[str, Any], partner: TradingPartner,
             ctx: DetectionContext) -> dict[str, Any]:
    """Fill missing address parts from the ship-to on file for the location code."""
    code = (ship_to.get("code") or "").strip()
    known = ctx.ship_tos.get((partner.customer_id, code)) if code else None
    if known is None:
        return {k: v for k, v in ship_to.items() if v is not None}
    master = {k: getattr(known.address, k) for k in known.address.__slots__}
    return {**master, **{k: v for k, v in ship_to.items() if v}}


def context_keys(ctx: DetectionContext) -> ItemKeys:
    """Mapping keys from a context alone: cross-references without qualifier and our items."""
    refs = {(customer, "", part): item for (customer, part), item in ctx.cross_refs.items()}
    return ItemKeys(cross_refs=refs, items=ctx.items)


def _line(line: dict[str, Any], partner: TradingPartner, ctx: DetectionContext,
          order: dict[str, Any], keys: ItemKeys) -> dict[str, Any]:
    """Our item id (sense/identifiers.py) and a price when the 850 gave none.

    A line whose identifiers map to no item keeps an empty item id and its identifiers;
    detection names it an unknown product (MASTER_DATA_CONFLICT).
    """
    sent = line.get("identifiers") or []
    match = map_item([(i["qualifier"], i["value"]) for i in sent],
                     customer_id=partner.customer_id, keys=keys)
    item = match.item_id or ""
    out = {"line_no": line["line_no"], "item_id": item, "quantity": line["quantity"],
           "uom": line["uom"], "unit_price": line.get("unit_price"),
           "buyer_part": line.get("buyer_part"), "vendor_part": line.get("vendor_part"),
           "identifiers": sent or None}
    if out["unit_price"] in (None, "") and item in ctx.items:
        out["unit_price"] = _price_on_file(line, item, partner, ctx, order)
    if out["unit_price"] in (None, ""):
        out["unit_price"] = "0"  # an item we cannot identify has no price until it is mapped
    return out


def _price_on_file(line: dict[str, Any], item: str, partner: TradingPartner,
                   ctx: DetectionContext, order: dict[str, Any]) -> str | None:
    """The contract or list price for a line sent without one (PO104 absent)."""
    probe = validate_order({**order, "customer_id": partner.customer_id,
                            "requested_ship_date": order["requested_ship_date"],
                            "lines": [{**line, "item_id": item, "unit_price": "0"}]},
                           channel="edi")
    only = probe.lines[0]
    base = ctx.units.to_base(item, only.quantity, only.uom)
    if base is None:
        return None
    price = expected_price(probe, only, base, ctx).unit_price
    return None if price is None else str(price.quantize(Decimal("0.000001")))


def known_orders(index: IdempotencyIndex, canonical: list[dict[str, Any]]) -> dict[str, Any]:
    """Earlier answers for the batch's order ids, in one lookup (never one per order)."""
    return dict(index.known({doc["order_id"] for doc in canonical}))


def accept_edi(pipeline: Pipeline, seen: dict[str, Any], result: TransactionResult,
               canonical: dict[str, Any], *, partners: dict[tuple[str, str], TradingPartner],
               raw_id: str, source: str, now: datetime,
               keys: ItemKeys | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Judge one parsed 850 (its canonical form given), or quarantine it."""
    env = result.envelope
    partner = partners.get(partner_key(env.sender_qualifier, env.sender_id))
    subject = edi_subject(raw_id, result)
    if partner is None:
        evidence = {**edi_evidence(raw_id, source, result), "problem": "unknown_partner"}
        return fail(pipeline, subject=subject, raw_id=raw_id, order_id=canonical["order_id"],
                    reason=f"No trading partner for ISA sender {evidence['sender']} "
                           f"(file {source}, interchange {env.interchange_control}).",
                    evidence=evidence, now=now, errors=({
                        "field": "ISA06", "reason": f"no trading partner for ISA sender "
                                                    f"{evidence['sender']}"},)), None
    if canonical["order_id"] in seen:
        return {**seen[canonical["order_id"]], "replayed": True}, canonical
    try:
        order = validate_order(edi_order(canonical, partner, pipeline.ctx, keys),
                               channel="edi")
    except InvalidPayloadError as exc:
        evidence = {**edi_evidence(raw_id, source, result), "errors": exc.errors}
        return fail(pipeline, subject=subject, raw_id=raw_id, order_id=canonical["order_id"],
                    reason=f"850 {canonical['customer_po']} in {source} does not map to an "
                           f"order: {exc.message}.", evidence=evidence, now=now,
                    errors=tuple(exc.errors)), None
    accepted = pipeline.accept(order, raw_id=raw_id, key=order.order_id, now=now).as_dict()
    seen[order.order_id] = accepted
    return accepted, canonical


def line_acks(case_ids: list[str], order_id: str | None, pipeline: Pipeline) -> list[LineAck]:
    """855 line statuses from what was decided (orchestrate/line_status.py)."""
    order = pipeline.work.orders.get(order_id or "")
    if order is None:
        return []
    wanted = set(case_ids)
    cases = [c for c in (pipeline.changes.new_cases.get(i) for i in case_ids) if c]
    decisions = [r for r in pipeline.changes.decisions if r.case_id in wanted]
    return line_statuses(order=order, cases=cases, decisions=decisions, ctx=pipeline.ctx)


def with_order_removed(result: TransactionResult) -> TransactionResult:
    """A result light enough to keep until its group's 997 is written."""
    return replace(result, order=None) if result.status is ResultStatus.OK else result
