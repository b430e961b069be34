"""What judging a batch of 850s needs: the keys it touches, identifier lookups, report entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, or_, select

from ordex.adapters.db import tables as t
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need
from ordex.sense.edi_partners import TradingPartner, partner_key
from ordex.sense.identifiers import ItemKeys, gtin14
from ordex.sense.x12.model import Envelope, Scope, TransactionResult

CHUNK = 900  # values per IN list: under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Prepared:
    """A batch's needs, canonical orders and identifier keys, read before its unit of work."""

    need: Need
    canonical: list[dict[str, Any] | None]
    mapped: list[dict[str, Any]]
    known: ItemKeys


def identifier_keys(engine: Engine, customers: set[str], values: set[str]) -> ItemKeys:
    """Cross-references, GTINs and manufacturer parts the batch's identifiers name."""
    if not values:
        return ItemKeys()
    x, i = t.item_cross_references, t.items
    gtins = sorted({g for v in values if (g := gtin14(v))})
    ordered = sorted(values)
    refs: dict[tuple[str, str, str], str] = {}
    found: list[Any] = []
    with engine.connect() as conn:  # one query per 900 values, never per line
        for n in range(0, max(len(ordered), len(gtins)), CHUNK):
            part, codes = ordered[n:n + CHUNK], gtins[n:n + CHUNK]
            if customers and part:
                refs.update(((r.customer_id, r.qualifier or "", r.buyer_part), r.item_id)
                            for r in conn.execute(select(x).where(
                                x.c.customer_id.in_(sorted(customers)),
                                x.c.buyer_part.in_(part))))
            found += conn.execute(select(i.c.item_id, i.c.gtin, i.c.mfr_part).where(
                or_(i.c.gtin.in_(codes), i.c.mfr_part.in_(part)))).all()
    return ItemKeys(cross_refs=refs,
                    gtins={r.gtin: r.item_id for r in found if r.gtin in gtins},
                    mfr_parts={r.mfr_part: r.item_id for r in found
                               if r.mfr_part and r.mfr_part in values})


def strict_totals(partners: dict[tuple[str, str], TradingPartner], env: Envelope) -> bool:
    """Whether the sender's trading partner rejects CTT01/CTT02 disagreements."""
    partner = partners.get(partner_key(env.sender_qualifier, env.sender_id))
    return partner is not None and partner.strict_totals


def note_on_order(outcome: dict[str, Any], result: TransactionResult,
                   pipeline: Pipeline) -> None:
    """Put what the 850 reader noted (CTT disagreement, unknown segment) on the order's
    file-report entry and on the evidence of every case the order opened."""
    notes = [w.to_dict() for w in result.warnings]
    outcome["notes"] = notes
    for case_id in outcome.get("cases", ()):
        case = pipeline.changes.new_cases.get(case_id)
        if case is not None:
            case.evidence.setdefault("edi_notes", notes)


def in_rejected_interchange(result: TransactionResult) -> bool:
    """A result inside an interchange rejected by its IEA (no 997 for its groups)."""
    return result.rejection is not None and result.rejection.scope is Scope.INTERCHANGE


def rejected_with_envelope(result: TransactionResult) -> dict[str, Any]:
    """The file-report entry of a set (or group) rejected with its group or interchange."""
    assert result.rejection is not None
    env, scope = result.envelope, result.rejection.scope.value
    where = (f"interchange {(env.interchange_control or '').strip()}" if scope == "interchange"
             else f"functional group {(env.group_control or '').strip()}")
    return {"status": "rejected", "scope": result.scope.value,
            "transaction_set": env.transaction_set,
            "transaction_control": env.transaction_control,
            "reason": f"rejected with its {where}: "
                      + "; ".join(e.message for e in result.rejection.errors)}


def interchange(result: TransactionResult) -> tuple[str, str]:
    """(sender, ISA13) of a result's interchange."""
    env = result.envelope
    return (
        f"{env.sender_qualifier or ''}/{(env.sender_id or '').strip()}",
        (env.interchange_control or "").strip(),
    )


def batch_keys(
    batch: list[TransactionResult], partners: dict[tuple[str, str], TradingPartner]
) -> tuple[set[str], set[str]]:
    """The customers (by trading partner) and product identifiers a batch names."""
    customers, items = set(), set()
    for r in batch:
        if r.order is None:
            continue
        partner = partners.get(partner_key(r.envelope.sender_qualifier, r.envelope.sender_id))
        if partner:
            customers.add(partner.customer_id)
        for line in r.order.lines:
            items.update(v for _q, v in line.identifiers if v)
    return customers, items


def earliest(batch: list[TransactionResult]) -> Any:
    """The earliest order date of a batch (None when it holds no order)."""
    days = [r.order.order_date for r in batch if r.order is not None]
    return min(days) if days else None
