"""A person's resolution: which actions resolve which code, and what each action does.

`ALLOWED` is the table of actions per exception code (each code's registration declares its
own); `EFFECTS` the table from an action to its effect on the order and the ERP command it
implies (docs/decide.md, "People's actions").
A parameter an action needs (warehouse, prices, date, address, carrier, item) comes from the
resolve request, else from the case's recommendation; it is validated before anything moves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ordex.domain.cases import Case, CaseState
from ordex.domain.codes import Action, ExceptionCode
from ordex.domain.errors import ActionNotAllowedError
from ordex.domain.model import Order
from ordex.interpret.registry import PLUGINS
from ordex.orchestrate import resolution_params as rp
from ordex.orchestrate.carry_out import carry_out

if TYPE_CHECKING:
    from ordex.orchestrate.pipeline import Pipeline

A = Action
ALLOWED: dict[ExceptionCode, frozenset[Action]] = {
    code: kind.actions | {A.ESCALATE} for code, kind in PLUGINS.items()}
"""Each code's own actions (its registration's `actions`), plus ESCALATE (the decider's fallback
on every code: a lead looks at it, the hold stays)."""


class Kind(StrEnum):
    """How an action moves the case and the order."""

    RELEASE = "release"
    """Closes the case; the lines nothing else holds are released (ReleaseLines)."""
    APPLY = "apply"
    """Closes the case, sends the commands the action implies (decision_commands), then
    releases."""
    PROMISE = "promise"
    """Closes the case, sends RevisePromise with the new date, then releases."""
    CANCEL = "cancel"
    """Cancels the order (CancelOrder, stock and credit freed); nothing is released."""
    KEEP_HOLD = "keep_hold"
    """The case stays in progress with the decision recorded; the hold stays."""
    CLOSE = "close"
    """Closes a case without an order (nothing to tell the ERP)."""


Param = Callable[[Any, Order, Case, Any], dict[str, Any]]


@dataclass(frozen=True)
class Effect:
    """What resolving with an action does, and the parameter it needs (if any)."""

    kind: Kind
    param: str | None = None
    read: Param | None = None
    """Validates the parameter (request value, else the recommendation's) into the detail."""


EFFECTS: dict[Action, Effect] = {
    A.RELEASE: Effect(Kind.RELEASE),
    A.ACCEPT_PRICE: Effect(Kind.RELEASE),
    A.HOLD: Effect(Kind.KEEP_HOLD),
    A.WAIT_FOR_RECEIPT: Effect(Kind.KEEP_HOLD),
    A.NOTIFY_CUSTOMER: Effect(Kind.KEEP_HOLD),
    A.REQUEST_LICENCE: Effect(Kind.KEEP_HOLD),
    A.ESCALATE: Effect(Kind.KEEP_HOLD),
    A.CANCEL_DUPLICATE: Effect(Kind.CANCEL),
    A.ALTERNATE_WAREHOUSE: Effect(Kind.APPLY, "warehouse_id", rp.warehouse),
    A.SPLIT_SHIPMENT: Effect(Kind.APPLY, "allocations", rp.feasible_allocations),
    A.SUBSTITUTE_ITEM: Effect(Kind.APPLY, "allocations", rp.feasible_allocations),
    A.BACKORDER: Effect(Kind.APPLY, "lines", rp.case_lines),
    A.REPRICE: Effect(Kind.APPLY, "prices", rp.prices),
    A.CORRECT_ADDRESS: Effect(Kind.APPLY, "address", rp.address),
    A.ASSIGN_CARRIER: Effect(Kind.APPLY, "ship_via", rp.ship_via),
    A.MAP_ITEM: Effect(Kind.APPLY, "item_id", rp.item),
    A.EXPEDITE: Effect(Kind.APPLY, "lines", rp.case_lines),
    A.REVISE_PROMISE: Effect(Kind.PROMISE, "promise_date", rp.promise_date),
    A.CHANGE_QUANTITY: Effect(Kind.APPLY, "quantities", rp.quantities),
    A.CANCEL_LINE: Effect(Kind.APPLY, "lines", rp.cancel_lines),
    A.RETRY: Effect(Kind.CLOSE),
}


def allowed_for(code: ExceptionCode) -> list[str]:
    """The actions that resolve a case of this code, sorted."""
    return sorted(a.value for a in ALLOWED.get(code, frozenset()))


def check_action(case: Case, action: str) -> Action:
    """The action if it resolves this case, else ActionNotAllowedError naming the allowed."""
    allowed = allowed_for(case.code)
    if action not in allowed:
        raise ActionNotAllowedError(
            f"{action} does not resolve {case.code.value} cases; allowed: "
            f"{', '.join(allowed)}", field="action", allowed=allowed, code=case.code.value)
    return Action(action)


def resolve(p: Pipeline, case: Case, *, actor: str, action: str, reason: str, now: datetime,
            params: Mapping[str, Any] | None = None) -> None:
    """Carry out a person's action on a case: validate it, then apply its effect."""
    chosen = check_action(case, action)
    effect = EFFECTS[chosen]
    order = p.work.orders.get(case.order_id or "")
    detail: dict[str, Any] = {}
    if effect.read is not None and order is not None:
        name = effect.param or ""
        value = rp.given_or_recommended(case, chosen, name, (params or {}).get(name))
        detail = effect.read(p.ctx, order, case, value)
    text = f"{chosen.value}: {reason}" if reason else chosen.value
    _EFFECT_OF_KIND[effect.kind](p, case, order, chosen, detail, actor, text, now)


def _release(p: Pipeline, case: Case, _order: Order | None, action: Action,
             _detail: dict[str, Any], actor: str, text: str, now: datetime) -> None:
    p.close(case, CaseState.RESOLVED, actor=actor, reason=text, now=now, action=action.value)


def _apply(p: Pipeline, case: Case, order: Order | None, action: Action,
           detail: dict[str, Any], actor: str, text: str, now: datetime) -> None:
    if order is not None:
        if detail.get("allocations"):
            from ordex.orchestrate.autoresolve import allocate_plan
            allocate_plan(p, order, detail)
        carry_out(p, order=order, case=case, action=action, detail=detail, reason=text,
                  actor=actor, now=now)
    _release(p, case, order, action, detail, actor, text, now)


def _promise(p: Pipeline, case: Case, order: Order | None, action: Action,
             detail: dict[str, Any], actor: str, text: str, now: datetime) -> None:
    if order is not None:
        carry_out(p, order=order, case=case, action=action, detail=detail, reason=text,
                  actor=actor, now=now)
        case.evidence = {**case.evidence, "promise": {
            "requested_ship_date": order.requested_ship_date.isoformat(), **detail}}
    _release(p, case, order, action, detail, actor, text, now)


def _cancel(p: Pipeline, case: Case, order: Order | None, action: Action,
            _detail: dict[str, Any], actor: str, text: str, now: datetime) -> None:
    if order is not None:
        p._cancel_order(order.order_id, actor=actor, now=now, reason=text)
    p.close(case, CaseState.RESOLVED, actor=actor, reason=text, now=now, action=action.value,
            release=False)


def _keep_hold(p: Pipeline, case: Case, _order: Order | None, action: Action,
               _detail: dict[str, Any], actor: str, text: str, now: datetime) -> None:
    if case.state is not CaseState.IN_PROGRESS:  # open, assigned, or approved just now
        p.changes.audit.append(case.move(CaseState.IN_PROGRESS, actor=actor, at=now,
                                         reason=text, action=action.value))
    else:
        p.changes.audit.append(case.note(actor=actor, at=now, reason=text,
                                         action=action.value))
    case.evidence = {**case.evidence, "decision": {"action": action.value, "by": actor,
                                                   "at": now.isoformat(), "reason": text}}
    p.changes.touch(case)


def _close(p: Pipeline, case: Case, order: Order | None, action: Action,
           detail: dict[str, Any], actor: str, text: str, now: datetime) -> None:
    p.close(case, CaseState.RESOLVED, actor=actor, reason=text, now=now, action=action.value,
            release=order is not None)


_EFFECT_OF_KIND = {Kind.RELEASE: _release, Kind.APPLY: _apply, Kind.PROMISE: _promise,
                   Kind.CANCEL: _cancel, Kind.KEEP_HOLD: _keep_hold, Kind.CLOSE: _close}
