"""EDI X12 files: store raw, parse as a stream, judge each 850, write 997 and 855."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, or_, select

from ordex.adapters.db import tables as t
from ordex.bootstrap_files.common import OUR_ID, Progress, Shared
from ordex.interpret.recent import probes_for
from ordex.orchestrate.file_intake import (
    FileReport,
    accept_edi,
    edi_evidence,
    edi_subject,
    fail,
    known_orders,
    line_acks,
    with_order_removed,
)
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need
from ordex.sense.edi_partners import TradingPartner, partner_key
from ordex.sense.identifiers import ItemKeys, gtin14
from ordex.sense.x12 import build_855, build_997, iter_transactions, to_canonical
from ordex.sense.x12.envelope import scan_envelopes
from ordex.sense.x12.model import Envelope, ResultStatus, Scope, TransactionResult
from ordex.sense.x12.ta1 import build_ta1
from ordex.sense.x12.verdict import is_fatal_interchange_error


class EdiIntake(Shared):
    """EDI interchanges in, acknowledgments out."""

    def ingest_edi(self, path: Path, *, progress: Progress = None) -> FileReport:
        """Store an EDI file raw, then read every interchange in it (resends are recognised)."""
        with path.open("rb") as handle:
            return self.ingest_edi_stream(handle, source=str(path), progress=progress)

    def ingest_edi_stream(
        self, handle: BinaryIO, *, source: str, progress: Progress = None
    ) -> FileReport:
        """Store an EDI stream raw (chunked), then parse it from the stored copy."""
        now = self.app.clock()
        stored = self.files.store(handle, source=source, channel="edi", now=now)
        if stored.earlier is not None:
            report = FileReport(source, stored.raw_id)
            report.skipped.append(f"identical file already received (raw {stored.earlier})")
            return report
        return self.process_edi(stored.raw_id, source, now=now, progress=progress)

    def process_edi(
        self,
        raw_id: str,
        source: str,
        *,
        now: datetime,
        replay: bool = False,
        progress: Progress = None,
    ) -> FileReport:
        """Parse a stored EDI payload as a stream, in units of work of `batch_size`."""
        run = _EdiRun(
            FileReport(source, raw_id),
            self.partners.by_sender(),
            replay,
            self._cases_of(raw_id) if replay else set(),
        )
        batch: list[TransactionResult] = []
        strict = partial(_strict_totals, run.partners)
        # first pass over the stored copy: envelopes only, so a set whose GE or IEA is
        # wrong is known to be rejected before it could become an order (docs/edi-x12.md)
        verdict = scan_envelopes(self.files.open(raw_id), file=source)
        for result in iter_transactions(self.files.open(raw_id), file=source,
                                        strict_totals=strict, verdict=verdict):
            if result.status is ResultStatus.NOTE:  # filler bytes, ISA padding: said, not fatal
                run.report.skipped.extend(f"noted: {w.message}" for w in result.warnings)
                continue
            key = _interchange(result)
            if not self._admit(key, run, raw_id):
                continue
            if result.status is ResultStatus.ERROR:
                run.status[key] = "rejected"
            group = (key[1], result.envelope.group_control or "", result.envelope.group_index)
            if group[1] and not replay and not _in_rejected_interchange(result):
                # a replay sends no second 997; a rejected interchange gets a TA1 instead
                if run.groups and group not in run.groups:  # the stream moved past them
                    self._acknowledge_groups(run.groups, raw_id, now, run.report)
                    run.groups = {}
                run.groups.setdefault(group, []).append(with_order_removed(result))
            if result.rejection is not None:  # its group's or interchange's case says why
                run.report.add(_rejected_with_envelope(result))
                continue
            batch.append(result)
            if len(batch) >= self.app.settings.batch_size:
                self._edi_batch(batch, run, now, progress)
                batch = []
        self._edi_batch(batch, run, now, progress)
        self._acknowledge_groups(run.groups, raw_id, now, run.report)
        self.registry.record({k: v for k, v in run.status.items() if k[1]}, raw_id=raw_id, now=now)
        return run.report

    def _admit(self, key: tuple[str, str], run: _EdiRun, raw_id: str) -> bool:
        """False for an interchange accepted before (a resend); checked once per interchange."""
        if key in run.status:
            return True
        if key in run.skipped:
            return False
        earlier = None if run.replay else self.registry.accepted_before(*key)
        if earlier and earlier != raw_id:
            run.skipped.add(key)
            run.report.skipped.append(
                f"interchange {key[1]} from {key[0]} already accepted (raw {earlier})"
            )
            return False
        run.status[key] = "accepted"
        return True

    def _edi_batch(
        self, batch: list[TransactionResult], run: _EdiRun, now: datetime, progress: Progress
    ) -> None:
        """One unit of work: load the context the batch needs, judge it, commit."""
        if not batch:
            return
        customers, items = _keys(batch, run.partners)
        known = self._identifier_keys(customers, items)
        items |= {*known.cross_refs.values(), *known.gtins.values(), *known.mfr_parts.values()}
        canonical = [to_canonical(r.order) if r.order is not None else None for r in batch]
        mapped = [doc for doc in canonical if doc is not None]
        docs: list[dict[str, Any]] = []
        ids = {str(d.get("order_id")) for d in mapped}
        need = Need(customers=frozenset(customers), items=frozenset(items),
                    keys=frozenset(ids), since=_earliest(batch), probes=probes_for(mapped))
        with self.app.uow() as uow:
            pipeline = uow.hydrate(need)
            pipeline.known_cases = run.opened
            keys = replace(known, items=pipeline.ctx.items)
            seen = known_orders(uow.idempotency(), mapped)
            for result, doc in zip(batch, canonical, strict=True):
                outcome = self._one(pipeline, seen, result, doc, run, now, docs, keys)
                if outcome is None:
                    continue
                run.report.add(outcome)
                if outcome["status"] == "rejected":
                    run.status[_interchange(result)] = "rejected"
            self.registry.save_documents(docs, uow.connection)  # with the orders they answer
            uow.commit(pipeline.take_changes())
        for d in docs:
            run.report.acknowledge({k: d[k] for k in ("kind", "partner", "order_id")})
        if progress:
            progress(len(batch))

    def _one(
        self,
        pipeline: Pipeline,
        seen: dict[str, Any],
        result: TransactionResult,
        doc: dict[str, Any] | None,
        run: _EdiRun,
        now: datetime,
        docs: list[dict[str, Any]],
        keys: ItemKeys,
    ) -> dict[str, Any] | None:
        """Judge one transaction; an accepted order gets its 855."""
        raw_id, source = run.report.raw_id, run.report.source
        if result.status is ResultStatus.UNSUPPORTED:
            return {
                "status": "unsupported",
                "transaction_set": result.envelope.transaction_set,
                "transaction_control": result.envelope.transaction_control,
            }
        if result.status is ResultStatus.ERROR:
            messages = "; ".join(e.message for e in result.errors) or "unreadable"
            reason = f"EDI file {source} rejected: {messages}."
            if is_fatal_interchange_error(result) and not run.replay:
                docs.append(self._ta1_doc(result, raw_id, now))
            return fail(
                pipeline,
                subject=edi_subject(raw_id, result),
                raw_id=raw_id,
                order_id=None,
                reason=reason,
                now=now,
                evidence=edi_evidence(raw_id, source, result),
            )
        assert doc is not None  # an ok result always carries its order
        outcome, canonical = accept_edi(
            pipeline,
            seen,
            result,
            doc,
            partners=run.partners,
            raw_id=raw_id,
            source=source,
            now=now,
            keys=keys,
        )
        if result.warnings and outcome["status"] != "rejected":
            _note_on_order(outcome, result, pipeline)
        if (
            canonical is not None
            and not outcome.get("replayed")
            and outcome["status"] != "rejected"
        ):
            acks = line_acks(outcome["cases"], outcome["order_id"], pipeline)
            control = self._next_control()
            body = build_855(
                canonical,
                acks,
                sender=OUR_ID,
                interchange_control=control,
                group_control=control,
                now=now,
            )
            partner = canonical["edi"]["sender_id"] or ""
            docs.append(
                {
                    "kind": "855",
                    "partner": partner.strip(),
                    "order_id": outcome["order_id"],
                    "raw_id": raw_id,
                    "created_at": now,
                    "body": body,
                }
            )
        return outcome

    def _acknowledge_groups(  # one 997 per functional group, written as each group ends
        self,
        groups: dict[_Group, list[TransactionResult]],
        raw_id: str,
        now: datetime,
        report: FileReport,
    ) -> None:
        docs = []
        for results in groups.values():  # one 997 per GS occurrence, even for a repeated GS06
            control = self._next_control()
            try:
                body = build_997(
                    results, interchange_control=control, group_control=control, now=now
                )
            except ValueError:
                continue
            sender = (results[0].envelope.sender_id or "").strip()
            docs.append(
                {
                    "kind": "997",
                    "partner": sender,
                    "order_id": None,
                    "raw_id": raw_id,
                    "created_at": now,
                    "body": body,
                }
            )
        self.registry.save_documents(docs)
        for d in docs:
            report.acknowledge({"kind": "997", "partner": d["partner"], "order_id": None})

    def _ta1_doc(self, result: TransactionResult, raw_id: str, now: datetime) -> dict[str, Any]:
        """The TA1 that rejects an interchange whose IEA is wrong or missing."""
        body = build_ta1(result, interchange_control=self._next_control(), now=now)
        return {"kind": "TA1", "partner": (result.envelope.sender_id or "").strip(),
                "order_id": None, "raw_id": raw_id, "created_at": now, "body": body}

    def _identifier_keys(self, customers: set[str], values: set[str]) -> ItemKeys:
        """Cross-references, GTINs and manufacturer parts the batch's identifiers name."""
        if not values:
            return ItemKeys()
        x, i = t.item_cross_references, t.items
        gtins = sorted({g for v in values if (g := gtin14(v))})
        ordered = sorted(values)
        refs: dict[tuple[str, str, str], str] = {}
        found: list[Any] = []
        with self.app.engine.connect() as conn:  # one query per 900 values, never per line
            for n in range(0, max(len(ordered), len(gtins)), _CHUNK):
                part, codes = ordered[n:n + _CHUNK], gtins[n:n + _CHUNK]
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

    def _next_control(self) -> int:
        """Interchange control numbers for outbound documents: one count, then in memory."""
        if not hasattr(self, "_control"):
            with self.app.engine.connect() as conn:
                self._control = int(
                    conn.execute(select(func.count()).select_from(t.edi_outbound)).scalar_one()
                )
        self._control += 1
        return self._control


