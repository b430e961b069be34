"""CSV order files: store raw, read with the sender's profile, judge each order.

Like EDI files (docs/edi-x12.md, "Resume"): the file is `received` until the unit of work of
its last batch commits `processed`; a resend of the same bytes reads it again from the stored
copy (orders accepted before are answered, not judged twice), and `resume_unfinished` reads
an interrupted one with the profile it was stored with.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ordex.adapters.db.files_repo import existing_cases
from ordex.adapters.db.uow import SqlUnitOfWork
from ordex.bootstrap_files.common import (
    Progress,
    Shared,
    claim_file,
    end_batch,
    resumed_note,
    with_last,
)
from ordex.domain.cases import case_id_for
from ordex.domain.codes import ExceptionCode
from ordex.domain.commands import IngestOrders
from ordex.domain.errors import ParseError
from ordex.interpret.recent import probes_for
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.file_intake import FileReport, fail
from ordex.orchestrate.handlers.intake import judge
from ordex.orchestrate.intake import batched
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need
from ordex.sense.csv_orders import CsvOrder, CsvProfile, read_orders

Located = tuple[CsvOrder, str]
"""An order of the file with where it sits (`FILE:rows A-B`)."""


def profile_json(profile: CsvProfile) -> dict[str, Any]:
    """A profile as stored with its file (read back with `CsvProfile.from_json`)."""
    return json.loads(json.dumps(dataclasses.asdict(profile)))


class CsvIntake(Shared):
    """CSV order files in."""

    def ingest_csv(
        self, path: Path, profile: CsvProfile, *, progress: Progress = None
    ) -> FileReport:
        """Store a CSV order file raw, then read it with the sender's profile."""
        now = self.app.clock()
        with path.open("rb") as handle:
            stored = self.files.store(handle, source=str(path), channel="csv", now=now,
                                      profile=profile_json(profile))
        report = self.process_csv(stored.raw_id, str(path), profile, now=now,
                                  progress=progress)
        if stored.earlier is not None and not stored.processed:
            report.skipped.insert(0, resumed_note(stored.earlier))
        return report

    def process_csv(self, raw_id: str, source: str, profile: CsvProfile, *, now: datetime,
                    progress: Progress = None) -> FileReport:
        """Read a stored CSV file in units of work; the last one marks it processed."""
        report = FileReport(source, raw_id)
        batches = batched(self._csv_orders(raw_id, profile), self.app.settings.batch_size)
        for batch, last in with_last(batches):
            bodies = [(o, f"{source}:rows {o.rows[0]}-{o.rows[1]}") for o in batch]
            for outcome in self._csv_batch(bodies, raw_id, now, last=last):
                report.add(outcome)
            if progress and batch:
                progress(len(batch))
        return report

    def _csv_orders(self, raw_id: str, profile: CsvProfile) -> Iterator[CsvOrder]:
        stream = io.TextIOWrapper(self.files.open(raw_id), encoding=profile.encoding, newline="")
        try:
            yield from read_orders(stream, profile)
        except UnicodeDecodeError as exc:
            raise ParseError(f"CSV file is not {profile.encoding} text: {exc}") from None

    def _csv_batch(self, batch: list[Located], raw_id: str, now: datetime, *,
                   last: bool) -> list[dict[str, Any]]:
        """One unit of work: unreadable rows quarantined (once), the orders judged."""
        out: list[dict[str, Any]] = []
        with self.app.uow() as uow:
            claim_file(uow, raw_id)
            changes = self._csv_judge(uow, batch, raw_id, now, out) if batch else None
            end_batch(uow, raw_id, last=last, at=self.app.clock())
            uow.commit(changes)
        return out

    def _csv_judge(self, uow: SqlUnitOfWork, batch: list[Located], raw_id: str,
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
        pipeline.known_cases = existing_cases(uow.connection, {
            case_id_for(s, ExceptionCode.INTEGRATION_FAILURE) for s in unreadable})
        readable = [(json.dumps(o.order).encode(), src) for o, src in batch
                    if o.order is not None]
        command = IngestOrders(tuple(readable), channel="csv")
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
    evidence = {"raw_id": raw_id, "source": source, "channel": "csv",
                "rows": list(order.rows), "column": order.column,
                "errors": [{"field": order.column or "", "reason": order.error or ""}]}
    return fail(pipeline, subject=_subject(raw_id, order), raw_id=raw_id, order_id=None,
                reason=f"CSV order at {source} could not be read: {order.error}.",
                evidence=evidence, now=now)
