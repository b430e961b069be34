"""The Directory port over the `roles` setting (user id → roles), until the users table.

At the merge with the identity work (issue 11, point 1) the users table implements the same
port (orchestrate/ports.py, `Directory`) and this adapter goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class SettingsDirectory:
    """Users and their roles from a mapping (ORDEX_ROLES, docs/configuration.md)."""

    def __init__(self, roles: Mapping[str, Sequence[str]]) -> None:
        self.roles = {user: frozenset(r) for user, r in roles.items()}

    def knows(self, user_id: str) -> bool:
        """True when the user is in the mapping."""
        return user_id in self.roles

    def roles_of(self, user_id: str) -> frozenset[str]:
        """The user's roles (none for an unknown user)."""
        return self.roles.get(user_id, frozenset())
