"""The plug-in shape of a code's automatic actions: a remedy turns a case into candidates.

A code's registration names its remedy ("ordex.decide.MODULE:FUNCTION"); the decider looks it
up there instead of in a chain of ifs (docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ordex.decide.candidate import Candidate
from ordex.decide.rules import PolicyDocument
from ordex.decide.sourcing import Network
from ordex.domain.cases import Case
from ordex.domain.codes import ExceptionCode
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.exception_type import resolve
from ordex.interpret.registry import exception_type


@dataclass(frozen=True)
class Situation:
    """What a remedy may look at: the case, its order and everything decided around it."""

    order: Order
    case: Case
    ctx: DetectionContext
    network: Network
    policy: PolicyDocument
    suspect_duplicate: bool = False
    """The order has an open DUPLICATE_ORDER: no stock is sourced for it yet."""
    applied: Mapping[str, Any] = field(default_factory=dict)
    """Recommendations already applied on this order (case id → Recommendation)."""
    blocking_open: tuple[str, ...] = ()
    """Ids of the order's other blocking cases still open."""


class Remedy(Protocol):
    """The candidate actions for a case of one code (empty: only people can act)."""

    def __call__(self, situation: Situation, /) -> list[Candidate]:
        """Feasible candidates, in any order (the decider ranks them)."""
        ...


def remedy_for(code: ExceptionCode) -> Remedy | None:
    """The remedy a code's registration names (None when people handle it)."""
    ref = exception_type(code).remedies
    if ref is None:
        return None
    found: Remedy = resolve(ref)
    return found
