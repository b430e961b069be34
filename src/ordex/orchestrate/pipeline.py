"""The pipeline: accept an order, detect, decide, open cases, hold lines, react to events."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from ordex.decide.engine import Decider
from ordex.decide.policy import Policy
from ordex.domain.approvals import withdraw_pending
from ordex.domain.cases import Case, CaseState, case_id_for
from ordex.domain.codes import ExceptionCode, Severity
from ordex.domain.errors import InvalidPayloadError
from ordex.domain.events import (
    CancelOrder,
    ErpCommand,
    HoldLines,
    PaymentPosted,
    ReleaseLines,
    RevisePromise,
    StockReceived,
)
from ordex.domain.findings import Finding
from ordex.domain.model import Customer, Order, RawPayload
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors._lines import known_lines
from ordex.interpret.registry import Detector, detect
from ordex.orchestrate.assign import Roster, assign_opened
from ordex.orchestrate.autoresolve import decide_and_apply
from ordex.orchestrate.carry_out import record_decision
from ordex.orchestrate.changes import Changes, IntakeResult, LoggedEvent, OutboxMessage
from ordex.orchestrate.resolutions import resolve as resolve_case
from ordex.orchestrate.sla import timers_for
from ordex.orchestrate.workset import CREDIT, SHORTFALL, WorkSet

SYSTEM = "ordex"


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of a day (an order's arrival when only its date is known)."""
    return datetime.combine(day, time(0), tzinfo=UTC)


