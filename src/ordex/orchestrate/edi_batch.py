"""What judging a batch of 850s needs: the keys it touches, its partners, report entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordex.domain.positions import Position
from ordex.orchestrate.edi_acks import Outbound, ack_855, ack_ta1
from ordex.orchestrate.file_intake import accept_edi, edi_evidence, edi_subject, fail, line_acks
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need
from ordex.sense.edi_partners import TradingPartner, partner_key
from ordex.sense.identifiers import ItemKeys
from ordex.sense.x12.model import Envelope, ResultStatus, Scope, TransactionResult
from ordex.sense.x12.verdict import is_fatal_interchange_error


@dataclass(frozen=True)
class Prepared:
    """A batch's needs, canonical orders and identifier keys, read before its unit of work."""

    need: Need
    canonical: list[dict[str, Any] | None]
    mapped: list[dict[str, Any]]
    known: ItemKeys


def edi_position(source: str, result: TransactionResult) -> Position:
    """Where a transaction (or envelope error) sat: ISA13, GS06, ST02 and the erring segment."""
    env, error = result.envelope, result.error

    def control(value: str | None) -> str | None:
        return value.strip() or None if value else None
    return Position(source, interchange=control(env.interchange_control),
                    group=control(env.group_control),
                    transaction=control(env.transaction_control),
                    segment=error.segment_position if error is not None else None)


def edi_errors(result: TransactionResult) -> tuple[dict[str, str], ...]:
    """The errors of an unreadable transaction as field (segment and element) and reason."""
    return tuple({"field": e.element or e.segment_id or "(envelope)", "reason": e.message}
                 for e in result.errors)


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
    customers: set[str] = set()
    items: set[str] = set()
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


def judge_one(pipeline: Pipeline, seen: dict[str, Any], result: TransactionResult,
              doc: dict[str, Any] | None, *, partners: dict[tuple[str, str], TradingPartner],
              raw_id: str, source: str, replay: bool, now: datetime, docs: list[Outbound],
              keys: ItemKeys) -> dict[str, Any]:
    """Judge one transaction; an accepted order gets its 855, a broken interchange a TA1."""
    if result.status is ResultStatus.UNSUPPORTED:
        return {"status": "unsupported", "transaction_set": result.envelope.transaction_set,
                "transaction_control": result.envelope.transaction_control}
    if result.status is ResultStatus.ERROR:
        messages = "; ".join(e.message for e in result.errors) or "unreadable"
        if is_fatal_interchange_error(result) and not replay:
            docs.append(ack_ta1(result, raw_id=raw_id, now=now))
        return fail(pipeline, subject=edi_subject(raw_id, result), raw_id=raw_id,
                    order_id=None, reason=f"EDI file {source} rejected: {messages}.",
                    now=now, evidence=edi_evidence(raw_id, source, result),
                    errors=edi_errors(result))
    assert doc is not None  # an ok result always carries its order
    outcome, canonical = accept_edi(pipeline, seen, result, doc, partners=partners,
                                    raw_id=raw_id, source=source, now=now, keys=keys)
    if result.warnings and outcome["status"] != "rejected":
        note_on_order(outcome, result, pipeline)
    if canonical is not None and not outcome.get("replayed") and outcome["status"] != "rejected":
        acks = line_acks(outcome["cases"], outcome["order_id"], pipeline)
        docs.append(ack_855(canonical, acks, raw_id=raw_id, order_id=outcome["order_id"],
                            now=now))
    return outcome
