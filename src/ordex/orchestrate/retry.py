"""When failed work is tried again: exponential backoff with jitter, and when to give up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ordex.domain.errors import ConfigurationError

_MAX_DOUBLINGS = 60
"""Past 2**60 steps the exponent stops growing (the float stays finite; the cap applies)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Wait `base`, then twice that, and so on up to `cap`; stop after `max_attempts` failures.

    `jitter` spreads the waits of many failures that happened together: "equal" waits half
    the step plus a random share of the other half (work items); "full" waits a random share
    of the whole step (outbox deliveries: many messages fail at once when an ERP goes down,
    and full jitter spreads their retries the widest).
    """

    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(minutes=30)
    max_attempts: int = 10
    jitter: Literal["equal", "full"] = "equal"

    def __post_init__(self) -> None:
        if self.base <= timedelta(0):
            raise ConfigurationError(f"retry base must be positive, not {self.base}")
        if self.cap < self.base:
            raise ConfigurationError(f"retry cap {self.cap} is shorter than its base {self.base}")
        if self.max_attempts < 1:
            raise ConfigurationError(f"max attempts must be at least 1, not {self.max_attempts}")
        if self.jitter not in ("equal", "full"):
            raise ConfigurationError(f"jitter must be 'equal' or 'full', not {self.jitter!r}")

    def step(self, attempts: int) -> timedelta:
        """The backoff step after `attempts` failures: base × 2^(attempts−1), at most cap."""
        doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
        seconds = self.base.total_seconds() * 2.0 ** doublings
        return min(self.cap, timedelta(seconds=min(seconds, self.cap.total_seconds())))

    def delay(self, attempts: int, *, rand: float) -> timedelta:
        """The wait for `rand` in [0, 1]: equal jitter lies in [step/2, step], full in
        [0, step]."""
        if not 0.0 <= rand <= 1.0:
            raise ValueError(f"rand must lie in [0, 1], not {rand}")
        if self.jitter == "full":
            return self.step(attempts) * rand
        half = self.step(attempts) / 2
        return half + half * rand

    def gives_up(self, attempts: int) -> bool:
        """Whether `attempts` failures are as many as the policy allows."""
        return attempts >= self.max_attempts

    def retry_at(self, *, attempts: int, now: datetime, rand: float) -> datetime | None:
        """When to try again after `attempts` failures; None once the policy gives up."""
        if self.gives_up(attempts):
            return None
        return now + self.delay(attempts, rand=rand)
