"""What a page may offer the signed-in person: a control shows exactly when the action is allowed.

`offers(who, "take_case", case)` in a template (or in Python) is `domain.permissions.may` on
the case's queue and value at risk, the same check the route makes when the form is sent
(`api.auth.allowed`), so a page never offers what the server would refuse (docs/web.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.templating import Jinja2Templates

from ordex.domain.identity import Principal, case_value
from ordex.domain.permissions import CaseFacts, Permission, may


def offers(who: Principal | None, permission: str | Permission,
           case: Mapping[str, object] | None = None) -> bool:
    """True when the page should show the control for `permission` (on `case`, if given)."""
    if who is None:
        return False
    action = Permission(permission)  # a misspelt name fails loudly, never hides a control
    if case is None:
        return may(who, action)
    return may(who, action, CaseFacts(str(case.get("queue", "")),
                                      case_value(case.get("value_at_risk"))))


def install(templates: Jinja2Templates) -> None:
    """`{% if offers(who, "resolve_case", case) %}` in every template."""
    templates.env.globals["offers"] = offers
