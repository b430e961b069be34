"""The facts a committed unit of work published: derived from what it wrote, nothing else."""

from __future__ import annotations

from ordex.domain.cases import Case
from ordex.domain.events import (
    CaseChanged,
    CaseOpened,
    ErpCommandsQueued,
    Fact,
    HoldLines,
    HoldPlaced,
    OrderAccepted,
)
from ordex.orchestrate.changes import Changes


def facts_of(changes: Changes) -> list[Fact]:
    """Orders accepted, cases opened and moved, holds placed, ERP commands queued."""
    accepted = {o.order_id for o, _raw, _key in changes.orders}
    facts: list[Fact] = [OrderAccepted(r.order_id, r.status) for r in changes.results
                         if r.order_id in accepted]
    facts += [_opened(c) for c in changes.new_cases.values()]
    facts += [CaseChanged(c.case_id, c.state.value, c.assignee)
              for c in changes.dirty_cases.values()]
    facts += [HoldPlaced(m.command.order_id, m.command.lines, m.command.case_id)
              for m in changes.outbox if isinstance(m.command, HoldLines)]
    facts += changes.clock_facts
    if changes.outbox:
        facts.append(ErpCommandsQueued(len(changes.outbox)))
    return facts


def _opened(case: Case) -> CaseOpened:
    return CaseOpened(case.case_id, case.code.value, case.queue.value, case.order_id)
