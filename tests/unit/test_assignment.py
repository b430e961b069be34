"""Assignment strategies: who gets a case, honouring shifts, capacity, skills and owners."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from ordex.orchestrate.assignment import (
    CaseToAssign,
    Member,
    Shift,
    Strategy,
    assign_all,
    choose,
    eligible,
    reassign_absent,
)

MONDAY_10_CHICAGO = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
CHICAGO = Shift("America/Chicago")
BERLIN = Shift("Europe/Berlin")  # 17:00 in Berlin at that moment: off shift


def member(user_id: str, *, queue: str = "credit", shift: Shift = CHICAGO, capacity: int = 5,
           **skills: frozenset[str]) -> Member:
    return Member(user_id, frozenset({queue}), capacity, shift, **skills)


def case(case_id: str = "SO1:CREDIT_LIMIT_EXCEEDED", *, queue: str = "credit",
         code: str = "CREDIT_LIMIT_EXCEEDED", owner: str | None = None, segment: str = "",
         region: str = "") -> CaseToAssign:
    return CaseToAssign(case_id, queue, code, segment, region, owner)


def test_shifts_follow_their_time_zone_days_and_a_shift_across_midnight() -> None:
    assert CHICAGO.on(MONDAY_10_CHICAGO) and not BERLIN.on(MONDAY_10_CHICAGO)
    saturday = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
    assert not CHICAGO.on(saturday)
    assert not CHICAGO.on(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))  # 17:00 sharp: ended
    night = Shift("UTC", frozenset({"fri"}), time(22, 0), time(6, 0))
    assert night.on(datetime(2026, 12, 4, 23, 0, tzinfo=UTC))  # Friday 23:00
    assert night.on(datetime(2026, 12, 5, 5, 59, tzinfo=UTC))  # still Friday's shift
    assert not night.on(datetime(2026, 12, 5, 23, 0, tzinfo=UTC))  # Saturday evening
    summer = datetime(2026, 7, 1, 13, 30, tzinfo=UTC)  # 08:30 CDT: DST moves the shift
    assert CHICAGO.on(summer) and not CHICAGO.on(datetime(2026, 1, 5, 13, 30, tzinfo=UTC))


def test_only_active_present_on_shift_people_of_the_queue_under_capacity_are_eligible(
        ) -> None:
    team = [member("ann"), member("bob", shift=BERLIN), member("cy", queue="pricing"),
            Member("dee", frozenset({"credit"}), 5, CHICAGO, absent=True),
            Member("eve", frozenset({"credit"}), 5, CHICAGO, active=False),
            member("fay", capacity=2)]
    people = eligible(team, "credit", loads={"fay": 2}, at=MONDAY_10_CHICAGO)
    assert [m.user_id for m in people] == ["ann"]


def test_manual_leaves_the_case_in_the_queue_and_nobody_eligible_does_too() -> None:
    team = [member("ann")]
    assert choose(case(), team, Strategy.MANUAL, loads={}, last=None,
                  at=MONDAY_10_CHICAGO) is None
    assert choose(case(), [member("bob", shift=BERLIN)], Strategy.LEAST_LOADED, loads={},
                  last=None, at=MONDAY_10_CHICAGO) is None


def test_round_robin_takes_turns_after_the_last_pick_and_wraps() -> None:
    team = [member("ann"), member("bob"), member("cy")]
    picks = assign_all([case(f"SO{i}:X") for i in range(5)], team,
                       {"credit": Strategy.ROUND_ROBIN}, loads={}, last={"credit": "ann"},
                       at=MONDAY_10_CHICAGO)
    assert list(picks.values()) == ["bob", "cy", "ann", "bob", "cy"]


def test_least_loaded_weighs_load_against_capacity_and_counts_its_own_picks() -> None:
    team = [member("ann", capacity=10), member("bob", capacity=2)]
    assert choose(case(), team, Strategy.LEAST_LOADED, loads={"ann": 4, "bob": 1},
                  last=None, at=MONDAY_10_CHICAGO) == "ann"  # 0.4 against 0.5
    picks = assign_all([case(f"SO{i}:X") for i in range(4)], team,
                       {"credit": Strategy.LEAST_LOADED}, loads={}, last={},
                       at=MONDAY_10_CHICAGO)
    assert list(picks.values()) == ["ann", "bob", "ann", "ann"]  # bob at 1 of 2 = 0.5


def test_skill_match_prefers_the_code_then_segment_then_region_then_load() -> None:
    team = [member("gen"), member("pricing-pro", codes=frozenset({"CREDIT_LIMIT_EXCEEDED"})),
            member("key-accts", codes=frozenset({"CREDIT_LIMIT_EXCEEDED"}),
                   segments=frozenset({"key"}))]
    target = case(segment="key", region="south")
    assert choose(target, team, Strategy.SKILL_MATCH, loads={}, last=None,
                  at=MONDAY_10_CHICAGO) == "key-accts"
    assert choose(case(segment="standard"), team, Strategy.SKILL_MATCH,
                  loads={"pricing-pro": 1}, last=None, at=MONDAY_10_CHICAGO) == "key-accts"
    full = {"key-accts": 5, "pricing-pro": 5}
    assert choose(target, team, Strategy.SKILL_MATCH, loads=full, last=None,
                  at=MONDAY_10_CHICAGO) == "gen"  # the skilled are full: the rest, not nobody


@pytest.mark.parametrize("strategy", list(Strategy))
def test_a_reopened_case_goes_back_to_its_owner_when_they_are_eligible(
        strategy: Strategy) -> None:
    team = [member("ann"), member("bob")]
    assert choose(case(owner="bob"), team, strategy, loads={"bob": 4}, last="bob",
                  at=MONDAY_10_CHICAGO) == "bob"
    off = choose(case(owner="bob"), [member("ann"), member("bob", shift=BERLIN)], strategy,
                 loads={}, last=None, at=MONDAY_10_CHICAGO)
    assert off == (None if strategy is Strategy.MANUAL else "ann")


def test_an_absent_persons_cases_go_to_the_others_or_back_to_the_queue() -> None:
    team = [member("ann"), member("bob"), member("cy", queue="pricing")]
    theirs = [case("SO1:X", owner="ann"), case("SO2:X", owner="ann"),
              case("SO3:P", queue="pricing", code="PRICE_MISMATCH", owner="ann")]
    moved = reassign_absent("ann", theirs, team, {"credit": Strategy.LEAST_LOADED,
                                                  "pricing": Strategy.MANUAL},
                            loads={"ann": 3}, last={}, at=MONDAY_10_CHICAGO)
    assert moved == {"SO1:X": "bob", "SO2:X": "bob", "SO3:P": None}
