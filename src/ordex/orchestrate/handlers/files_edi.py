"""The EDI X12 file handler: store raw, parse as a stream, judge each 850, write 997 and 855.

Crash-safe and exactly once (docs/edi-x12.md, "Resume"): every unit of work writes its orders
with the documents that answer them; the last one also records the interchanges and marks the
file processed, so a file interrupted anywhere is finished by a resend of the same bytes or by
`ResumeUnfinished`, and a re-run writes no order, case or document twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

from ordex.domain.cases import case_id_for
from ordex.domain.codes import ExceptionCode
from ordex.domain.commands import IngestEdiFile, Progress
from ordex.interpret.recent import probes_for
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.edi_acks import Group, Outbound, ack_997
from ordex.orchestrate.edi_batch import (
    Prepared,
    batch_keys,
    earliest,
    edi_position,
    in_rejected_interchange,
    interchange,
    judge_one,
    rejected_with_envelope,
    strict_totals,
)
from ordex.orchestrate.file_intake import edi_subject, known_orders, with_order_removed
from ordex.orchestrate.handlers.files_common import (
    FileTools,
    claim_file,
    end_batch,
    note_resumed,
    opened,
)
from ordex.orchestrate.ports import FileUnitOfWork, Need
from ordex.orchestrate.report import IntakeReport
from ordex.sense.edi_partners import TradingPartner
from ordex.sense.x12 import iter_transactions, to_canonical
from ordex.sense.x12.envelope import scan_envelopes
from ordex.sense.x12.model import ResultStatus, TransactionResult


def ingest_edi_file(cmd: IngestEdiFile, uow: FileUnitOfWork, *, now: datetime,
                    tools: FileTools) -> IntakeReport:
    """Store an EDI file raw, then read every interchange in it (resends are recognised).

    Identical bytes received before are not processed again, unless their processing
    stopped before its end: then it is resumed from the stored copy.
    """
    reader = EdiReader(uow=uow, tools=tools)
    if cmd.raw_id is not None:
        return reader.process(cmd.raw_id, cmd.source, now=now, progress=cmd.progress)
    with opened(path=cmd.path, stream=cmd.stream) as handle:
        stored = tools.files.store(handle, source=cmd.source, channel="edi", now=now)
    if stored.earlier is not None and stored.processed:
        report = IntakeReport(cmd.source, stored.raw_id, "edi")
        report.skipped.append(f"identical file already received (raw {stored.earlier})")
        return report
    report = reader.process(stored.raw_id, cmd.source, now=now, progress=cmd.progress)
    note_resumed(report.skipped, stored, when=True)
    return report


class EdiReader:
    """One EDI file read through units of work of the batching's size."""

    def __init__(self, *, uow: FileUnitOfWork, tools: FileTools) -> None:
        self.uow, self.tools = uow, tools

    def process(
        self,
        raw_id: str,
        source: str,
        *,
        now: datetime,
        replay: bool = False,
        progress: Progress = None,
    ) -> IntakeReport:
        """Parse a stored EDI payload as a stream, in units of work of the batching's size."""
        run = _EdiRun(IntakeReport(source, raw_id, "edi"), raw_id,
                      self.tools.lookups.partners(), replay)
        batch: list[TransactionResult] = []
        for result in self._admitted(raw_id, source, run):
            self._track_group(result, run, now)
            if result.rejection is not None:  # its group's or interchange's case says why
                run.report.add(rejected_with_envelope(result), edi_position(source, result))
                continue
            batch.append(result)
            if self.tools.batching.full(len(batch)):
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
        verdict = scan_envelopes(self.tools.files.open(raw_id), file=source)
        for result in iter_transactions(self.tools.files.open(raw_id), file=source,
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
        earlier = None if run.replay else self.tools.lookups.accepted_before(*key)
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
        raw_id = run.raw_id
        prepared = self._prepare(batch, run) if batch else None
        with self.uow as uow:
            claim_file(uow, raw_id)
            docs = list(run.pending)
            changes = self._judge(uow, batch, prepared, run, now, docs) if prepared else None
            written = uow.files.write_outbound(docs, now=now)
            if last:
                uow.files.record_interchanges({k: v for k, v in run.status.items() if k[1]},
                                              raw_id=raw_id, now=now)
            end_batch(uow, raw_id, last=last, at=self.tools.clock())
            uow.commit(changes)
        run.pending = []
        for d in written:
            run.report.acknowledge({"kind": d.kind, "partner": d.partner, "order_id": d.order_id})
        if progress and batch:
            progress(len(batch))

    def _prepare(self, batch: list[TransactionResult], run: _EdiRun) -> Prepared:
        """What judging a batch needs, read before its unit of work begins."""
        customers, items = batch_keys(batch, run.partners)
        known = self.tools.lookups.identifier_keys(customers, items)
        items |= {*known.cross_refs.values(), *known.gtins.values(), *known.mfr_parts.values()}
        canonical = [to_canonical(r.order) if r.order is not None else None for r in batch]
        mapped = [doc for doc in canonical if doc is not None]
        need = Need(customers=frozenset(customers), items=frozenset(items),
                    keys=frozenset(str(d.get("order_id")) for d in mapped),
                    since=earliest(batch), probes=probes_for(mapped))
        return Prepared(need, canonical, mapped, known)

    def _judge(self, uow: FileUnitOfWork, batch: list[TransactionResult], prep: Prepared,
               run: _EdiRun, now: datetime, docs: list[Outbound]) -> Changes:
        """Judge a batch inside its unit of work; failures stored before are not opened again."""
        pipeline = uow.hydrate(prep.need)
        raw_id = run.raw_id
        run.opened |= uow.files.existing_cases({case_id_for(
            edi_subject(raw_id, r), ExceptionCode.INTEGRATION_FAILURE) for r in batch})
        pipeline.known_cases = run.opened
        keys = replace(prep.known, items=pipeline.ctx.items)
        seen = known_orders(uow.idempotency(), prep.mapped)
        for result, doc in zip(batch, prep.canonical, strict=True):
            outcome = judge_one(pipeline, seen, result, doc, partners=run.partners,
                                raw_id=raw_id, source=run.report.source, replay=run.replay,
                                now=now, docs=docs, keys=keys)
            run.report.add(outcome, edi_position(run.report.source, result))
            if outcome["status"] == "rejected":
                run.status[interchange(result)] = "rejected"
        return pipeline.take_changes()


@dataclass
class _EdiRun:
    """State of one pass over an EDI payload."""

    report: IntakeReport
    raw_id: str
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
    done = [ack_997(results, raw_id=run.raw_id, group=group, now=now)
            for group, results in run.groups.items()]
    run.groups = {}
    return done
