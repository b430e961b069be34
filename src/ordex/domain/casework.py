"""What people add to a case while they work it: comments, file references, overrides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Comment:
    """A person's note on a case."""

    case_id: str
    at: datetime
    actor: str
    text: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A reference to a file kept elsewhere (a URL or a document id), never its bytes."""

    case_id: str
    at: datetime
    actor: str
    name: str
    reference: str


@dataclass(frozen=True, slots=True)
class Override:
    """A person's resolution that differs from the recommendation (the override-rate facts)."""

    case_id: str
    at: datetime
    actor: str
    code: str
    queue: str
    recommended: str | None
    """The action the decider recommended (None: the case had no recommendation)."""
    chosen: str
    kind: str
    """`alternative` (one of the ranked alternatives) or `override` (anything else)."""
    reason: str
