"""The Directory port (orchestrate/ports.py): who a user is and which roles they hold.

`UsersDirectory` reads the users table (docs/security.md): the roles an active user holds
there are the roles their authority and approvals are judged by (docs/casework.md). A token
is no person: it knows nobody. `MappingDirectory` is the same port over a mapping, for the
simulator's team and for tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ordex.domain.identity import User


class Users(Protocol):
    """What the directory reads of the identity store."""

    def user(self, user_id: str) -> User | None:
        """The user with that id, or None."""
        ...


class UsersDirectory:
    """Users and their roles from the users table; a disabled user knows no role."""

    def __init__(self, users: Users) -> None:
        self.users = users

    def knows(self, user_id: str) -> bool:
        """True when an active user has that id."""
        found = self.users.user(user_id)
        return found is not None and found.active

    def roles_of(self, user_id: str) -> frozenset[str]:
        """The active user's roles (none for an unknown or disabled user)."""
        found = self.users.user(user_id)
        return frozenset(found.roles) if found is not None and found.active else frozenset()


class MappingDirectory:
    """Users and their roles from a mapping (user id → roles)."""

    def __init__(self, roles: Mapping[str, Sequence[str]]) -> None:
        self.roles = {user: frozenset(r) for user, r in roles.items()}

    def knows(self, user_id: str) -> bool:
        """True when the user is in the mapping."""
        return user_id in self.roles

    def roles_of(self, user_id: str) -> frozenset[str]:
        """The user's roles (none for an unknown user)."""
        return self.roles.get(user_id, frozenset())
