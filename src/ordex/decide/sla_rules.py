"""The policy file's SLA keys: business calendars, targets per code × tier, escalation chains.

Validated like the rest of the policy (docs/configuration.md, "SLA clocks"); what they make —
calendars with their public holidays, due times, timers — is in `decide.sla`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ordex.domain.calendar import CalendarError, WorkingHours
from ordex.domain.codes import ExceptionCode, Queue
from ordex.domain.model import CustomerTier

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HolidayRule(_Strict):
    """Public holidays from the `holidays` package: a country and optionally a subdivision."""

    country: str = Field(min_length=2, max_length=3, description="ISO 3166-1, e.g. US, DE")
    subdiv: str | None = Field(default=None, description="e.g. IL, BY")


class CalendarRule(_Strict):
    """One business calendar: time zone, working hours per weekday, holidays, closures."""

    zone: str = Field(min_length=1, description="IANA time zone, e.g. America/Chicago")
    hours: dict[str, str] = Field(description="weekday (mon…sun) → 08:00-17:00")
    holidays: HolidayRule | None = None
    closures: list[date] = Field(default_factory=list, description="company closure dates")

    @field_validator("hours")
    @classmethod
    def weekdays_and_times(cls, value: dict[str, str]) -> dict[str, str]:
        """Weekdays by their three-letter name; times as HH:MM-HH:MM."""
        unknown = set(value) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekday(s) {', '.join(sorted(unknown))}: use "
                             + ", ".join(WEEKDAYS))
        if not value:
            raise ValueError("needs working hours on at least one weekday")
        for text in value.values():
            try:
                WorkingHours.parse(text)
            except CalendarError as exc:
                raise ValueError(str(exc)) from None
        return value


class Target(_Strict):
    """Response (first human touch) and resolution targets, in business hours."""

    response: float | None = Field(default=None, gt=0)
    resolution: float | None = Field(default=None, gt=0)


class StepAction(StrEnum):
    """What an escalation step does."""

    NOTIFY = "notify"
    """Write a pending notification for the recipient."""
    REASSIGN = "reassign"
    """Give the case to the recipient."""


class Recipient(StrEnum):
    """Who an escalation step is for."""

    OWNER = "owner"
    """The case's assignee (the queue lead while nobody holds it)."""
    LEAD = "lead"
    """The queue lead named in the chain."""
    MANAGER = "manager"
    """The manager named in the chain."""


class EscalationStep(_Strict):
    """One step: at a share of the resolution target in working time, act for someone."""

    at_pct: float = Field(gt=0, le=1000, description="% of the resolution target")
    action: StepAction
    to: Recipient


class EscalationChain(_Strict):
    """A queue's chain: its lead and manager (user ids) and the steps, in order."""

    lead: str | None = Field(default=None, min_length=1)
    manager: str | None = Field(default=None, min_length=1)
    steps: list[EscalationStep] = Field(default_factory=list)

    @model_validator(mode="after")
    def named_recipients(self) -> EscalationChain:
        """Steps in rising order, and a lead or manager named when a step is for them."""
        pcts = [s.at_pct for s in self.steps]
        if pcts != sorted(pcts) or len(set(pcts)) != len(pcts):
            raise ValueError("steps must be in rising order of at_pct")
        for s in self.steps:
            if (s.to is Recipient.LEAD and not self.lead) or (
                    s.to is Recipient.MANAGER and not self.manager):
                raise ValueError(f"a step is for the {s.to.value}, but no {s.to.value} is named")
            if s.action is StepAction.REASSIGN and s.to is Recipient.OWNER:
                raise ValueError("reassigning to the owner changes nothing: reassign to lead "
                                 "or manager")
        return self


class SlaRule(_Strict):
    """Which calendar counts for a case and the targets counted on it."""

    calendar: str | None = Field(default=None, description="default calendar (none: 24×7)")
    queue_calendars: dict[Queue, str] = Field(default_factory=dict)
    region_calendars: dict[str, str] = Field(default_factory=dict,
                                             description="customer region → calendar (first)")
    default: Target = Field(default_factory=Target)
    targets: dict[ExceptionCode, dict[str, Target]] = Field(default_factory=dict)

    @field_validator("targets")
    @classmethod
    def tiers_or_any(cls, value: dict[ExceptionCode, dict[str, Target]]
                     ) -> dict[ExceptionCode, dict[str, Target]]:
        """Per code, targets per customer tier or `any`."""
        for code, by_tier in value.items():
            for tier in by_tier:
                if tier not in {t.value for t in CustomerTier} | {"any"}:
                    raise ValueError(f"{code.value}: {tier!r} is not a tier "
                                     f"({', '.join(CustomerTier)}) or any")
        return value

    def named_calendars(self) -> set[str]:
        """Every calendar name this rule refers to."""
        return ({self.calendar} if self.calendar else set()) | set(
            self.queue_calendars.values()) | set(self.region_calendars.values())
