"""Assignment strategies: who gets a case, honouring shifts, capacity, skills and owners."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from ordex.domain.assignment import Absence, QueueAssignment, Strategy
from ordex.domain.errors import InvalidUserError
from ordex.domain.identity import Skills, User, WorkingHours
from ordex.orchestrate.assignment import CaseToAssign, assign_all, choose, eligible, on_shift

MONDAY_10_CHICAGO = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
CHICAGO, BERLIN = "America/Chicago", "Europe/Berlin"  # 17:00 in Berlin then: off shift
RR, LEAST = QueueAssignment(Strategy.ROUND_ROBIN), QueueAssignment(Strategy.LEAST_LOADED)
SKILL = QueueAssignment(Strategy.SKILL_MATCH, Strategy.LEAST_LOADED)


def member(user_id: str, *, queue: str = "credit", zone: str = CHICAGO, capacity: int = 5,
           codes: tuple[str, ...] = (), segments: tuple[str, ...] = (),
           regions: tuple[str, ...] = (), active: bool = True,
           hours: WorkingHours | None = None) -> User:
    return User(user_id, user_id.title(), f"{user_id}@example.com", ("credit_analyst",),
                (queue,), Skills(codes, segments, regions), zone, hours or WorkingHours(),
                capacity, active)


def case(case_id: str = "SO1:CREDIT_LIMIT_EXCEEDED", *, queue: str = "credit",
         code: str = "CREDIT_LIMIT_EXCEEDED", owner: str | None = None, segment: str = "",
         region: str = "") -> CaseToAssign:
    return CaseToAssign(case_id, queue, code, segment, region, owner)


def test_working_hours_follow_the_users_time_zone_and_days() -> None:
    assert on_shift(member("ann"), MONDAY_10_CHICAGO)
    assert not on_shift(member("bob", zone=BERLIN), MONDAY_10_CHICAGO)
    assert not on_shift(member("ann"), datetime(2026, 12, 5, 16, 0, tzinfo=UTC))  # Saturday
    assert not on_shift(member("ann"), datetime(2026, 11, 30, 23, 0, tzinfo=UTC))  # 17:00 sharp
    weekend = member("sam", hours=WorkingHours(time(9), time(13), ("sat",)))
    assert on_shift(weekend, datetime(2026, 12, 5, 16, 0, tzinfo=UTC))
    summer = datetime(2026, 7, 1, 13, 30, tzinfo=UTC)  # 08:30 CDT: DST moves the shift
    assert on_shift(member("ann"), summer)
    assert not on_shift(member("ann"), datetime(2026, 1, 5, 13, 30, tzinfo=UTC))


def test_only_active_present_on_shift_people_of_the_queue_under_capacity_are_eligible(
        ) -> None:
    team = [member("ann"), member("bob", zone=BERLIN), member("cy", queue="pricing"),
            member("dee"), member("eve", active=False), member("fay", capacity=2)]
    people = eligible(team, "credit", loads={"fay": 2}, away={"dee"}, at=MONDAY_10_CHICAGO)
    assert [u.user_id for u in people] == ["ann"]


def test_manual_leaves_the_case_in_the_queue_and_nobody_eligible_does_too() -> None:
    manual = choose(case(), [member("ann")], QueueAssignment(), loads={}, last=None,
                    at=MONDAY_10_CHICAGO)
    assert manual.user_id is None and manual.strategy == "manual"
    assert choose(case(), [member("bob", zone=BERLIN)], LEAST, loads={}, last=None,
                  at=MONDAY_10_CHICAGO).user_id is None


def test_round_robin_takes_turns_after_the_last_pick_and_wraps() -> None:
    team = [member("ann"), member("bob"), member("cy")]
    picks = assign_all([case(f"SO{i}:X") for i in range(5)], team, {"credit": RR}, loads={},
                       last={"credit": "ann"}, at=MONDAY_10_CHICAGO)
    assert [p.user_id for p in picks.values()] == ["bob", "cy", "ann", "bob", "cy"]
    assert {p.strategy for p in picks.values()} == {"round_robin"}


def test_least_loaded_weighs_load_against_capacity_and_counts_its_own_picks() -> None:
    team = [member("ann", capacity=10), member("bob", capacity=2)]
    assert choose(case(), team, LEAST, loads={"ann": 4, "bob": 1}, last=None,
                  at=MONDAY_10_CHICAGO).user_id == "ann"  # 0.4 against 0.5
    picks = assign_all([case(f"SO{i}:X") for i in range(4)], team, {"credit": LEAST},
                       loads={}, last={}, at=MONDAY_10_CHICAGO)
    assert [p.user_id for p in picks.values()] == ["ann", "bob", "ann", "ann"]


def test_a_full_team_leaves_the_rest_of_the_batch_in_the_queue() -> None:
    team = [member("ann", capacity=1), member("bob", capacity=1)]
    picks = assign_all([case(f"SO{i}:X") for i in range(3)], team, {"credit": LEAST},
                       loads={}, last={}, at=MONDAY_10_CHICAGO)
    assert [p.user_id for p in picks.values()] == ["ann", "bob", None]


def test_skill_match_prefers_the_code_then_segment_then_region_then_load() -> None:
    team = [member("gen"), member("credit-pro", codes=("CREDIT_LIMIT_EXCEEDED",)),
            member("key-accts", codes=("CREDIT_LIMIT_EXCEEDED",), segments=("platinum",))]
    target = case(segment="platinum", region="south")
    assert choose(target, team, SKILL, loads={}, last=None,
                  at=MONDAY_10_CHICAGO).user_id == "key-accts"
    assert choose(case(segment="bronze"), team, SKILL, loads={"credit-pro": 1}, last=None,
                  at=MONDAY_10_CHICAGO).user_id == "key-accts"  # equal skill: less loaded
    south = member("south", regions=("south",))
    assert choose(case(code="PAST_DUE_HOLD", region="south"), [*team, south], SKILL,
                  loads={}, last=None, at=MONDAY_10_CHICAGO).user_id == "south"


def test_skill_match_without_a_match_hands_the_case_to_the_fallback() -> None:
    team = [member("gen"), member("key-accts", codes=("CREDIT_LIMIT_EXCEEDED",))]
    full = {"key-accts": 5}
    fell = choose(case(), team, SKILL, loads=full, last=None, at=MONDAY_10_CHICAGO)
    assert (fell.user_id, fell.strategy) == ("gen", "least_loaded")
    strict = QueueAssignment(Strategy.SKILL_MATCH)
    assert choose(case(), team, strict, loads=full, last=None,
                  at=MONDAY_10_CHICAGO).user_id is None


@pytest.mark.parametrize("strategy", list(Strategy))
def test_a_reopened_case_goes_back_to_its_owner_when_they_are_eligible(
        strategy: Strategy) -> None:
    rule = QueueAssignment(strategy, Strategy.LEAST_LOADED)
    team = [member("ann"), member("bob")]
    back = choose(case(owner="bob"), team, rule, loads={"bob": 4}, last="bob",
                  at=MONDAY_10_CHICAGO)
    assert (back.user_id, back.strategy) == ("bob", "owner")
    off = choose(case(owner="bob"), [member("ann"), member("bob", zone=BERLIN)], rule,
                 loads={}, last=None, at=MONDAY_10_CHICAGO)
    assert off.user_id == (None if strategy is Strategy.MANUAL else "ann")
    away = choose(case(owner="bob"), team, rule, loads={}, last=None, away={"bob"},
                  at=MONDAY_10_CHICAGO)
    assert away.user_id != "bob"


def test_an_absence_covers_its_window_and_refuses_an_end_before_its_start() -> None:
    gone = Absence("ann", datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC))
    assert gone.covers(datetime(2026, 12, 2, tzinfo=UTC))
    assert not gone.covers(datetime(2026, 12, 3, tzinfo=UTC))
    with pytest.raises(InvalidUserError) as bad:
        Absence("ann", datetime(2026, 12, 3, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert bad.value.details["field"] == "until" and "until" in str(bad.value)
