"""Handlers for whole files (EDI X12, CSV) and for replaying quarantined input.

Part of the composition root: it wires the file store, trading partners and the EDI registry
into the pipeline the way `bootstrap.App` wires the rest.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ordex.adapters.db import tables as t
from ordex.adapters.db.state_repo import OPEN_STATES, case_from_row
from ordex.bootstrap_files.csv_files import CsvIntake
from ordex.bootstrap_files.edi import EdiIntake
from ordex.domain.errors import IllegalTransitionError, UnknownCaseError
from ordex.domain.model import RawPayload
from ordex.interpret.recent import probes_for
from ordex.orchestrate.file_intake import FileReport
from ordex.orchestrate.intake import ingest
from ordex.orchestrate.ports import Need
from ordex.sense.peek import peek_docs, peek_keys

__all__ = ["FileIntake"]


class FileIntake(EdiIntake, CsvIntake):
    """EDI and CSV files in, acknowledgments out, quarantine and replay."""

    def retry_due(self, *, now: datetime | None = None, base_hours: float = 1.0,
                  max_attempts: int = 4) -> dict[str, Any]:
        """Replay quarantined payloads whose retry is due (backoff), then route to people."""
        from ordex.bootstrap_files.retry import retry_due
        return retry_due(self, now=now or self.app.clock(), base_hours=base_hours,
                         max_attempts=max_attempts)

    def replay(self, case_id: str, *, actor: str = "ordex") -> dict[str, Any]:
        """Re-read the stored raw payload of an INTEGRATION_FAILURE case after a fix."""
        case = self.app.queries.case(case_id)
        if case is None:
            raise UnknownCaseError(f"no case {case_id}", case_id=case_id)
        if case["code"] != "INTEGRATION_FAILURE" or case["state"] not in ("open", "in_progress"):
            raise IllegalTransitionError(
                f"case {case_id} is a {case['code']} in state "
                f"{case['state']}: only open INTEGRATION_FAILURE cases "
                "can be replayed",
                case_id=case_id,
            )
        raw_id = case["evidence"]["raw_id"]
        meta = self.files.meta(raw_id) or {}
        now = self.app.clock()
        if meta.get("channel") == "edi":
            report = self.process_edi(raw_id, str(meta.get("source")), now=now, replay=True)
        else:
            report = FileReport(str(meta.get("source")), raw_id)
            for outcome in self._replay_payload(raw_id, meta, now):
                report.add(outcome)
        still = report.failed_cases
        resolved = self._resolve_fixed(raw_id, still, actor=actor)
        return {
            "case_id": case_id,
            "resolved": resolved,
            "still_failing": sorted(still),
            "summary": report.summary(),
        }

    def _replay_payload(
        self, raw_id: str, meta: dict[str, Any], now: datetime
    ) -> list[dict[str, Any]]:
        """Run a stored JSON payload through intake again, under its original raw id."""
        body = self.files.open(raw_id).read()
        stored = RawPayload(
            raw_id,
            str(meta.get("source")),
            str(meta.get("channel")),
            now,
            hashlib.sha256(body).hexdigest(),
            body,
        )
        docs = peek_docs([body])
        customers, items, earliest = peek_keys(docs)
        need = Need(customers=frozenset(customers), items=frozenset(items),
                    since=earliest or now.date(), probes=probes_for(docs),
                    keys=frozenset(str(d.get("order_id")) for d in docs))
        with self.app.uow() as uow:
            pipeline = uow.hydrate(need)
            pipeline.known_cases = self._cases_of(raw_id)
            outcomes = ingest(pipeline, uow.idempotency(), body, source=stored.source,
                              channel=stored.channel, now=now, stored=stored)
            uow.commit(pipeline.take_changes())
        return [o.result for o in outcomes]

    def _resolve_fixed(self, raw_id: str, still: set[str], *, actor: str) -> list[str]:
        """Close, in one unit of work, the payload's failure cases the replay no longer sees."""
        wanted = [c for c in self._cases_of(raw_id)
                  if c.endswith(":INTEGRATION_FAILURE") and c not in still]
        if not wanted:
            return []
        now = self.app.clock()
        with self.app.uow() as uow:
            uow.lock(Need(order_ids=frozenset(wanted)))
            rows = uow.execute(select(t.cases).where(
                t.cases.c.case_id.in_(wanted), t.cases.c.state.in_(OPEN_STATES)))
            cases = [case_from_row(r) for r in rows.mappings()]
            pipeline = uow.hydrate(Need())
            for case in cases:
                pipeline.resolve(case, actor=actor, action="RETRY", now=now,
                                 reason="replayed after a fix: the payload now reads")
            uow.commit(pipeline.take_changes())
        return sorted(c.case_id for c in cases)
