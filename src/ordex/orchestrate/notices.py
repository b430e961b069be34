"""The notifications that case work writes: a case assigned, an approval waiting."""

from __future__ import annotations

from datetime import datetime

from ordex.domain.approvals import Approval
from ordex.domain.cases import Case
from ordex.orchestrate.changes import Notification
from ordex.orchestrate.notify import EventType


def assigned(case: Case, *, by: str, reason: str, now: datetime) -> Notification:
    """`case.assigned` for the case's new assignee."""
    return Notification(case.assignee, EventType.CASE_ASSIGNED.value, case.case_id, now, {
        "by": by, "reason": reason, "code": case.code.value, "order_id": case.order_id,
        "priority": case.priority, "sla_due_at": case.sla_due_at.isoformat(),
        "value_at_risk": str(case.value_at_risk)}, case.queue.value, case.customer_id,
        case.order_id)


def approval_waiting(case: Case, step: Approval, *, now: datetime) -> Notification:
    """`approval.waiting` for every holder of the role the pending level needs."""
    return Notification(f"role:{step.role}", EventType.APPROVAL_WAITING.value, case.case_id,
                        now, {"approval_id": step.approval_id, "level": step.level,
                              "role": step.role, "action": step.action,
                              "amount": str(step.amount), "requested_by": step.requested_by,
                              "reason": step.reason, "due_at": step.due_at.isoformat(),
                              "order_id": case.order_id},
                        step.queue or case.queue.value, case.customer_id, case.order_id)
