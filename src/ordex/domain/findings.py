"""What a detector says about an order: a finding with its evidence and a plain reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ordex.domain.codes import ExceptionCode, Severity


@dataclass(frozen=True, slots=True)
class Finding:
    """One exception found on an order: code, affected lines, evidence and a reason."""

    code: ExceptionCode
    severity: Severity
    lines: tuple[int, ...]
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def whole_order(self) -> bool:
        """True when the finding holds every line (no specific lines named)."""
        return not self.lines
