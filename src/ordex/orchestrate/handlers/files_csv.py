"""The CSV order file handler: store raw, read with the sender's profile, judge each order.

Like EDI files (docs/edi-x12.md, "Resume"): the file is `received` until the unit of work of
its last batch commits `processed`; a resend of the same bytes reads it again from the stored
copy (orders accepted before are answered, not judged twice), and `ResumeUnfinished` reads
an interrupted one with the profile it was stored with.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ordex.domain.cases import case_id_for
from ordex.domain.codes import ExceptionCode
from ordex.domain.commands import IngestCsvFile, IngestOrders, Progress
from ordex.domain.errors import ParseError
from ordex.domain.positions import Position
from ordex.interpret.recent import probes_for
from ordex.orchestrate.batching import with_last
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.file_intake import fail
from ordex.orchestrate.handlers.files_common import (
    FileTools,
    claim_file,
    end_batch,
    note_resumed,
    opened,
)
from ordex.orchestrate.handlers.intake import judge
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import FileUnitOfWork, Need
from ordex.orchestrate.report import IntakeReport
from ordex.sense.csv_orders import (
    DEFAULT_PROFILE,
    CsvOrder,
    CsvProfile,
    profile_json,
    read_orders,
)

Located = tuple[CsvOrder, str]
"""An order of the file with the source its raw result names (`FILE:rows A-B`)."""


def ingest_csv_file(cmd: IngestCsvFile, uow: FileUnitOfWork, *, now: datetime,
                    tools: FileTools) -> IntakeReport:
    """Store a CSV order file raw, then read it with the sender's profile."""
    profile = (CsvProfile.from_json(json.dumps(dict(cmd.profile)), source="stored profile")
               if cmd.profile else DEFAULT_PROFILE)
    reader = CsvReader(uow=uow, tools=tools)
    if cmd.raw_id is not None:
        return reader.process(cmd.raw_id, cmd.source, profile, now=now, progress=cmd.progress)
    with opened(path=cmd.path, stream=cmd.stream) as handle:
        stored = tools.files.store(handle, source=cmd.source, channel="csv", now=now,
                                   profile=profile_json(profile))
    report = reader.process(stored.raw_id, cmd.source, profile, now=now,
                            progress=cmd.progress)
    note_resumed(report.skipped, stored, when=not stored.processed)
    return report


class CsvReader:
    """One CSV file read through units of work of the batching's size."""

    def __init__(self, *, uow: FileUnitOfWork, tools: FileTools) -> None:
        self.uow, self.tools = uow, tools

    def process(self, raw_id: str, source: str, profile: CsvProfile, *, now: datetime,
                    progress: Progress = None) -> IntakeReport:
        """Read a stored CSV file in units of work; the last one marks it processed."""
        report = IntakeReport(source, raw_id, "csv")
        batches = self.tools.batching.batches(self._csv_orders(raw_id, profile))
        for batch, last in with_last(batches):
            bodies = [(o, f"{source}:rows {o.rows[0]}-{o.rows[1]}") for o in batch]
            for (order, _), outcome in zip(bodies, self._csv_batch(bodies, raw_id, now,
                                                                   last=last), strict=True):
                report.add(outcome, Position(source, rows=order.rows))
            if progress and batch:
                progress(len(batch))
        return report

    def _csv_orders(self, raw_id: str, profile: CsvProfile) -> Iterator[CsvOrder]:
        stream = io.TextIOWrapper(self.tools.files.open(raw_id), encoding=profile.encoding,
                                  newline="")
        try:
            yield from read_orders(stream, profile)
        except UnicodeDecodeError as exc:
            raise ParseError(f"CSV file is not {profile.encoding} text: {exc}") from None

    def _csv_batch(self, batch: list[Located], raw_id: str, now: datetime, *,
                   last: bool) -> list[dict[str, Any]]:
        """One unit of work: unreadable rows quarantined (once), the orders judged."""
        out: list[dict[str, Any]] = []
        with self.uow as uow:
            claim_file(uow, raw_id)
            changes = self._csv_judge(uow, batch, raw_id, now, out) if batch else None
            end_batch(uow, raw_id, last=last, at=self.tools.clock())
            uow.commit(changes)
        return out

    def _csv_judge(self, uow: FileUnitOfWork, batch: list[Located], raw_id: str,
                   now: datetime, out: list[dict[str, Any]]) -> Changes:
        """Judge a batch's readable orders, quarantine its unreadable rows; the changes."""
        orders = [o.order for o, _ in batch if o.order is not None]
        ids = {str(o.get("order_id")) for o in orders}
        need = Need(customers=frozenset(str(o.get("customer_id", "")) for o in orders),
                    items=frozenset(str(ln.get("item_id")) for o in orders
                                    for ln in o.get("lines", [])),
                    keys=frozenset(ids), since=now.date(), probes=probes_for(orders))
        pipeline = uow.hydrate(need)
        unreadable = {_subject(raw_id, o): o for o, _ in batch if o.order is None}
        pipeline.known_cases = uow.files.existing_cases({
            case_id_for(s, ExceptionCode.INTEGRATION_FAILURE) for s in unreadable})
        readable = [(json.dumps(o.order).encode(), src) for o, src in batch
                    if o.order is not None]
        command = IngestOrders(tuple(readable), channel="csv")  # rows: process() reports them
        judged = iter(judge(pipeline, uow, command, now=now, keys=ids))
        for order, source in batch:
            if order.order is None:
                out.append(_quarantine(pipeline, order, source, raw_id, now))
                continue
            o = next(judged)
            out.append({**o.result, "replayed": o.replayed})
        return pipeline.take_changes()


def _subject(raw_id: str, order: CsvOrder) -> str:
    return f"csv-{raw_id[:16]}-r{order.rows[0]}"


def _quarantine(pipeline: Pipeline, order: CsvOrder, source: str, raw_id: str,
                now: datetime) -> dict[str, Any]:
    """The INTEGRATION_FAILURE case of rows that do not read as an order (opened once)."""
    errors = ({"field": order.column or "(row)", "reason": order.error or "unreadable"},)
    evidence = {"raw_id": raw_id, "source": source, "channel": "csv",
                "rows": list(order.rows), "column": order.column,
                "errors": [{"field": order.column or "", "reason": order.error or ""}]}
    return fail(pipeline, subject=_subject(raw_id, order), raw_id=raw_id, order_id=None,
                reason=f"CSV order at {source} could not be read: {order.error}.",
                evidence=evidence, now=now, errors=errors)
