"""Ports the interpret stage needs from the outside world."""

from __future__ import annotations

from typing import Protocol


class PostalDirectory(Protocol):
    """Knows which postal codes exist and where they are."""

    def state_of(self, country: str, postal_code: str) -> str | None:
        """The state or province of an existing postal code, or None when it does not exist."""
        ...

    def covers(self, country: str) -> bool:
        """True when the directory holds that country's postal codes."""
        ...

    def check(self, country: str, state: str, postal_code: str) -> str | None:
        """What is wrong with a non-US postal code and state (None when they fit)."""
        ...
