"""Roles → permissions → actions on cases of given queues and value bands; `may` decides.

One model for the API, the pages and the CLI. A role grants permissions; the case
permissions (take, resolve, replay) hold only on the role's queues and, for resolving, only
up to the role's value limit (the case's value at risk, inclusive). The defaults below are
used unless a roles file replaces them (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol

from ordex.domain.errors import ConfigurationError


class Permission(StrEnum):
    """Something a principal may do."""

    VIEW = "view"
    """Read cases, orders, queues, KPIs, EDI documents, and see the pages."""
    INGEST = "ingest"
    """Submit orders and EDI interchanges."""
    POST_STOCK = "post_stock"
    """Report stock receipts and inbound PO re-dates."""
    POST_PAYMENT = "post_payment"
    """Report customer payments (they can release credit holds)."""
    POST_CONTRACT = "post_contract"
    """Add or replace price contracts."""
    POST_MASTER_DATA = "post_master_data"
    """Correct item master data (unit conversions)."""
    POST_LICENCE = "post_licence"
    """Upload customer licences."""
    TAKE_CASE = "take_case"
    """Start working a case of one of the role's queues."""
    RESOLVE_CASE = "resolve_case"
    """Close a case of the role's queues up to the role's value limit."""
    REPLAY_CASE = "replay_case"
    """Re-read an INTEGRATION_FAILURE's raw payload."""
    MANAGE_USERS = "manage_users"
    """Create and disable users, create and revoke tokens."""


CASE_PERMISSIONS = frozenset({Permission.TAKE_CASE, Permission.RESOLVE_CASE,
                              Permission.REPLAY_CASE})
BANDED = frozenset({Permission.RESOLVE_CASE})
"""Permissions that stop at the role's value limit."""


@dataclass(frozen=True, slots=True)
class Role:
    """A named set of permissions, on some queues (None: every queue), up to a value."""

    name: str
    permissions: frozenset[Permission]
    queues: frozenset[str] | None = None
    limit: Decimal | None = None
    """Largest case value (inclusive) the role may resolve; None: no limit."""


class CaseScope(Protocol):
    """What `may` needs to know of a case."""

    @property
    def queue(self) -> str: ...

    @property
    def value(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """A case's queue and value at risk, as `may` reads them."""

    queue: str
    value: Decimal


class HasRoles(Protocol):
    """A principal: anything with roles."""

    @property
    def roles(self) -> tuple[Role, ...]: ...


def may(principal: HasRoles, action: Permission, case: CaseScope | None = None) -> bool:
    """True when one of the principal's roles grants `action` (on this case, if given)."""
    return any(_grants(role, action, case) for role in principal.roles)


def _grants(role: Role, action: Permission, case: CaseScope | None) -> bool:
    if action not in role.permissions:
        return False
    if case is None or action not in CASE_PERMISSIONS:
        return True
    if role.queues is not None and str(case.queue) not in role.queues:
        return False
    return not (action in BANDED and role.limit is not None and case.value > role.limit)


ALL = [p.value for p in Permission]
LOOK = ["view"]
WORK = ["view", "take_case", "resolve_case"]
DEFAULT_ROLES: dict[str, dict[str, Any]] = {
    "viewer": {"permissions": LOOK},
    "order_desk": {"permissions": [*WORK, "post_master_data", "post_licence"],
                   "queues": ["customer_service", "planning", "compliance"],
                   "limit": "100000"},
    "credit_analyst": {"permissions": [*WORK, "post_payment"], "queues": ["credit"],
                       "limit": "25000"},
    "credit_manager": {"permissions": [*WORK, "post_payment"], "queues": ["credit"],
                       "limit": "250000"},
    "finance_director": {"permissions": [*WORK, "post_payment"],
                         "queues": ["credit", "finance"]},
    "pricing": {"permissions": [*WORK, "post_contract", "post_master_data"],
                "queues": ["pricing"]},
    "logistics": {"permissions": [*WORK, "post_stock"], "queues": ["logistics", "planning"]},
    "admin": {"permissions": ALL},
    "integration": {"permissions": ["ingest"]},
}
"""The shipped roles (a roles file replaces them; docs/security.md has the table)."""


def role_book(spec: Mapping[str, Any] | None = None) -> dict[str, Role]:
    """Roles from a mapping name → {permissions, queues, limit}; the defaults when None."""
    source = DEFAULT_ROLES if spec is None else spec
    if not isinstance(source, Mapping) or not source:
        raise ConfigurationError("roles: expected a mapping of role name → definition")
    return {str(name): _role(str(name), body) for name, body in source.items()}


def _role(name: str, body: Any) -> Role:
    if not isinstance(body, Mapping):
        raise ConfigurationError(f"roles.{name}: expected a mapping")
    unknown = set(body) - {"permissions", "queues", "limit"}
    if unknown:
        raise ConfigurationError(f"roles.{name}: unknown key {sorted(unknown)[0]}")
    try:
        granted = frozenset(Permission(p) for p in body.get("permissions") or [])
    except ValueError:
        raise ConfigurationError(f"roles.{name}.permissions: each must be one of "
                                 f"{', '.join(ALL)}") from None
    queues = body.get("queues")
    try:
        limit = None if body.get("limit") is None else Decimal(str(body["limit"]))
    except InvalidOperation:
        raise ConfigurationError(f"roles.{name}.limit: not a number") from None
    if limit is not None and limit < 0:
        raise ConfigurationError(f"roles.{name}.limit: must be 0 or more")
    return Role(name, granted, None if queues is None else frozenset(map(str, queues)), limit)