class Pipeline:
    """Runs orders and events through interpret → decide → orchestrate on a working set."""

    def __init__(self, *, ctx: DetectionContext, detectors: Sequence[Detector], policy: Policy,
                 work: WorkSet | None = None, new_id: Callable[[], str] | None = None,
                 decider: Decider | None = None, stamp_arrival: bool = True) -> None:
        self.ctx, self.detectors, self.policy = ctx, list(detectors), policy
        self.stamp_arrival = stamp_arrival
        """An order without `received_at` arrived `now` (live intake); else at the start of
        its order date, and is judged as of then (a dry run never reads the clock)."""
        self.decider = decider
        """Recommends actions and auto-applies what policy allows (None: route only)."""
        self.by_code = {d.code: d for d in self.detectors}
        self.work = work or WorkSet()
        self.changes = Changes()
        self.known_cases: set[str] = set()
        """Ids of cases that exist already (a replay must not open them twice)."""
        self._new_id = new_id or (lambda: uuid.uuid4().hex)
        self.roster: Roster | None = None
        """Who works the queues (None: nobody is assigned by strategy, e.g. a dry run)."""

    # -- intake ------------------------------------------------------------------------
    def accept(self, order: Order, *, raw_id: str, key: str | None, now: datetime,
               content_sha256: str | None = None) -> IntakeResult:
        """Judge a valid order, open its cases, hold what they block, allocate the rest."""
        if order.received_at is None:
            arrived = now if self.stamp_arrival else start_of(order.order_date)
            order = replace(order, received_at=arrived)
        if not self.stamp_arrival:
            now = order.received_at or now
        findings = detect(order, self.ctx, self.detectors)
        self.work.orders[order.order_id] = order
        self.work.index_order(order)
        customer = self.ctx.customers.get(order.customer_id)
        cases = [self._open(order.order_id, order, customer, f, now) for f in findings]
        self._allocate_clean_lines(order, findings)
        if not any(f.code is CREDIT for f in findings):
            self.ctx.add_open_orders(order.customer_id, order.value)
        self.ctx.remember(order)
        if self.decider is not None and cases:
            decide_and_apply(self, order, cases, now=now)
        held, whole = self.work.held_lines(order.order_id)
        status = self._intake_status(order.order_id, cases, held=bool(held or whole))
        result = IntakeResult(key, order.order_id, raw_id, status,
                              tuple(c.case_id for c in cases), tuple(sorted(held)), whole,
                              content_sha256=content_sha256)
        self.changes.orders.append((order, raw_id, key))
        self.changes.results.append(result)
        self._log("OrderReceived", now, {"order_id": order.order_id, "raw_id": raw_id})
        return result

    def _intake_status(self, order_id: str, cases: list[Case], *, held: bool) -> str:
        """cancelled / held / auto_resolved (every case closed by policy) / accepted."""
        if order_id in self.work.cancelled:
            return "cancelled"
        if held:
            return "held"
        if cases and all(c.state is CaseState.AUTO_RESOLVED for c in cases):
            return "auto_resolved"
        return "accepted"

    def reject(self, raw: RawPayload, error: InvalidPayloadError, *, index: int,
               order_id: str | None, key: str | None, now: datetime) -> IntakeResult:
        """Turn a payload that is not a valid order into an INTEGRATION_FAILURE case."""
        subject = f"raw-{raw.raw_id}" + (f"-{index}" if index else "")
        evidence = {"raw_id": raw.raw_id, "source": raw.source, "channel": raw.channel,
                    "index": index, "order_id": order_id, "errors": error.errors}
        return self.integration_failure(
            subject, raw_id=raw.raw_id, order_id=order_id, key=key, now=now,
            reason=f"Payload from {raw.source} could not be read: {error.message}.",
            evidence=evidence, errors=tuple(error.errors))

    def integration_failure(self, subject: str, *, raw_id: str, order_id: str | None,
                            key: str | None, now: datetime, reason: str,
                            evidence: dict[str, object],
                            errors: tuple[dict[str, str], ...] = ()) -> IntakeResult:
        """Open (once) an INTEGRATION_FAILURE case for input that could not become an order."""
        finding = Finding(ExceptionCode.INTEGRATION_FAILURE, Severity.BLOCKING, (), reason,
                          evidence)
        case_id = case_id_for(subject, ExceptionCode.INTEGRATION_FAILURE)
        if case_id not in self.known_cases:
            self._open(subject, None, None, finding, now)
            self.known_cases.add(case_id)
        result = IntakeResult(key, order_id, raw_id, "rejected", (case_id,), errors=errors)
        self.changes.results.append(result)
        return result

    # -- events ------------------------------------------------------------------------
    def on_stock_received(self, event: StockReceived, *, now: datetime) -> list[str]:
        """Add the stock, then close every shortfall case on that position it now covers."""
        self.ctx.receive(event.item_id, event.warehouse_id, event.quantity, event.po_id)
        if event.po_id:
            self.changes.received_pos.append(event.po_id)
        self._log("StockReceived", now, {"item_id": event.item_id, "po_id": event.po_id,
                                         "warehouse_id": event.warehouse_id,
                                         "quantity": str(event.quantity)})
        waiting = self.work.shortfall_by_position.get((event.item_id, event.warehouse_id), {})
        closed = []
        for case in sorted(waiting.values(), key=lambda c: (c.opened_at, c.case_id)):
            if self.stock_waits(case.order_id or "") & set(case.lines):
                continue  # quantity or duplicate settled first; a person decides (docs/decide.md)
            order = self.work.orders[case.order_id or ""]
            lines = tuple(ln for ln in order.lines if ln.line_no in case.lines)
            short = replace(order, lines=lines)
            if self.by_code[SHORTFALL].evaluate(short, self.ctx):
                continue
            self._allocate(order, set(case.lines))
            why = f"stock received: {event.quantity} of {event.item_id} at {event.warehouse_id}"
            late = event.at.date() > order.requested_ship_date
            if late:
                why += self._revise_promise(order, case, event.at.date(), now=now)
            self.close(case, CaseState.AUTO_RESOLVED, actor=SYSTEM, reason=why, now=now,
                       action="REVISE_PROMISE" if late else "close")
            closed.append(case.case_id)
        return closed

    def _revise_promise(self, order: Order, case: Case, promise: date, *, now: datetime) -> str:
        """Record a later promise on the case and tell the ERP; the reason's tail."""
        case.evidence = {**case.evidence, "promise": {
            "requested_ship_date": order.requested_ship_date.isoformat(),
            "promise_date": promise.isoformat(), "lines": list(case.lines)}}
        self.changes.touch(case)
        why = (f"; arrived after the requested ship date "
               f"{order.requested_ship_date.isoformat()}, promise revised to {promise.isoformat()}")
        message = self._send(now, RevisePromise(order.order_id, case.lines, promise.isoformat(),
                                                f"REVISE_PROMISE{why}", case.case_id,
                                                "REVISE_PROMISE"))
        record_decision(self, order=order, case=case, action="REVISE_PROMISE",
                        messages=[message], actor=SYSTEM, now=now)
        self._log("PromiseRevised", now, {"order_id": order.order_id, "case_id": case.case_id,
                                          "lines": list(case.lines),
                                          "promise_date": promise.isoformat()})
        return why

    def on_payment(self, event: PaymentPosted, *, now: datetime) -> list[str]:
        """Apply the payment, then release credit holds that now fit under the limit."""
        self.ctx.post_payment(event.customer_id, event.amount)
        self.changes.payments.append((event.customer_id, event.amount, event.at))
        self._log("PaymentPosted", now, {"customer_id": event.customer_id,
                                         "amount": str(event.amount)})
        closed = []
        held = self.work.credit_by_customer.get(event.customer_id, {})
        for case in sorted(held.values(), key=lambda c: (c.opened_at, c.case_id)):
            order = self.work.orders[case.order_id or ""]
            if self.by_code[CREDIT].evaluate(order, self.ctx):
                continue
            why = f"payment of {event.amount} posted by {event.customer_id}"
            self.close(case, CaseState.AUTO_RESOLVED, actor=SYSTEM, reason=why, now=now)
            closed.append(case.case_id)
        return closed

    # -- people ------------------------------------------------------------------------
    def take(self, case: Case, *, actor: str, now: datetime) -> None:
        """Someone starts working a case."""
        self.changes.audit.append(case.move(CaseState.IN_PROGRESS, actor=actor, at=now,
                                            reason="taken", action="take"))
        case.touched(at=now)
        self.changes.touch(case)

    def resolve(self, case: Case, *, actor: str, action: str, reason: str, now: datetime,
                params: Mapping[str, Any] | None = None) -> None:
        """A person closes a case with an action of its code; the action has its own effect."""
        case.touched(at=now)
        resolve_case(self, case, actor=actor, action=action, reason=reason, now=now,
                     params=params)

    def close(self, case: Case, state: CaseState, *, actor: str, reason: str, now: datetime,
              action: str = "close", release: bool = True) -> None:
        """Close a case, audit it, and release the lines nothing else holds."""
        before = self.work.held_lines(case.order_id) if case.order_id else (set(), False)
        if case.state is CaseState.AWAITING_APPROVAL:
            self._withdraw_approvals(case, state, actor=actor, action=action, reason=reason,
                                     now=now)
        self.changes.audit.append(case.move(state, actor=actor, at=now, reason=reason,
                                            action=action))
        self.changes.touch(case)
        self.work.drop_case(case)
        if case.code is CREDIT and state is not CaseState.CANCELLED and case.order_id:
            order = self.work.orders[case.order_id]
            self.ctx.add_open_orders(order.customer_id, order.value)
        if release and case.order_id and case.severity is Severity.BLOCKING:
            self._release(case, before, now)

    def _withdraw_approvals(self, case: Case, state: CaseState, *, actor: str, action: str,
                            reason: str, now: datetime) -> None:
        """The case closes without its chain (a last approval leaves none pending): what
        still waits is withdrawn, with the move that withdrew it, and audited."""
        why = f"case moved awaiting_approval → {state.value} by {action}: {reason}"
        gone = withdraw_pending(case.approvals, actor=actor, reason=why, now=now)
        if gone:
            self.changes.approvals.extend(gone)
            self.changes.audit.append(case.note(
                actor=actor, at=now, action="withdraw_approvals",
                reason=f"{', '.join(a.approval_id for a in gone)} withdrawn: {why}"))

    def anomalous_lines(self, order_id: str) -> set[int]:
        """Lines of an order with an open QUANTITY_ANOMALY (no stock moves for them)."""
        return {ln for c in self.work.open_cases.get(order_id, {}).values()
                if c.code is ExceptionCode.QUANTITY_ANOMALY and c.is_open for ln in c.lines}

    def stock_waits(self, order_id: str) -> set[int]:
        """Lines no new stock may go to yet: those with an open QUANTITY_ANOMALY, and every line
        of an order with an open DUPLICATE_ORDER (a likely duplicate must not take a receipt
        from a real order; docs/decide.md)."""
        cases = self.work.open_cases.get(order_id, {}).values()
        if any(c.code is ExceptionCode.DUPLICATE_ORDER and c.is_open for c in cases):
            order = self.work.orders.get(order_id)
            return {ln.line_no for ln in order.lines} if order else set()
        return self.anomalous_lines(order_id)

    # -- helpers -----------------------------------------------------------------------
    def _open(self, subject: str, order: Order | None, customer: Customer | None,
              finding: Finding, now: datetime) -> Case:
        decision = self.policy.decide(order=order, customer=customer, finding=finding, now=now)
        case = Case(case_id_for(subject, finding.code), finding.code, decision.queue,
                    finding.severity, order.order_id if order else None,
                    order.customer_id if order else None, finding.lines, finding.reason,
                    {**finding.evidence, "priority_parts": decision.priority_parts,
                     "policy_version": decision.policy_version},
                    decision.priority, decision.value_at_risk, now, decision.sla_due_at,
                    response_due_at=decision.response_due_at, sla_calendar=decision.calendar)
        self.changes.audit.append(case.opened(actor=SYSTEM))
        self.changes.new_cases[case.case_id] = case
        self.work.add_case(case)
        if order is not None and case.blocks:
            self._send(now, HoldLines(order.order_id, case.lines, case.reason, case.case_id,
                                      case.code.value))
        return case

    def _allocate_clean_lines(self, order: Order, findings: list[Finding]) -> None:
        blocked = {ln for f in findings
                   if f.code in (SHORTFALL, ExceptionCode.MASTER_DATA_CONFLICT) for ln in f.lines}
        self._allocate(order, {ln.line_no for ln in order.lines} - blocked)

    def _allocate(self, order: Order, line_nos: set[int]) -> None:
        for line, base in known_lines(order, self.ctx):
            if line.line_no in line_nos:
                self.ctx.allocate(line.item_id, order.warehouse_id, base,
                                  holder=(order, line.line_no))
                self.work.allocated[order.order_id][line.line_no] = base
                self.changes.allocations[(order.order_id, line.line_no)] = base

    def _cancel_order(self, order_id: str, *, actor: str, now: datetime, reason: str) -> None:
        order = self.work.orders[order_id]
        credit_held = any(c.code is CREDIT for c in self.work.open_cases.get(order_id, {}).values())
        for case in list(self.work.open_cases.get(order_id, {}).values()):
            if case.code is not ExceptionCode.DUPLICATE_ORDER:
                self.close(case, CaseState.CANCELLED, actor=actor, now=now, release=False,
                           reason=f"order {order_id} cancelled", action="cancel")
        for line in order.lines:
            base = self.work.allocated[order_id].pop(line.line_no, None)
            if base is not None:
                self.ctx.allocate(line.item_id, order.warehouse_id, -base,
                                  holder=(order, line.line_no))
                self.changes.allocations[(order_id, line.line_no)] = Decimal(0)
        if not credit_held:
            self.ctx.add_open_orders(order.customer_id, -order.value)
        self.ctx.forget_cancelled(order.customer_id, order_id)
        self.work.cancelled.add(order_id)
        self.changes.cancelled_orders.append(order_id)
        duplicate = f"{order_id}:DUPLICATE_ORDER"
        message = self._send(now, CancelOrder(order_id, reason, duplicate, "CANCEL_DUPLICATE"))
        deciding = self.work.open_cases.get(order_id, {}).get(duplicate)
        if deciding is not None:
            record_decision(self, order=order, case=deciding, action="CANCEL_DUPLICATE",
                            messages=[message], actor=actor, now=now)

    def _release(self, case: Case, before: tuple[set[int], bool], now: datetime) -> None:
        order_id = case.order_id or ""
        after_lines, after_whole = self.work.held_lines(order_id)
        if after_whole:
            return
        all_lines = {ln.line_no for ln in self.work.orders[order_id].lines}
        was = all_lines if before[1] else before[0]
        freed = sorted(was - after_lines)
        if freed:
            self._send(now, ReleaseLines(order_id, tuple(freed), case.resolution or "",
                                         case.case_id, case.code.value))

    def _send(self, now: datetime, command: ErpCommand) -> OutboxMessage:
        message = OutboxMessage(self._new_id(), now, command)
        self.changes.outbox.append(message)
        return message

    def _log(self, kind: str, now: datetime, payload: dict[str, object]) -> None:
        self.changes.events.append(LoggedEvent(kind, now, payload))

    def take_changes(self) -> Changes:
        """Hand over what changed since the last call (with stock moves) and start afresh."""
        changes, self.changes = self.changes, Changes()
        opened = list(changes.new_cases.values())
        if self.roster is not None and opened:  # in the same unit of work as the opening
            assign_opened(opened, roster=self.roster, rules=self.policy.assignment,
                          customers=self.ctx.customers, changes=changes,
                          at=max(c.opened_at for c in opened))
        if self.policy.sla is not None:  # the clocks of the cases still open as they are written
            changes.timers = [w for c in changes.new_cases.values() if c.is_open
                              for w in timers_for(c, self.policy.sla)]
        changes.positions, self.ctx.position_moves = self.ctx.position_moves, {}
        changes.line_allocations, self.ctx.line_moves = self.ctx.line_moves, {}
        return changes
