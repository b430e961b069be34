"""Handlers that read stored input again: replay of a quarantined payload, retry with
backoff, resume of unfinished files, and the trading partners files are read with.

Retry (`RetryDue`): an open INTEGRATION_FAILURE case is replayed when its retry is due:
`base_hours` after it opened, then after 2×, 4×, … that interval. Every attempt is written to
the audit log (action `retry`); a replay that now reads resolves the case (action RETRY).
After `max_attempts` failed attempts the case is escalated (action `escalate`) and left to
the integration queue's people; it is not retried again. It is idempotent for a given `at`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from ordex.domain.cases import ACTIVE_STATES, AuditEntry
from ordex.domain.commands import LoadTradingPartners, ReplayCase, RetryDue
from ordex.domain.errors import IllegalTransitionError, UnknownCaseError
from ordex.domain.model import RawPayload
from ordex.interpret.recent import probes_for
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.handlers.files_common import FileTools
from ordex.orchestrate.handlers.files_edi import EdiReader
from ordex.orchestrate.intake import Outcome, ingest
from ordex.orchestrate.ports import FileUnitOfWork, Need
from ordex.orchestrate.report import IntakeReport
from ordex.orchestrate.stored_files import FileState
from ordex.sense.peek import peek_docs, peek_keys

RETRY_ACTOR = "ordex-retry"
REPLAYABLE = tuple(s.value for s in ACTIVE_STATES)


def replay_case(cmd: ReplayCase, uow: FileUnitOfWork, *, now: datetime,
                tools: FileTools) -> dict[str, Any]:
    """Re-read the stored raw payload of an INTEGRATION_FAILURE case after a fix."""
    raw_id = _replayable_raw(uow, cmd.case_id)
    meta = tools.files.meta(raw_id) or {}
    if meta.get("channel") == "edi":  # a file never finished is resumed, 997s and all
        finished = tools.files.state(raw_id) is not FileState.RECEIVED
        report = EdiReader(uow=uow, tools=tools).process(raw_id, str(meta.get("source")),
                                                         now=now, replay=finished)
    else:
        report = IntakeReport(str(meta.get("source")), raw_id, str(meta.get("channel")))
        for outcome in _replay_payload(uow, tools, raw_id, meta, now):
            report.add(outcome.result, outcome.position)
    still = report.failed_cases
    resolved = _resolve_fixed(uow, tools, raw_id, still, actor=cmd.actor, now=now)
    return {"case_id": cmd.case_id, "resolved": resolved, "still_failing": sorted(still),
            "summary": report.summary()}


def _replayable_raw(uow: FileUnitOfWork, case_id: str) -> str:
    """The raw payload of an open INTEGRATION_FAILURE case; refuse any other case."""
    with uow:
        case = uow.cases.get(case_id)
    if case is None:
        raise UnknownCaseError(f"no case {case_id}", case_id=case_id)
    if case.code.value != "INTEGRATION_FAILURE" or case.state.value not in REPLAYABLE:
        raise IllegalTransitionError(
            f"case {case_id} is a {case.code.value} in state {case.state.value}: only open "
            "INTEGRATION_FAILURE cases can be replayed", case_id=case_id)
    if "raw_id" not in case.evidence:  # an ERP command that died: the outbox replays it
        raise IllegalTransitionError(
            f"case {case_id} is an ERP command that failed for good, not a received payload: "
            f"put it back with `ordex outbox replay {case_id}` or "
            f"POST /outbox/messages/{case_id}/replay", case_id=case_id)
    return str(case.evidence["raw_id"])


def _replay_payload(uow: FileUnitOfWork, tools: FileTools, raw_id: str,
                    meta: dict[str, Any], now: datetime) -> list[Outcome]:
    """Run a stored JSON payload through intake again, under its original raw id."""
    body = tools.files.open(raw_id).read()
    stored = RawPayload(raw_id, str(meta.get("source")), str(meta.get("channel")), now,
                        hashlib.sha256(body).hexdigest(), body)
    docs = peek_docs([body])
    customers, items, earliest = peek_keys(docs)
    need = Need(customers=frozenset(customers), items=frozenset(items),
                since=earliest or now.date(), probes=probes_for(docs),
                keys=frozenset(str(d.get("order_id")) for d in docs))
    known = tools.lookups.cases_of_file(raw_id)
    with uow:
        pipeline = uow.hydrate(need)
        pipeline.known_cases = known
        outcomes = ingest(pipeline, uow.idempotency(), body, source=stored.source,
                          channel=stored.channel, now=now, stored=stored)
        uow.commit(pipeline.take_changes())
    return outcomes


def _resolve_fixed(uow: FileUnitOfWork, tools: FileTools, raw_id: str, still: set[str], *,
                   actor: str, now: datetime) -> list[str]:
    """Close, in one unit of work, the payload's failure cases the replay no longer sees."""
    wanted = [c for c in tools.lookups.cases_of_file(raw_id)
              if c.endswith(":INTEGRATION_FAILURE") and c not in still]
    if not wanted:
        return []
    with uow:
        uow.lock(Need(order_ids=frozenset(wanted)))
        cases = uow.files.open_cases(wanted)
        pipeline = uow.hydrate(Need())
        for case in cases:
            pipeline.resolve(case, actor=actor, action="RETRY", now=now,
                             reason="replayed after a fix: the payload now reads")
        uow.commit(pipeline.take_changes())
    return sorted(c.case_id for c in cases)


