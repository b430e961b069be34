"""The policy document: a versioned YAML file, validated against a schema with clear errors.

One file says, per exception code and action, whether the action may be applied without a
person and within which limits, who must approve it otherwise, how cases are routed, how the
priority score is weighted, and what the sourcing solver's penalties are (docs/decide.md).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ordex.decide.sla_rules import CalendarRule, EscalationChain, SlaRule
from ordex.domain.approvals import AuthorityLevel, AuthorityMatrix
from ordex.domain.approvals import AuthorityRule as AuthorityRule_
from ordex.domain.assignment import QueueAssignment, Strategy
from ordex.domain.codes import Action, ExceptionCode, Queue
from ordex.domain.errors import OrdexError
from ordex.domain.model import CustomerTier


class PolicyFileError(OrdexError):
    """The policy file cannot be used."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionRule(_Strict):
    """May this action be applied without a person, and within which limits."""

    auto: bool = False
    max_value: Decimal | None = Field(
        default=None, ge=0, description="Largest value at risk auto-applied"
    )
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    tiers: list[CustomerTier] | None = Field(
        default=None, description="Tiers it may be auto-applied for"
    )
    max_change_pct: Decimal | None = Field(
        default=None, ge=0, description="e.g. price or credit change"
    )
    approver: str = Field(default="", description="Role that must approve when not auto-applied")


class CodeRule(_Strict):
    """What policy says about one exception code."""

    actions: dict[Action, ActionRule] = Field(default_factory=dict)


class RoutingRule(_Strict):
    """Cases matching every given field go to the queue; the first matching rule wins."""

    queue: Queue
    code: ExceptionCode | None = None
    region: str | None = None
    tier: CustomerTier | None = None
    min_value: Decimal | None = Field(default=None, ge=0)
    max_value: Decimal | None = Field(default=None, ge=0)


class ScoringRule(_Strict):
    """Weights (points) of the priority score's parts and the caps that normalise them."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "revenue": 30.0,
            "margin": 10.0,
            "urgency": 25.0,
            "tier": 15.0,
            "strategic": 10.0,
            "penalty": 10.0,
        }
    )
    revenue_cap: Decimal = Field(default=Decimal(20000), gt=0)
    margin_cap: Decimal = Field(default=Decimal(5000), gt=0)
    penalty_cap: Decimal = Field(default=Decimal(1000), gt=0)
    urgency_days: float = Field(default=7, gt=0)
    tier_factor: dict[CustomerTier, float] = Field(
        default_factory=lambda: {
            CustomerTier.PLATINUM: 1.0,
            CustomerTier.GOLD: 0.7,
            CustomerTier.SILVER: 0.4,
            CustomerTier.BRONZE: 0.2,
        }
    )
    carrier_cutoff_hour_utc: int = Field(default=16, ge=0, le=23)

    @field_validator("weights")
    @classmethod
    def known_parts(cls, value: dict[str, float]) -> dict[str, float]:
        """Only the documented parts may be weighted, and never negatively."""
        unknown = set(value) - {"revenue", "margin", "urgency", "tier", "strategic", "penalty"}
        if unknown:
            raise ValueError(f"unknown score part(s): {', '.join(sorted(unknown))}")
        if any(w < 0 for w in value.values()):
            raise ValueError("weights must not be negative")
        return value


class SourcingRule(_Strict):
    """Penalties the sourcing solver trades off against freight cost."""

    split_penalty: Decimal = Field(default=Decimal(25), ge=0, description="Per extra shipment")
    lateness_pct_per_day: Decimal = Field(
        default=Decimal(2), ge=0, description="% of line value per day"
    )
    backorder_pct: Decimal = Field(default=Decimal(15), ge=0, description="% of backordered value")
    substitute_pct: Decimal = Field(default=Decimal(1), ge=0, description="% of substituted value")
    tier_weight: dict[CustomerTier, float] = Field(
        default_factory=lambda: {
            CustomerTier.PLATINUM: 4.0,
            CustomerTier.GOLD: 3.0,
            CustomerTier.SILVER: 2.0,
            CustomerTier.BRONZE: 1.0,
        }
    )


class AuthorityLevelRule(_Strict):
    """One level of an authority rule: a role and the largest value it decides alone."""

    role: str = Field(min_length=1, max_length=50)
    up_to: Decimal | None = Field(default=None, gt=0,
                                  description="Largest value (inclusive); none: no limit")


class AuthorityRule(_Strict):
    """The levels of authority for one action (on these codes; none listed: every code)."""

    action: Action
    codes: list[ExceptionCode] = Field(default_factory=list)
    levels: list[AuthorityLevelRule] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def limits_rise(cls, value: list[AuthorityLevelRule]) -> list[AuthorityLevelRule]:
        """Limits rise strictly level by level; only the last level may have none."""
        limits = [lv.up_to for lv in value]
        if any(x is None for x in limits[:-1]):
            raise ValueError("only the last level may have no up_to")
        given = [x for x in limits if x is not None]
        if any(b <= a for a, b in pairwise(given)):
            raise ValueError("up_to must rise from one level to the next")
        if len({lv.role for lv in value}) != len(value):
            raise ValueError("a role appears at two levels")
        return value


class AuthorityPolicy(_Strict):
    """The authority matrix and the approval SLA (docs/configuration.md)."""

    approval_sla_hours: float = Field(default=8, gt=0, le=24 * 365,
                                      description="Hours each approval level has")
    rules: list[AuthorityRule] = Field(default_factory=list)

    def matrix(self) -> AuthorityMatrix:
        """The domain's authority matrix."""
        return AuthorityMatrix(tuple(
            AuthorityRule_(r.action.value, tuple(AuthorityLevel(lv.role, lv.up_to)
                                                 for lv in r.levels),
                           frozenset(c.value for c in r.codes)) for r in self.rules),
            self.approval_sla_hours)


