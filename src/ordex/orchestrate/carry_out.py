"""Carry out a decision: queue the ERP commands it implies, keep ordex's reservations in step,
record the commands on the case, and note what changes for the customer.

Used alike by policy (auto-resolution), by a person's resolution and by re-evaluation (a
receipt that arrives late revises the promise).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.erp_commands import CancelLine, ChangeQuantity, ErpCommand, json_ready
from ordex.domain.model import Order
from ordex.orchestrate.changes import OutboxMessage
from ordex.orchestrate.customer_changes import order_change
from ordex.orchestrate.decision_commands import commands_for

if TYPE_CHECKING:
    from ordex.orchestrate.pipeline import Pipeline


def carry_out(p: Pipeline, *, order: Order, case: Case, action: Action,
              detail: Mapping[str, Any], reason: str, actor: str,
              now: datetime) -> list[OutboxMessage]:
    """Queue the decision's commands and record them; the messages queued."""
    commands = commands_for(order=order, case=case, action=action, detail=detail,
                            reason=reason, ctx=p.ctx)
    messages = [p._send(now, c) for c in commands]
    _reservations(p, order, commands)
    record_decision(p, order=order, case=case, action=action.value, messages=messages,
                    actor=actor, now=now, detail=detail)
    return messages


def record_decision(p: Pipeline, *, order: Order, case: Case, action: str,
                    messages: list[OutboxMessage], actor: str, now: datetime,
                    detail: Mapping[str, Any] | None = None) -> None:
    """Put the decision (with its parameters) and the commands it queued, with their message
    ids, on the case; note what changes for the customer."""
    queued = [{"kind": type(m.command).__name__, "message_id": m.message_id, "action": action,
               "at": now.isoformat()} for m in messages]
    case.evidence = {**case.evidence,
                     "decision": {"action": action, "by": actor, "at": now.isoformat(),
                                  "detail": json_ready(dict(detail or {})),
                                  "commands": [q["message_id"] for q in queued]},
                     "erp_commands": [*case.evidence.get("erp_commands", ()), *queued]}
    p.changes.touch(case)
    change = order_change(order=order, case=case, action=action, messages=messages,
                          ctx=p.ctx, now=now)
    if change is not None:
        p.changes.order_changes.append(change)


def _reservations(p: Pipeline, order: Order, commands: list[ErpCommand]) -> None:
    """A cancelled line frees its stock; a new quantity reserves the difference."""
    held = p.work.allocated.get(order.order_id)
    if held is None:
        return
    lines = {ln.line_no: ln for ln in order.lines}
    for c in commands:
        if not isinstance(c, CancelLine | ChangeQuantity) or c.line_no not in held:
            continue
        line, was = lines[c.line_no], held[c.line_no]
        if isinstance(c, ChangeQuantity):
            wanted = p.ctx.units.to_base(line.item_id, c.quantity, c.uom) or c.quantity
        else:
            wanted = Decimal(0)
        p.ctx.allocate(line.item_id, order.warehouse_id, wanted - was, holder=(order, c.line_no))
        if wanted:
            held[c.line_no] = wanted
        else:
            held.pop(c.line_no)
        p.changes.allocations[(order.order_id, c.line_no)] = wanted
