"""The simulated people: shifts in their own time zones, first touch by the response target,
ordex's recommendation accepted unless the person overrides it with a ranked alternative."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ordex.domain import commands as c
from ordex.domain.cases import Case
from ordex.domain.codes import ExceptionCode, Queue, Severity
from ordex.domain.errors import ActionParameterError
from ordex.simulate import casework
from ordex.simulate.people import ROSTERS, SHIFTS, Roster, Shift, first_touch, plan_visit

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)  # Chicago is UTC-6 that week


def case(*, opened: datetime, queue: str = "customer_service", response_hours: float = 2,
         best: str | None = "CORRECT_ADDRESS", ranked: tuple[str, ...] = ()) -> Case:
    rec = {"action": best, "alternatives": {a: {} for a in ranked}} if best else {}
    return Case("O-1:INVALID_SHIP_TO", ExceptionCode.INVALID_SHIP_TO, Queue(queue),
                Severity.BLOCKING, "O-1", "ACME", (1,), "r", {"recommendation": rec}, 50,
                Decimal(100), opened, opened + timedelta(hours=24),
                response_due_at=opened + timedelta(hours=response_hours))


def test_a_shift_is_worked_in_its_own_zone_and_overlapping_shifts_merge() -> None:
    roster = Roster((Shift("America/Chicago", 7, 16), Shift("America/Chicago", 10, 19)))
    assert roster.add(MONDAY, 0) == MONDAY + timedelta(hours=13)  # 07:00 Central
    start = roster.add(MONDAY, 0)
    assert roster.minutes(start, start + timedelta(days=1)) == 12 * 60  # 07:00-19:00
    friday_evening = datetime(2026, 11, 28, 0, 30, tzinfo=UTC)  # Fri 18:30 Central
    assert roster.add(friday_evening, 60) == datetime(2026, 11, 30, 13, 30, tzinfo=UTC)


def test_shift_hours_follow_daylight_saving_time() -> None:
    roster = Roster((Shift("America/Chicago", 8, 17),))
    summer, winter = datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC)
    assert roster.add(summer, 0).hour == 13 and roster.add(winter, 0).hour == 14


def test_every_queue_has_a_team_and_integration_works_every_day() -> None:
    assert set(SHIFTS) == {q.value for q in Queue}
    sunday = datetime(2026, 11, 29, 12, tzinfo=UTC)
    assert ROSTERS["integration"].add(sunday, 0) < sunday + timedelta(hours=2)
    assert ROSTERS["pricing"].add(sunday, 0) == datetime(2026, 11, 30, 14, tzinfo=UTC)


def test_people_mostly_take_a_case_on_shift_before_its_response_due_time() -> None:
    rng, roster = random.Random(5), ROSTERS["customer_service"]
    opened = [MONDAY + timedelta(days=k % 5, hours=14, minutes=12 * (k % 40))
              for k in range(200)]  # 08:00-16:00 Central, Monday to Friday: targets in hours
    takes = [(o, first_touch(case(opened=o), rng)) for o in opened]
    on_shift = [t for _, t in takes if roster.add(t, 0) == t]
    assert len(on_shift) == len(takes)  # nobody takes a case off shift
    in_time = [o for o, t in takes if t <= case(opened=o).response_due_at]  # type: ignore[operator]
    assert 0.8 <= len(in_time) / len(takes) <= 0.97
    weekend = datetime(2026, 11, 28, 15, tzinfo=UTC)  # Saturday: Monday's first hours
    take = first_touch(case(opened=weekend, response_hours=50), random.Random(1))
    assert datetime(2026, 11, 30, 13, tzinfo=UTC) <= take


def test_a_visit_is_deterministic_with_the_seed_and_never_resolves_before_the_take() -> None:
    one = [plan_visit(case(opened=MONDAY + timedelta(hours=h)), random.Random(3))
           for h in range(50)]
    two = [plan_visit(case(opened=MONDAY + timedelta(hours=h)), random.Random(3))
           for h in range(50)]
    assert one == two and all(v.take < v.done for v in one)


class Desk:
    """What the simulated person sends, and a refusal for the actions named."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.sent: list[Any] = []
        self.refuse = refuse

    def __call__(self, at: datetime, command: Any) -> None:
        action = getattr(command, "action", None) or type(command).__name__
        if action in self.refuse:
            raise ActionParameterError("stock moved", field="warehouse_id")
        self.sent.append(command)


def resolve(one: Case, seed: int, desk: Desk, fallback: str = "RELEASE") -> str | None:
    return casework.resolve_case(one, MONDAY, actor="cs-rep", fallback=fallback,
                                 params=lambda a: {}, handle=desk, team=random.Random(seed))


def test_people_accept_a_settling_recommendation_and_override_about_the_share_given() -> None:
    taken = [resolve(case(opened=MONDAY, best="ALTERNATE_WAREHOUSE",
                          ranked=("ALTERNATE_WAREHOUSE", "HOLD", "BACKORDER")), seed, Desk())
             for seed in range(400)]
    overridden = taken.count("BACKORDER") / len(taken)
    assert abs(overridden - casework.OVERRIDES) < 0.05
    assert taken.count("ALTERNATE_WAREHOUSE") + taken.count("BACKORDER") == len(taken)
    desk = Desk()
    assert resolve(case(opened=MONDAY, best="CORRECT_ADDRESS"), 0, desk) == "CORRECT_ADDRESS"
    assert isinstance(desk.sent[0], c.AcceptRecommendation)  # nothing else to choose from


def test_an_override_chooses_a_ranked_alternative_with_a_reason() -> None:
    desk = Desk()
    seed = next(s for s in range(100) if random.Random(s).random() < casework.OVERRIDES)
    one = case(opened=MONDAY, best="SPLIT_SHIPMENT", ranked=("SPLIT_SHIPMENT", "BACKORDER"))
    assert resolve(one, seed, desk) == "BACKORDER"
    [sent] = desk.sent
    assert isinstance(sent, c.ChooseAlternative) and sent.rank == 2 and sent.reason


def test_a_recommendation_that_keeps_the_hold_gives_way_to_what_settles_the_case() -> None:
    desk = Desk()
    one = case(opened=MONDAY, best="NOTIFY_CUSTOMER", ranked=("NOTIFY_CUSTOMER",
                                                             "CANCEL_DUPLICATE"))
    assert resolve(one, 0, desk, fallback="CANCEL_DUPLICATE") == "CANCEL_DUPLICATE"
    assert isinstance(desk.sent[0], c.ChooseAlternative)
    desk = Desk()
    assert resolve(case(opened=MONDAY, best="ESCALATE"), 0, desk) == "RELEASE"
    [sent] = desk.sent
    assert isinstance(sent, c.OverrideRecommendation) and "ESCALATE" in sent.reason


def test_when_ordex_parameters_no_longer_fit_the_desk_action_is_taken() -> None:
    desk = Desk(refuse=frozenset({"AcceptRecommendation"}))
    one = case(opened=MONDAY, best="ALTERNATE_WAREHOUSE")
    assert resolve(one, 0, desk, fallback="BACKORDER") == "BACKORDER"
    [sent] = desk.sent
    assert isinstance(sent, c.ResolveCase) and sent.action == "BACKORDER"
    assert resolve(one, 0, Desk(refuse=frozenset({"AcceptRecommendation", "BACKORDER"})),
                   fallback="BACKORDER") is None
