"""The plug-in shape of an exception code: one registration says what every stage needs.

Each module of `ordex.interpret.detectors` that defines a code exposes `PLUGIN =
ExceptionType(...)`; the registry finds them by scanning the package (docs/extending.md).
Parts that live in later stages (the decider's actions, the simulator's injector and ground
truth) are named by reference, "module:attribute", and imported by the stage that uses them,
so this stage never imports a later one.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, Protocol

from ordex.domain.codes import Action, ExceptionCode, Queue
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.domain.reference import ReferenceData
from ordex.interpret.context import DetectionContext
from ordex.interpret.settings import Setting


class Detector(Protocol):
    """Finds one kind of exception on an order in its context."""

    code: ExceptionCode

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """The findings of this code on the order (empty when none)."""
        ...


class Reviewer(Protocol):
    """A detector that also judges the findings of the others (e.g. late-shipment risk)."""

    code: ExceptionCode

    def review(self, order: Order, ctx: DetectionContext,
               findings: Sequence[Finding]) -> list[Finding]:
        """Findings that follow from the other detectors' findings."""
        ...


LIVE_STATE = frozenset({"credit_state", "stock_holders", "recent_orders"})
"""Context that is not reference data: credit exposure and payments, the open order lines
holding stock, the recent orders duplicates are looked for among."""
REFERENCE = frozenset(f.name for f in fields(ReferenceData))


@dataclass(frozen=True, slots=True)
class ExceptionType:
    """Everything ordex needs to know about one exception code, declared once."""

    code: ExceptionCode
    queue: Queue
    """The owner queue: where a case goes unless a routing rule of the policy says otherwise."""
    detector: Detector | None = None
    """None for codes raised outside detection (intake raises INTEGRATION_FAILURE)."""
    rank: int = 500
    """Where the detector runs among the others (lower first); reviewers review after all."""
    needs: frozenset[str] = frozenset()
    """Context the loader must hydrate: `ReferenceData` lists and `LIVE_STATE` parts."""
    reevaluated_by: tuple[type, ...] = ()
    """Context events (domain/events.py, domain/context_events.py) that re-judge open cases."""
    settings: tuple[Setting, ...] = ()
    """The thresholds its detector and actions read, with their defaults."""
    actions: frozenset[Action] = frozenset()
    """What a person may resolve a case of this code with (ESCALATE is always allowed)."""
    remedies: str | None = None
    """"module:function" giving the decider's candidate actions (None: only people act); the
    shipped codes' remedies live in ordex.decide."""
    draws_stock: bool = False
    """Its lines take stock: judged on unallocated lines, and no stock moves for a line whose
    quantity is still suspect (docs/decide.md)."""
    simulation: str | None = None
    """"module:attribute" of its `CodeSimulation` (injector, ground-truth rule, desk); the
    shipped codes' live in ordex.simulate.codes."""

    def __post_init__(self) -> None:
        """Refuse context nobody can hydrate and references that name no attribute."""
        unknown = self.needs - REFERENCE - LIVE_STATE
        if unknown:
            raise ValueError(f"{self.code.value}: unknown context need(s) {sorted(unknown)}")
        for ref in (self.remedies, self.simulation):
            module, colon, name = (ref or "m:n").partition(":")
            if not (module and colon and name.isidentifier()):
                raise ValueError(f"{self.code.value}: {ref!r} is not 'MODULE:NAME'")


@cache
def resolve(ref: str) -> Any:
    """The object a "module:attribute" reference names (imported once)."""
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)
