"""CSV order files: store raw, read with the sender's profile, judge each order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ordex.bootstrap_files.common import Progress, Shared
from ordex.domain.commands import IngestOrders
from ordex.domain.errors import ParseError
from ordex.interpret.recent import probes_for
from ordex.orchestrate.file_intake import (
    FileReport,
    fail,
)
from ordex.orchestrate.handlers.intake import judge
from ordex.orchestrate.intake import batched
from ordex.orchestrate.ports import Need
from ordex.sense.csv_orders import CsvOrder, CsvProfile, read_orders


class CsvIntake(Shared):
    """CSV order files in."""

    def ingest_csv(
        self, path: Path, profile: CsvProfile, *, progress: Progress = None
    ) -> FileReport:
        """Store a CSV order file raw, then read it with the sender's profile."""
        now = self.app.clock()
        with path.open("rb") as handle:
            stored = self.files.store(handle, source=str(path), channel="csv", now=now)
        report = FileReport(str(path), stored.raw_id)
        known = self._cases_of(stored.raw_id) if stored.earlier else set()
        for batch in batched(
            self._csv_orders(stored.raw_id, profile), self.app.settings.batch_size
        ):
            bodies = [(o, f"{path}:rows {o.rows[0]}-{o.rows[1]}") for o in batch]
            for outcome in self._csv_batch(bodies, stored.raw_id, now, known):
                report.add(outcome)
            if progress:
                progress(len(batch))
        return report

    def _csv_orders(self, raw_id: str, profile: CsvProfile) -> Iterator[CsvOrder]:
        import io

        stream = io.TextIOWrapper(self.files.open(raw_id), encoding=profile.encoding, newline="")
        try:
            yield from read_orders(stream, profile)
        except UnicodeDecodeError as exc:
            raise ParseError(f"CSV file is not {profile.encoding} text: {exc}") from None

    def _csv_batch(
        self, batch: list[tuple[CsvOrder, str]], raw_id: str, now: datetime, known: set[str]
    ) -> list[dict[str, Any]]:
        """One unit of work: unreadable rows quarantined (once), the orders judged."""
        import json

        customers = {str((o.order or {}).get("customer_id", "")) for o, _ in batch}
        items = {
            str(ln.get("item_id")) for o, _ in batch for ln in (o.order or {}).get("lines", [])
        }
        out: list[dict[str, Any]] = []
        ids = {str(o.order.get("order_id")) for o, _ in batch if o.order is not None}
        need = Need(customers=frozenset(customers), items=frozenset(items), keys=frozenset(ids),
                    since=now.date(),
                    probes=probes_for(o.order for o, _ in batch if o.order is not None))
        with self.app.uow() as uow:
            pipeline = uow.hydrate(need)
            pipeline.known_cases = set(known)
            readable = [(json.dumps(o.order).encode(), src) for o, src in batch
                        if o.order is not None]
            command = IngestOrders(tuple(readable), channel="csv")
            judged = iter(judge(pipeline, uow, command, now=now, keys=ids))
            for order, source in batch:
                if order.order is None:
                    subject = f"csv-{raw_id[:16]}-r{order.rows[0]}"
                    evidence = {
                        "raw_id": raw_id,
                        "source": source,
                        "channel": "csv",
                        "rows": list(order.rows),
                        "column": order.column,
                        "errors": [{"field": order.column or "", "reason": order.error or ""}],
                    }
                    out.append(
                        fail(
                            pipeline,
                            subject=subject,
                            raw_id=raw_id,
                            order_id=None,
                            reason=f"CSV order at {source} could not be read: {order.error}.",
                            evidence=evidence,
                            now=now,
                        )
                    )
                    continue
                o = next(judged)
                out.append({**o.result, "replayed": o.replayed})
            uow.commit(pipeline.take_changes())
        return out

    # -- replay ------------------------------------------------------------------------