def retry_due(cmd: RetryDue, uow: FileUnitOfWork, *, now: datetime,
              tools: FileTools) -> dict[str, Any]:
    """Replay every quarantined payload with a retry due; audit, resolve or escalate."""
    at, base = cmd.at or now, timedelta(hours=cmd.base_hours)
    due = [r for r in tools.lookups.failure_attempts()
           if _due(r, at, base, cmd.max_attempts)]
    by_raw: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in due:
        by_raw[str(row["evidence"].get("raw_id"))].append(row)
    resolved: list[str] = []
    notes: list[AuditEntry] = []
    for rows in by_raw.values():
        outcome = replay_case(ReplayCase(rows[0]["case_id"], RETRY_ACTOR), uow, now=now,
                              tools=tools)
        resolved += outcome["resolved"]
        notes += _attempt_notes([r for r in rows if r["case_id"] not in outcome["resolved"]],
                                at, cmd.max_attempts)
    if notes:
        with uow:
            uow.commit(Changes(audit=notes))
    return {"due": len(due), "resolved": sorted(resolved),
            "still_failing": sorted({n.case_id for n in notes}),
            "escalated": sorted(n.case_id for n in notes if n.action == "escalate")}


def _due(row: dict[str, Any], now: datetime, base: timedelta, max_attempts: int) -> bool:
    """Whether a failure case's next retry is due (never after its last attempt)."""
    attempts = row["n"] or 0
    if attempts >= max_attempts:
        return False
    since = row["last"] if attempts else row["opened_at"]
    return since is not None and now >= since + base * (2 ** attempts)


def _attempt_notes(rows: list[dict[str, Any]], at: datetime,
                   max_attempts: int) -> list[AuditEntry]:
    """The audit entries of a failed attempt on each case; the last one escalates too."""
    notes: list[AuditEntry] = []
    for row in rows:
        n = (row["n"] or 0) + 1
        notes.append(AuditEntry(row["case_id"], at, RETRY_ACTOR, "retry", "open", "open",
                                f"retry {n} of {max_attempts}: the payload still fails"))
        if n >= max_attempts:
            notes.append(AuditEntry(row["case_id"], at, RETRY_ACTOR, "escalate", "open",
                                    "open", f"{max_attempts} retries failed: needs a person"))
    return notes


def load_trading_partners(cmd: LoadTradingPartners, uow: FileUnitOfWork, *,
                          now: datetime) -> int:
    """Replace the trading partners EDI files are read with."""
    with uow:
        uow.files.replace_partners(list(cmd.partners))
        uow.commit()
    return len(cmd.partners)
