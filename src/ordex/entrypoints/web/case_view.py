"""The case page's view: which lines a case holds, the contract that applied, the ranked
alternatives with their predicted effect, and the actions this person is offered.

An action is offered only when the person's roles allow it on this case (its queue and value,
`may`), the case's state allows it, and the authority matrix lets the person take it directly;
otherwise the page offers "request approval" in its place (docs/web.md, "The case page").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ordex.domain.approvals import AuthorityMatrix, levels_needed, may_approve, may_decide
from ordex.domain.cases import CaseState
from ordex.domain.codes import ExceptionCode
from ordex.domain.identity import Principal, case_value
from ordex.domain.permissions import CaseFacts, Permission, may
from ordex.orchestrate.resolutions import allowed_for

S = CaseState
WORKABLE = frozenset({S.OPEN.value, S.ASSIGNED.value, S.IN_PROGRESS.value})
"""States a person may resolve, reassign or pause a case from."""
ACTIVE = WORKABLE | {S.AWAITING_APPROVAL.value, S.PAUSED.value}


@dataclass(frozen=True, slots=True)
class Offer:
    """What the page offers this person on this case (nothing for a viewer)."""

    take: bool = False
    resolve: frozenset[str] = frozenset()
    """Actions the person may resolve with directly."""
    request: frozenset[str] = frozenset()
    """Actions the person may ask approval for (their authority does not reach)."""
    sign: dict[str, Any] | None = None
    """The pending approval level the person may approve or reject."""
    assign: bool = False
    pause: bool = False
    resume: bool = False
    comment: bool = False
    actions: tuple[str, ...] = field(default=())
    """Every action that resolves a case of this code (the override list)."""

    @property
    def anything(self) -> bool:
        """True when at least one action is offered."""
        return any((self.take, self.resolve, self.request, self.sign, self.assign,
                    self.pause, self.resume, self.comment))


def offer(who: Principal, case: dict[str, Any], matrix: AuthorityMatrix) -> Offer:
    """The actions to show `who` on `case` (the same checks the commands make)."""
    facts = CaseFacts(str(case["queue"]), case_value(case.get("value_at_risk")))
    works = may(who, Permission.TAKE_CASE, facts)
    if not works:
        return Offer()
    state, code, roles = case["state"], str(case["code"]), who.role_names
    actions = tuple(allowed_for(ExceptionCode(code)))
    in_band = may(who, Permission.RESOLVE_CASE, facts)
    direct = frozenset(a for a in actions if in_band and may_decide(
        matrix, roles=roles, action=a, code=code, amount=facts.value))
    askable = frozenset(a for a in actions if a not in direct and levels_needed(
        matrix, action=a, code=code, amount=facts.value))
    return Offer(
        take=state in (S.OPEN.value, S.ASSIGNED.value),
        resolve=direct if state in WORKABLE else frozenset(),
        request=askable if state == S.IN_PROGRESS.value else frozenset(),
        sign=_signable(who, case, matrix) if state == S.AWAITING_APPROVAL.value else None,
        assign=state in ACTIVE, pause=state in WORKABLE, resume=state == S.PAUSED.value,
        comment=True, actions=actions)


def _signable(who: Principal, case: dict[str, Any],
              matrix: AuthorityMatrix) -> dict[str, Any] | None:
    """The pending level, if `who` may sign it: not its requester or proposer, no level of
    the chain signed already, and a role the matrix lets sign it (segregation of duties)."""
    approvals = case.get("approvals") or []
    if not approvals:
        return None
    chain = [a for a in approvals if a["chain_id"] == approvals[-1]["chain_id"]]
    step = next((a for a in chain if a["state"] == "pending"), None)
    if step is None or who.actor in (step["requested_by"], step["proposed_by"]):
        return None
    if any(a.get("decided_by") == who.actor for a in chain):
        return None
    if not may_approve(matrix, roles=who.role_names, action=step["action"],
                       code=str(case["code"]), level=step["role"]):
        return None
    return dict(step)


def held_by(lines: list[dict[str, Any]], siblings: list[dict[str, Any]]) -> dict[int, list[str]]:
    """Line → the active cases holding it (a case naming no line holds the whole order)."""
    held: dict[int, list[str]] = {ln["line_no"]: [] for ln in lines}
    for c in siblings:
        if not c["active"]:
            continue
        for line_no in c["lines"] or list(held):
            held.setdefault(line_no, []).append(c["case_id"])
    return held


def ranked(case: dict[str, Any], decision: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The recommendation's ranked alternatives (rank 1 is the recommended action), each with
    the decider's predicted cost, margin, ship date, confidence and explanation."""
    rec = (case.get("evidence") or {}).get("recommendation") or {}
    names = list((rec.get("alternatives") or {}).keys())
    predicted = {a["action"]: a for a in (decision or {}).get("actions") or []}
    found = []
    for rank, action in enumerate(names, start=1):
        p = predicted.get(action, {})
        found.append({"rank": rank, "action": action, "cost": p.get("cost"),
                      "margin": p.get("margin"), "ship_date": p.get("ship_date"),
                      "confidence": p.get("confidence", rec.get("confidence")
                                          if rank == 1 else None),
                      "summary": p.get("summary", ""),
                      "impact": p.get("customer_impact", ""),
                      "recommended": action == rec.get("action")})
    return found


