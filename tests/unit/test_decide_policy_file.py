"""The policy file: the shipped default is valid; a bad file names the key and the reason."""

from pathlib import Path

import pytest

from ordex.decide.rules import PolicyFileError, load_policy, parse_policy
from ordex.domain.codes import Action, ExceptionCode

ROOT = Path(__file__).resolve().parents[2]
HEAD = "version: v1\neffective_from: 2026-11-01T00:00:00Z\n"


def error_of(text: str) -> str:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(text, source="p.yaml")
    return str(caught.value)


def test_shipped_default_policy_is_valid_and_versioned() -> None:
    doc, digest = load_policy(ROOT / "policies" / "default.yaml")
    assert doc.version and len(digest) == 64
    assert doc.rule(ExceptionCode.PRICE_MISMATCH, Action.REPRICE).auto


def test_unknown_key_is_named_with_its_path() -> None:
    message = error_of(HEAD + "codes:\n  PRICE_MISMATCH:\n    actions:\n"
                       "      REPRICE: {auto: true, max_vlue: 3}\n")
    assert "codes.PRICE_MISMATCH.actions.REPRICE.max_vlue: unknown key" in message
    assert message.startswith("p.yaml: ")


def test_unknown_action_and_code_are_named_with_the_allowed_values() -> None:
    message = error_of(HEAD + "codes:\n  NOT_A_CODE: {}\n  PRICE_MISMATCH:\n    actions:\n"
                       "      FLY: {}\n")
    assert "codes.NOT_A_CODE.[key]: 'NOT_A_CODE' is not one of" in message
    assert "actions.FLY.[key]: 'FLY' is not one of" in message


def test_missing_version_and_wrong_types_are_reported() -> None:
    message = error_of("effective_from: 2026-11-01T00:00:00Z\nconfidence_floor: 2\n")
    assert "version: Field required" in message
    assert "confidence_floor: Input should be less than or equal to 1" in message


def test_effective_time_needs_a_time_zone() -> None:
    assert "effective_from: Value error, must carry a time zone" in error_of(
        "version: v1\neffective_from: 2026-11-01T00:00:00\n")


def test_yaml_syntax_error_and_non_mapping_give_one_line() -> None:
    assert error_of("version: [unclosed").startswith("p.yaml: not valid YAML")
    assert "must be a mapping" in error_of("- just\n- a list\n")


def test_negative_score_weight_is_refused() -> None:
    assert "scoring.weights: Value error, weights must not be negative" in error_of(
        HEAD + "scoring:\n  weights: {revenue: -1}\n")


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="cannot read policy file"):
        load_policy(tmp_path / "missing.yaml")


def test_assignment_per_queue_is_read_and_a_queue_not_named_is_manual() -> None:
    from ordex.decide.from_policy import routing_policy
    from ordex.domain.assignment import QueueAssignment, Strategy

    doc, _ = parse_policy(HEAD + "assignment:\n  credit: {strategy: skill_match, "
                          "fallback: least_loaded}\n  customer_service: {strategy: round_robin}\n")
    rules = routing_policy(doc).assignment
    assert rules == {"credit": QueueAssignment(Strategy.SKILL_MATCH, Strategy.LEAST_LOADED),
                     "customer_service": QueueAssignment(Strategy.ROUND_ROBIN)}
    assert "pricing" not in rules and QueueAssignment().strategy is Strategy.MANUAL
    shipped, _ = load_policy(ROOT / "policies" / "default.yaml")
    assert routing_policy(shipped).assignment["credit"].strategy is Strategy.SKILL_MATCH


def test_unknown_assignment_strategy_or_queue_is_named() -> None:
    bad_strategy = error_of(HEAD + "assignment:\n  credit: {strategy: random}\n")
    assert "assignment.credit.strategy: 'random' is not one of" in bad_strategy
    assert "'round_robin'" in bad_strategy
    bad_queue = error_of(HEAD + "assignment:\n  treasury: {strategy: round_robin}\n")
    assert "assignment.treasury.[key]: 'treasury' is not one of" in bad_queue
    bad_key = error_of(HEAD + "assignment:\n  credit: {strategy: manual, fallbak: manual}\n")
    assert "assignment.credit.fallbak: unknown key" in bad_key
