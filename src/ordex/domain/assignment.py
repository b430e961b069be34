"""How a queue's cases find a person: the strategies a policy names, and people's absences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ordex.domain.errors import InvalidUserError

SYSTEM_ASSIGNMENT = "system:assignment"
"""The actor the audit log records for a move made by a queue's assignment strategy."""


class Strategy(StrEnum):
    """How a queue's cases find a person."""

    MANUAL = "manual"
    """Nobody is chosen: people pick from the queue."""
    ROUND_ROBIN = "round_robin"
    """In turn, after the person who got the queue's last case."""
    LEAST_LOADED = "least_loaded"
    """The person with the lowest open cases ÷ capacity."""
    SKILL_MATCH = "skill_match"
    """Among people with a matching skill (code, customer segment, region), the best match,
    then the least loaded; nobody matching hands the case to the queue's fallback."""


@dataclass(frozen=True, slots=True)
class QueueAssignment:
    """A queue's strategy and the one used when it finds nobody (skill match without a match)."""

    strategy: Strategy = Strategy.MANUAL
    fallback: Strategy = Strategy.MANUAL


MANUAL = QueueAssignment()


@dataclass(frozen=True, slots=True)
class Absence:
    """A person away from `starts` until `ends` (both aware): no case goes to them then."""

    user_id: str
    starts: datetime
    ends: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        if self.starts.tzinfo is None or self.ends.tzinfo is None:
            raise InvalidUserError("absence times must carry a time zone", field="from")
        if self.ends <= self.starts:
            raise InvalidUserError(f"until {self.ends.isoformat()} is not after from "
                                   f"{self.starts.isoformat()}", field="until")

    def covers(self, at: datetime) -> bool:
        """True when `at` falls inside the absence."""
        return self.starts <= at < self.ends
