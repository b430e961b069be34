"""`may`: roles → permissions → queues and value bands, at the band's edges; roles files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordex.domain.errors import ConfigurationError
from ordex.domain.identity import Principal
from ordex.domain.permissions import CaseFacts, Permission, may, role_book

P = Permission
ROLES = role_book()


def who(*names: str) -> Principal:
    return Principal("ann", tuple(ROLES[n] for n in names))


def credit(value: str) -> CaseFacts:
    return CaseFacts("credit", Decimal(value))


@pytest.mark.parametrize(("role", "value", "allowed"), [
    ("credit_analyst", "25000", True), ("credit_analyst", "25000.00", True),
    ("credit_analyst", "25000.01", False), ("credit_analyst", "0", True),
    ("credit_manager", "25000.01", True), ("credit_manager", "250000", True),
    ("credit_manager", "250000.01", False), ("finance_director", "1080000", True),
])
def test_resolving_a_credit_hold_stops_at_the_role_limit_inclusive(
        role: str, value: str, allowed: bool) -> None:
    assert may(who(role), P.RESOLVE_CASE, credit(value)) is allowed


def test_the_limit_bounds_resolving_not_taking_or_looking() -> None:
    big = credit("1080000")
    assert may(who("credit_analyst"), P.TAKE_CASE, big)
    assert may(who("credit_analyst"), P.VIEW, big)
    assert not may(who("credit_analyst"), P.RESOLVE_CASE, big)


def test_a_role_acts_only_on_its_queues() -> None:
    pricing_case = CaseFacts("pricing", Decimal(10))
    assert not may(who("credit_manager"), P.TAKE_CASE, pricing_case)
    assert not may(who("credit_manager"), P.RESOLVE_CASE, pricing_case)
    assert may(who("pricing"), P.RESOLVE_CASE, pricing_case)
    assert may(who("admin"), P.RESOLVE_CASE, CaseFacts("integration", Decimal(10**9)))


def test_any_of_several_roles_grants() -> None:
    both = who("credit_analyst", "credit_manager")
    assert may(both, P.RESOLVE_CASE, credit("200000"))
    assert not may(who("credit_analyst"), P.RESOLVE_CASE, credit("200000"))


def test_a_viewer_looks_and_never_acts() -> None:
    viewer = who("viewer")
    assert may(viewer, P.VIEW)
    assert [p for p in P if may(viewer, p, credit("1"))] == [P.VIEW]


def test_the_ingest_role_posts_orders_and_nothing_else() -> None:
    assert [p for p in P if may(who("integration"), p)] == [P.INGEST]


def test_no_roles_grant_nothing() -> None:
    assert not any(may(Principal("x", ()), p) for p in P)


def test_a_roles_mapping_replaces_the_defaults_and_is_validated() -> None:
    book = role_book({"desk": {"permissions": ["view", "resolve_case"], "queues": ["credit"],
                               "limit": 100}})
    desk = Principal("d", (book["desk"],))
    assert may(desk, P.RESOLVE_CASE, credit("100")) and not may(desk, P.RESOLVE_CASE,
                                                               credit("100.01"))
    for bad, field in [({"x": {"permissions": ["fly"]}}, "roles.x.permissions"),
                       ({"x": {"limit": "lots"}}, "roles.x.limit"),
                       ({"x": {"limit": -1}}, "roles.x.limit"),
                       ({"x": {"queue": ["credit"]}}, "roles.x"), ({"x": []}, "roles.x"),
                       ({}, "roles")]:
        with pytest.raises(ConfigurationError) as caught:
            role_book(bad)
        assert caught.value.message.startswith(field), caught.value.message

