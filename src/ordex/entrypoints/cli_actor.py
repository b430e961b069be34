"""Who acts in a CLI command that changes a case: an existing, enabled user whose roles allow it.

The same model as the API (docs/security.md): the user's roles from the users table, the
permission the API's route for the same action needs (`entrypoints/api/auth.py` ROUTES), and
`may` on the case's queue and value at risk. A refusal is one line naming the user and the
permission, exit code 2.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordex.bootstrap import App
from ordex.domain.identity import Principal, case_value
from ordex.domain.permissions import CaseFacts, Permission, may
from ordex.entrypoints.api.auth import SCOPE_ALIASES
from ordex.entrypoints.cli_support import fail

CENT = Decimal("0.01")


def acting_user(app: App, *, actor: str, permission: Permission,
                case_id: str | None = None) -> Principal:
    """The principal of `actor` if they may take `permission` (on the case); else exit 2."""
    user = app.identity.user(actor.strip())
    if user is None:
        fail(f"user {actor} does not exist: --actor must be a user (ordex user list)")
    if not user.active:
        fail(f"user {user.user_id} is disabled and may not {permission.value}")
    roles = app.settings.roles()
    found = (roles.get(SCOPE_ALIASES.get(name, name)) for name in user.roles)
    who = Principal(user.user_id, tuple(r for r in found if r is not None))
    if case_id is None:
        if not may(who, permission):
            fail(f"user {who.actor} may not {permission.value} ({_roles(who)})")
        return who
    case = app.queries.case(case_id)
    if case is None:
        fail(f"no case {case_id}")
    refused = refusal(who, permission, case)
    if refused:
        fail(refused)
    return who


def refusal(who: Principal, permission: Permission, case: dict[str, Any]) -> str | None:
    """Why `who` may not take `permission` on the case (None: they may)."""
    facts = CaseFacts(str(case.get("queue", "")), case_value(case.get("value_at_risk")))
    if may(who, permission, facts):
        return None
    if may(who, permission, CaseFacts(facts.queue, Decimal(0))):
        limit = max(r.limit for r in who.roles if r.limit is not None
                    and permission in r.permissions
                    and (r.queues is None or facts.queue in r.queues))
        return (f"user {who.actor} may not {permission.value} on {facts.queue} cases above "
                f"{limit:,} (case {case.get('case_id')} is {facts.value.quantize(CENT):,}): "
                "request approval")
    return (f"user {who.actor} may not {permission.value} on {facts.queue} cases "
            f"({_roles(who)})")


def _roles(who: Principal) -> str:
    return f"roles: {', '.join(who.role_names)}" if who.roles else "no known role"