class AssignmentRule(_Strict):
    """A queue's assignment strategy and its fallback (docs/assignment.md)."""

    strategy: Strategy = Strategy.MANUAL
    fallback: Strategy = Strategy.MANUAL

    def rule(self) -> QueueAssignment:
        """The domain's form of the rule."""
        return QueueAssignment(self.strategy, self.fallback)


class PolicyDocument(_Strict):
    """A whole policy: version, effective time and the rules."""

    version: str = Field(min_length=1)
    effective_from: datetime
    description: str = ""
    confidence_floor: float = Field(default=0.8, ge=0, le=1)
    min_margin_pct: Decimal = Field(
        default=Decimal(5), ge=0, description="Margin floor over cost, %"
    )
    sla_hours: dict[Queue, int] = Field(default_factory=dict)
    scoring: ScoringRule = Field(default_factory=lambda: ScoringRule())
    sourcing: SourcingRule = Field(default_factory=lambda: SourcingRule())
    codes: dict[ExceptionCode, CodeRule] = Field(default_factory=dict)
    routing: list[RoutingRule] = Field(default_factory=list)
    authority: AuthorityPolicy = Field(default_factory=lambda: AuthorityPolicy())
    calendars: dict[str, CalendarRule] = Field(default_factory=dict)
    sla: SlaRule = Field(default_factory=lambda: SlaRule())
    escalation: dict[Queue, EscalationChain] = Field(default_factory=dict)
    assignment: dict[Queue, AssignmentRule] = Field(default_factory=dict)

    @model_validator(mode="after")
    def calendars_named(self) -> PolicyDocument:
        """Every calendar the SLA keys name is defined under `calendars`."""
        missing = self.sla.named_calendars() - set(self.calendars)
        if missing:
            raise ValueError(f"sla names calendar(s) {', '.join(sorted(missing))} that "
                             "`calendars` does not define")
        return self

    @field_validator("effective_from")
    @classmethod
    def aware(cls, value: datetime) -> datetime:
        """The effective time must say its time zone."""
        if value.tzinfo is None:
            raise ValueError("must carry a time zone, e.g. 2026-11-01T00:00:00Z")
        return value

    def rule(self, code: ExceptionCode, action: Action) -> ActionRule:
        """The rule for an action on a code (not auto-applied when the policy is silent)."""
        found = self.codes.get(code)
        return (found.actions.get(action) if found else None) or ActionRule()


def parse_policy(text: str, *, source: str = "policy") -> tuple[PolicyDocument, str]:
    """Parse and validate YAML text; returns the document and the SHA-256 of the text."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyFileError(f"{source}: not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise PolicyFileError(f"{source}: must be a mapping with version, effective_from, codes")
    try:
        doc = PolicyDocument.model_validate(data)
    except ValidationError as exc:
        raise PolicyFileError(
            f"{source}: " + "; ".join(_describe(e) for e in exc.errors())
        ) from None
    return doc, hashlib.sha256(text.encode()).hexdigest()


def load_policy(path: Path) -> tuple[PolicyDocument, str]:
    """Read and validate a policy file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError(f"{path}: cannot read policy file ({exc.strerror})") from None
    return parse_policy(text, source=str(path))


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "(top level)"
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "enum":
        message = f"{error.get('input')!r} is not one of {error['ctx']['expected']}"
    return f"{where}: {message}"
