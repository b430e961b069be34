"""EDI X12 files: store raw, parse as a stream, judge each 850, write 997 and 855.

Crash-safe and exactly once (docs/edi-x12.md, "Resume"): every unit of work writes its orders
with the documents that answer them; the last one also records the interchanges and marks the
file processed, so a file interrupted anywhere is finished by a resend of the same bytes or by
`resume_unfinished`, and a re-run writes no order, case or document twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from ordex.adapters.db.files_repo import existing_cases
from ordex.adapters.db.outbound_repo import Outbound, write_outbound
from ordex.adapters.db.uow import SqlUnitOfWork
from ordex.bootstrap_files.common import Progress, Shared, claim_file, end_batch, resumed_note
from ordex.bootstrap_files.edi_acks import Group, ack_855, ack_997, ack_ta1
from ordex.bootstrap_files.edi_batch import (
    Prepared,
    batch_keys,
    earliest,
    identifier_keys,
    in_rejected_interchange,
    interchange,
    note_on_order,
    rejected_with_envelope,
    strict_totals,
)
from ordex.domain.cases import case_id_for
from ordex.domain.codes import ExceptionCode
from ordex.interpret.recent import probes_for
from ordex.orchestrate.changes import Changes
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
from ordex.sense.edi_partners import TradingPartner
from ordex.sense.identifiers import ItemKeys
from ordex.sense.x12 import iter_transactions, to_canonical
from ordex.sense.x12.envelope import scan_envelopes
from ordex.sense.x12.model import ResultStatus, TransactionResult
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
        """Store an EDI stream raw (chunked), then parse it from the stored copy.

        Identical bytes received before are not processed again, unless their processing
        stopped before its end: then it is resumed from the stored copy.
        """
        now = self.app.clock()
        stored = self.files.store(handle, source=source, channel="edi", now=now)
        if stored.earlier is not None and stored.processed:
            report = FileReport(source, stored.raw_id)
            report.skipped.append(f"identical file already received (raw {stored.earlier})")
            return report
        report = self.process_edi(stored.raw_id, source, now=now, progress=progress)
        if stored.earlier is not None:
            report.skipped.insert(0, resumed_note(stored.earlier))
        return report

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
        run = _EdiRun(FileReport(source, raw_id), self.partners.by_sender(), replay)
        batch: list[TransactionResult] = []
        for result in self._admitted(raw_id, source, run):
            self._track_group(result, run, now)
            if result.rejection is not None:  # its group's or interchange's case says why
                run.report.add(rejected_with_envelope(result))
                continue
            batch.append(result)
            if len(batch) >= self.app.settings.batch_size:
                self._edi_batch(batch, run, now, progress, last=False)
                batch = []
        run.pending.extend(_groups_done(run, now))
        self._edi_batch(batch, run, now, progress, last=True)
        return run.report

    def _admitted(self, raw_id: str, source: str, run: _EdiRun) -> Iterator[TransactionResult]:
        """The stored copy's results, but those of interchanges accepted before (resends)."""
        strict = partial(strict_totals, run.partners)
        # first pass over the stored copy: envelopes only, so a set whose GE or IEA is
        # wrong is known to be rejected before it could become an order (docs/edi-x12.md)
        verdict = scan_envelopes(self.files.open(raw_id), file=source)
        for result in iter_transactions(self.files.open(raw_id), file=source,
                                        strict_totals=strict, verdict=verdict):
            if result.status is ResultStatus.NOTE:  # filler bytes, ISA padding: said, not fatal
                run.report.skipped.extend(f"noted: {w.message}" for w in result.warnings)
                continue
            key = interchange(result)
            if not self._admit(key, run, raw_id):
                continue
            if result.status is ResultStatus.ERROR:
                run.status[key] = "rejected"
            yield result

    @staticmethod
    def _track_group(result: TransactionResult, run: _EdiRun, now: datetime) -> None:
        """Keep a result for its group's 997; groups the stream moved past get theirs queued."""
        group = (interchange(result)[1], result.envelope.group_control or "",
                 result.envelope.group_index)
        if not group[1] or run.replay or in_rejected_interchange(result):
            return  # a replay sends no second 997; a rejected interchange gets a TA1 instead
        if run.groups and group not in run.groups:  # written with the next unit of work
            run.pending.extend(_groups_done(run, now))
        run.groups.setdefault(group, []).append(with_order_removed(result))

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

    def _edi_batch(self, batch: list[TransactionResult], run: _EdiRun, now: datetime,
                   progress: Progress, *, last: bool) -> None:
        """One unit of work: the batch judged, its documents and the 997s of the groups passed
        written with it; the last also records the interchanges and finishes the file."""
        raw_id = run.report.raw_id
        prepared = self._prepare(batch, run) if batch else None
        with self.app.uow() as uow:
            claim_file(uow, raw_id)
            docs = list(run.pending)
            changes = self._judge(uow, batch, prepared, run, now, docs) if prepared else None
            written = write_outbound(uow.connection, docs, now=now)
            if last:
                self.registry.record({k: v for k, v in run.status.items() if k[1]},
                                     raw_id=raw_id, now=now, conn=uow.connection)
            end_batch(uow, raw_id, last=last, at=self.app.clock())
            uow.commit(changes)
        run.pending = []
        for d in written:
            run.report.acknowledge({"kind": d.kind, "partner": d.partner, "order_id": d.order_id})
        if progress and batch:
            progress(len(batch))

    def _prepare(self, batch: list[TransactionResult], run: _EdiRun) -> Prepared:
        """What judging a batch needs, read before its unit of work begins."""
        customers, items = batch_keys(batch, run.partners)
        known = identifier_keys(self.app.engine, customers, items)
        items |= {*known.cross_refs.values(), *known.gtins.values(), *known.mfr_parts.values()}
        canonical = [to_canonical(r.order) if r.order is not None else None for r in batch]
        mapped = [doc for doc in canonical if doc is not None]
        need = Need(customers=frozenset(customers), items=frozenset(items),
                    keys=frozenset(str(d.get("order_id")) for d in mapped),
                    since=earliest(batch), probes=probes_for(mapped))
        return Prepared(need, canonical, mapped, known)

    def _judge(self, uow: SqlUnitOfWork, batch: list[TransactionResult], prep: Prepared,
               run: _EdiRun, now: datetime, docs: list[Outbound]) -> Changes:
        """Judge a batch inside its unit of work; failures stored before are not opened again."""
        pipeline = uow.hydrate(prep.need)
        raw_id = run.report.raw_id
        run.opened |= existing_cases(uow.connection, {case_id_for(
            edi_subject(raw_id, r), ExceptionCode.INTEGRATION_FAILURE) for r in batch})
        pipeline.known_cases = run.opened
        keys = replace(prep.known, items=pipeline.ctx.items)
        seen = known_orders(uow.idempotency(), prep.mapped)
        for result, doc in zip(batch, prep.canonical, strict=True):
            outcome = self._one(pipeline, seen, result, doc, run, now, docs, keys)
            if outcome is None:
                continue
            run.report.add(outcome)
            if outcome["status"] == "rejected":
                run.status[interchange(result)] = "rejected"
        return pipeline.take_changes()

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
                docs.append(ack_ta1(result, raw_id=raw_id, now=now))
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
            note_on_order(outcome, result, pipeline)
        if (
            canonical is not None
            and not outcome.get("replayed")
            and outcome["status"] != "rejected"
        ):
            acks = line_acks(outcome["cases"], outcome["order_id"], pipeline)
            docs.append(ack_855(canonical, acks, raw_id=raw_id, order_id=outcome["order_id"],
                                now=now))
        return outcome


@dataclass
class _EdiRun:
    """State of one pass over an EDI payload."""

    report: FileReport
    partners: dict[tuple[str, str], TradingPartner]
    replay: bool
    opened: set[str] = field(default_factory=set)
    groups: dict[Group, list[TransactionResult]] = field(default_factory=dict)
    pending: list[Outbound] = field(default_factory=list)
    """997s of the groups the stream moved past, written with the next unit of work."""
    status: dict[tuple[str, str], str] = field(default_factory=dict)
    skipped: set[tuple[str, str]] = field(default_factory=set)


def _groups_done(run: _EdiRun, now: datetime) -> list[Outbound]:
    """The 997s of the groups kept so far (one per GS occurrence, even for a repeated GS06)."""
    done = [ack_997(results, raw_id=run.report.raw_id, group=group, now=now)
            for group, results in run.groups.items()]
    run.groups = {}
    return done