_CHUNK = 900  # values per IN list: under SQLite's bound-parameter limit


@dataclass
class _EdiRun:
    """State of one pass over an EDI payload."""

    report: FileReport
    partners: dict[tuple[str, str], TradingPartner]
    replay: bool
    opened: set[str]
    groups: dict[_Group, list[TransactionResult]] = field(default_factory=dict)
    status: dict[tuple[str, str], str] = field(default_factory=dict)
    skipped: set[tuple[str, str]] = field(default_factory=set)


_Group = tuple[str, str, int | None]
"""(ISA13, GS06, which GS of the file): a 997 acknowledges one GS occurrence."""


def _strict_totals(partners: dict[tuple[str, str], TradingPartner], env: Envelope) -> bool:
    """Whether the sender's trading partner rejects CTT01/CTT02 disagreements."""
    partner = partners.get(partner_key(env.sender_qualifier, env.sender_id))
    return partner is not None and partner.strict_totals


def _note_on_order(outcome: dict[str, Any], result: TransactionResult,
                   pipeline: Pipeline) -> None:
    """Put what the 850 reader noted (CTT disagreement, unknown segment) on the order's
    file-report entry and on the evidence of every case the order opened."""
    notes = [w.to_dict() for w in result.warnings]
    outcome["notes"] = notes
    for case_id in outcome.get("cases", ()):
        case = pipeline.changes.new_cases.get(case_id)
        if case is not None:
            case.evidence.setdefault("edi_notes", notes)


def _in_rejected_interchange(result: TransactionResult) -> bool:
    """A result inside an interchange rejected by its IEA (no 997 for its groups)."""
    return result.rejection is not None and result.rejection.scope is Scope.INTERCHANGE


def _rejected_with_envelope(result: TransactionResult) -> dict[str, Any]:
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


def _interchange(result: TransactionResult) -> tuple[str, str]:
    """(sender, ISA13) of a result's interchange."""
    env = result.envelope
    return (
        f"{env.sender_qualifier or ''}/{(env.sender_id or '').strip()}",
        (env.interchange_control or "").strip(),
    )


def _keys(
    batch: list[TransactionResult], partners: dict[tuple[str, str], TradingPartner]
) -> tuple[set[str], set[str]]:
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


def _earliest(batch: list[TransactionResult]) -> Any:
    days = [r.order.order_date for r in batch if r.order is not None]
    return min(days) if days else None
