"""The authority matrix: who decides an action on a case of a value, and which levels approve."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ordex.decide.rules import PolicyFileError, load_policy, parse_policy
from ordex.domain.approvals import (
    AuthorityLevel,
    AuthorityMatrix,
    AuthorityRule,
    levels_needed,
    may_approve,
    may_decide,
)

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
CREDIT = AuthorityRule("RELEASE", (AuthorityLevel("credit_analyst", D(25_000)),
                                   AuthorityLevel("credit_manager", D(250_000)),
                                   AuthorityLevel("finance_director")),
                       frozenset({"CREDIT_LIMIT_EXCEEDED"}))
MATRIX = AuthorityMatrix((CREDIT,), approval_hours=8)


def needed(amount: str, action: str = "RELEASE", code: str = "CREDIT_LIMIT_EXCEEDED") -> list[str]:
    return [lv.role for lv in levels_needed(MATRIX, action=action, code=code, amount=D(amount))]


def decides(roles: set[str], amount: str) -> bool:
    return may_decide(MATRIX, roles=roles, action="RELEASE", code="CREDIT_LIMIT_EXCEEDED",
                      amount=D(amount))


@pytest.mark.parametrize(("amount", "levels"), [
    ("0.01", ["credit_analyst"]),
    ("25000", ["credit_analyst"]),
    ("25000.01", ["credit_manager"]),
    ("250000", ["credit_manager"]),
    ("250000.01", ["credit_manager", "finance_director"]),
    ("9999999999", ["credit_manager", "finance_director"]),
])
def test_the_levels_an_amount_needs_change_exactly_at_each_limit(amount: str,
                                                                 levels: list[str]) -> None:
    assert needed(amount) == levels


def test_a_limit_is_inclusive_for_the_person_who_decides_directly() -> None:
    assert decides({"credit_analyst"}, "25000")
    assert not decides({"credit_analyst"}, "25000.01")
    assert decides({"credit_manager"}, "25000.01") and decides({"credit_manager"}, "250000")
    assert not decides({"credit_manager"}, "250000.01")
    assert decides({"finance_director"}, "250000.01")
    assert decides({"cs_rep", "credit_manager"}, "100000")  # the highest role held counts
    assert not decides(set(), "1") and not decides({"cs_rep"}, "1")


def test_an_action_or_code_without_a_rule_needs_no_authority() -> None:
    assert needed("1000000", action="HOLD") == []
    assert needed("1000000", code="PAST_DUE_HOLD") == []
    assert may_decide(MATRIX, roles=set(), action="RELEASE", code="INVALID_SHIP_TO",
                      amount=D(10) ** 9)


def test_a_level_is_signed_by_its_role_or_a_higher_one_never_a_lower_one() -> None:
    def signs(roles: set[str], level: str) -> bool:
        return may_approve(MATRIX, roles=roles, action="RELEASE", code="CREDIT_LIMIT_EXCEEDED",
                           level=level)
    assert signs({"credit_manager"}, "credit_manager")
    assert signs({"finance_director"}, "credit_manager")
    assert not signs({"credit_analyst"}, "credit_manager")
    assert not signs({"credit_manager"}, "finance_director")
    assert not signs(set(), "credit_analyst")


def test_the_shipped_policy_carries_the_credit_release_matrix() -> None:
    doc, _sha = load_policy(ROOT / "policies" / "default.yaml")
    matrix = doc.authority.matrix()
    assert matrix.approval_hours == 8
    assert matrix.rules == (CREDIT,)


BASE = 'version: "t"\neffective_from: "2026-01-01T00:00:00Z"\n'


@pytest.mark.parametrize(("levels", "message"), [
    ("[{role: a}, {role: b, up_to: 10}]", "only the last level may have no up_to"),
    ("[{role: a, up_to: 10}, {role: b, up_to: 10}]", "up_to must rise"),
    ("[{role: a, up_to: 10}, {role: a, up_to: 20}]", "a role appears at two levels"),
    ("[{role: a, up_to: -1}]", "greater than 0"),
    ("[]", "at least 1"),
])
def test_a_malformed_matrix_is_refused_naming_the_rule(levels: str, message: str) -> None:
    text = BASE + f"authority:\n  rules:\n    - {{action: RELEASE, levels: {levels}}}\n"
    with pytest.raises(PolicyFileError) as err:
        parse_policy(text, source="p.yaml")
    assert "authority.rules.0.levels" in err.value.message and message in err.value.message


def test_an_unknown_action_or_code_in_the_matrix_is_refused() -> None:
    text = BASE + "authority:\n  rules:\n    - {action: FLY, levels: [{role: a}]}\n"
    with pytest.raises(PolicyFileError, match=r"authority\.rules\.0\.action"):
        parse_policy(text)
    text = BASE + ("authority:\n  rules:\n    - {action: RELEASE, codes: [NOPE], "
                   "levels: [{role: a}]}\n")
    with pytest.raises(PolicyFileError, match=r"authority\.rules\.0\.codes\.0"):
        parse_policy(text)