def price_rows(context: dict[str, Any]) -> list[dict[str, Any]]:
    """Each concerned line's price against the contracts of its item: the one that applied
    (in force on the order date, in the order's currency, the largest break the quantity
    reaches, in base units) is marked."""
    order = context.get("order")
    if not order:
        return []
    conv, items = context["conversions"], context["items"]
    out = []
    for ln in order["lines"]:
        if ln["line_no"] not in context["concerned"]:
            continue
        item = items.get(ln["item_id"]) or {}
        contracts = [k for k in context["contracts"] if k["item_id"] == ln["item_id"]]
        applied = _applied(order, ln, contracts, conv, item.get("base_uom"))
        out.append({"line": ln, "item": item, "contracts": contracts,
                    "applied": applied["contract_id"] if applied else None})
    return out


def _applied(order: dict[str, Any], ln: dict[str, Any], contracts: Collection[dict[str, Any]],
             conv: dict[tuple[str, str], Decimal], base_uom: str | None) -> dict[str, Any] | None:
    def factor(uom: str) -> Decimal | None:
        return Decimal(1) if uom == base_uom else conv.get((ln["item_id"], uom))
    line_factor = factor(ln["uom"])
    if line_factor is None:
        return None
    qty, on = Decimal(ln["quantity"]) * line_factor, order["order_date"]
    best, best_min = None, Decimal(-1)
    for k in contracts:
        f = factor(k["uom"])
        if f is None or k["currency"] != order["currency"] or not _in_force(k, on):
            continue
        if k["min_qty"] * f <= qty and k["min_qty"] * f > best_min:
            best, best_min = k, k["min_qty"] * f
    return best


def _in_force(contract: dict[str, Any], on: date) -> bool:
    return bool(contract["valid_from"] <= on <= contract["valid_to"])


def evidence_tables(evidence: dict[str, Any]) -> tuple[list[tuple[str, Any]],
                                                       list[list[dict[str, Any]]]]:
    """A finding's evidence as (name, value) pairs and tables of its lists of records;
    the decision's own parts (recommendation, impact) are shown elsewhere."""
    skip = {"recommendation", "impact", "priority_parts", "policy_version"}
    pairs: list[tuple[str, Any]] = []
    tables: list[list[dict[str, Any]]] = []
    for key, value in evidence.items():
        if key in skip:
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append([{k: _text(v) for k, v in row.items()} for row in value])
        elif isinstance(value, dict):
            pairs.extend((f"{key} · {k}", _text(v)) for k, v in value.items())
        else:
            pairs.append((key, _text(value)))
    return pairs, tables


def _text(value: Any) -> str:
    """An evidence value for people: numbers without trailing zeros, records as `k v`."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value) or "–"
    if isinstance(value, int | float | Decimal) or (isinstance(value, str) and _numeric(value)):
        return qty(value)
    return str(value)


def _numeric(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.strip() not in ("", "NaN", "Infinity", "-Infinity", "nan", "inf")


def amount(value: object) -> str:
    """Money for people: 12,345.60 (a dash for none or not a number)."""
    try:
        return f"{Decimal(str(value)):,.2f}" if value not in (None, "") else "–"
    except ArithmeticError:
        return str(value)


def qty(value: object) -> str:
    """A quantity without trailing zeros: 1,200 or 2.5."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    text = f"{number:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
