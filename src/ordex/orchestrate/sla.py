"""SLA and escalation timers: what a new case schedules, and what a timer does when it fires.

Every timer is a durable work item (kind `timer`, key `<case>:<target>`, due at `not_before`),
written with the case in the transaction that opens it: a worker claims what is due with one
indexed query and completes each timer with its effect, so a timer fires once, even when no
worker ran at its time, after a restart, or when the system clock jumps (docs/orchestrate.md,
"SLA clocks"). Escalation steps are due at a share of the resolution target in working time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ordex.decide.sla import SlaClock
from ordex.decide.sla_rules import Recipient, StepAction
from ordex.domain.cases import Case
from ordex.domain.events import CaseEscalated, SlaBreached
from ordex.orchestrate.changes import Changes, LoggedEvent, Notification
from ordex.orchestrate.notices import assigned
from ordex.orchestrate.work import NewWork, WorkKind

TIMER = WorkKind.TIMER.value
RESPONSE, RESOLUTION, STEP = "response", "resolution", "step"
SYSTEM = "ordex"


def timers_for(case: Case, clock: SlaClock) -> list[NewWork]:
    """The timers a newly opened case schedules: its targets, then its queue's escalation."""
    found = []
    if case.response_due_at is not None:
        found.append(_timer(case, RESPONSE, case.response_due_at, {}))
    found.append(_timer(case, RESOLUTION, case.sla_due_at, {}))
    chain = clock.escalation.get(case.queue)
    if chain is None or not chain.steps:
        return found
    cal = clock.calendar(case.sla_calendar)
    target = cal.elapsed(case.opened_at, case.sla_due_at)
    for i, step in enumerate(chain.steps):
        named = {Recipient.LEAD: chain.lead, Recipient.MANAGER: chain.manager}.get(step.to)
        found.append(_timer(case, f"{STEP}:{i}", cal.add(case.opened_at,
                                                          target * step.at_pct / 100),
                            {"step": i, "at_pct": step.at_pct, "action": step.action.value,
                             "to": step.to.value, "recipient": named, "lead": chain.lead}))
    return found


def _timer(case: Case, target: str, due: datetime, extra: dict[str, Any]) -> NewWork:
    payload = {"case_id": case.case_id, "target": target.split(":")[0], **extra}
    return NewWork(TIMER, f"{case.case_id}:{target}", payload, due, case.case_id)


def fire(case: Case, payload: dict[str, Any], *, due: datetime, now: datetime,
         changes: Changes) -> None:
    """What a due timer does to its open, running case (audited, logged, published)."""
    target = payload["target"]
    if target == STEP:
        _escalate(case, payload, now=now, changes=changes)
        return
    if target == RESPONSE and case.responded_at is not None:
        return  # a person touched it in time: nothing to record
    breach = SlaBreached(case.case_id, target, due, now, case.queue.value)
    changes.audit.append(case.note(
        actor=SYSTEM, at=now, action=f"sla_breach_{target}",
        reason=f"{target} target missed: due {due.isoformat()}"))
    changes.touch(case)
    changes.clock_facts.append(breach)
    changes.events.append(LoggedEvent("SlaBreached", now, {
        "case_id": case.case_id, "target": target, "due_at": due.isoformat(),
        "queue": case.queue.value}))


def _escalate(case: Case, payload: dict[str, Any], *, now: datetime, changes: Changes) -> None:
    step, action = int(payload["step"]), StepAction(payload["action"])
    recipient = (case.assignee or payload.get("lead") or f"queue:{case.queue.value}"
                 if payload["to"] == Recipient.OWNER.value else str(payload["recipient"]))
    what = f"escalation step {step + 1} at {payload['at_pct']:g}% of the resolution target"
    if action is StepAction.REASSIGN:
        was, case.assignee = case.assignee, recipient
        changes.notifications.append(assigned(case, by=SYSTEM, reason=what, now=now))
        changes.audit.append(case.note(actor=SYSTEM, at=now, action="escalate_reassign",
                                       reason=f"{what}: reassigned from {was or 'nobody'} "
                                              f"to {recipient}"))
    else:
        changes.notifications.append(Notification(recipient, "escalation", case.case_id, now, {
            "step": step, "at_pct": payload["at_pct"], "queue": case.queue.value,
            "sla_due_at": case.sla_due_at.isoformat(), "state": case.state.value},
            case.queue.value, case.customer_id, case.order_id))
        changes.audit.append(case.note(actor=SYSTEM, at=now, action="escalate_notify",
                                       reason=f"{what}: notified {recipient}"))
    changes.touch(case)
    changes.clock_facts.append(CaseEscalated(case.case_id, step, action.value, recipient, now))
    changes.events.append(LoggedEvent("CaseEscalated", now, {
        "case_id": case.case_id, "step": step, "action": action.value,
        "recipient": recipient}))
