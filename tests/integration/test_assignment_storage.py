"""Assignment on SQLite and PostgreSQL: cases opened by intake go to people by their queue's
strategy (round-robin durable across units of work and two workers, least-loaded against
capacity, skill match, working hours), reopened cases to their owner, and an absent or
disabled person's cases to others."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from commands import ingest
from ordex.adapters.db import tables as t
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain import commands as c
from ordex.domain.assignment import SYSTEM_ASSIGNMENT
from ordex.domain.identity import Skills, User, WorkingHours
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)  # Monday: 09:00 UTC, 03:00 in Chicago
EXAMPLES = (ROOT / "examples" / "orders.ndjson").read_bytes().splitlines()
ACME, BOLT = json.loads(EXAMPLES[0]), json.loads(EXAMPLES[2])
OVER_CREDIT = {"ACME": [{"line_no": 1, "item_id": "VALVE-100", "quantity": 3000, "uom": "EA",
                         "unit_price": 21.60}],
               "BOLT": [{"line_no": 1, "item_id": "VALVE-100", "quantity": 300, "uom": "EA",
                         "unit_price": 21.60}]}


def start(url: str, tmp_path: Path, assignment: str, *,
          clock: Callable[[], datetime] = lambda: NOW) -> App:
    """An app whose policy routes without auto-applying, with this `assignment:` section."""
    policy = tmp_path / "policy.yaml"
    policy.write_text((ROOT / "policies" / "recommend-only.yaml").read_text()
                      + "\nassignment:\n" + assignment)
    app = bootstrap(Settings(database_url=url, policy_file=policy), clock=clock)
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    return app


def people(app: App, *users: User) -> None:
    for user in users:
        app.identity.add_user(user, password=None, now=NOW, by="tests")


def person(user_id: str, *queues: str, capacity: int = 20, zone: str = "UTC",
           skills: Skills | None = None) -> User:
    return User(user_id, user_id.title(), f"{user_id}@example.com", ("cs_rep",),
                queues or ("customer_service",), skills or Skills(), zone, WorkingHours(),
                capacity)


def bad_ship_to(n: int, customer: str = "ACME", item: str = "VALVE-100") -> tuple[bytes, str]:
    """An ACME order whose ship-to state does not fit its postal code: one INVALID_SHIP_TO
    (customer_service); quantities differ, so no order looks like another's duplicate."""
    lines = [{"line_no": 1, "item_id": item, "quantity": n, "uom": "EA",
              "unit_price": 21.60}]
    return json.dumps({**ACME, "order_id": f"SHIP-{n}", "customer_po": f"P-S{n}",
                       "customer_id": customer,
                       "ship_to": {**ACME["ship_to"], "state": "GA"}, "lines": lines}
                      ).encode(), "t"


def over_credit(customer: str, n: int) -> tuple[bytes, str]:
    """An order beyond the customer's credit limit (a CREDIT_LIMIT_EXCEEDED among others)."""
    base = ACME if customer == "ACME" else BOLT
    return json.dumps({**base, "order_id": f"CR-{customer}-{n}", "customer_po": f"P-C{n}",
                       "lines": OVER_CREDIT[customer]}).encode(), "t"


def held(app: App, queue: str = "customer_service") -> list[tuple[str, str, str | None]]:
    """(case id, state, assignee) of a queue's cases, by when they opened and id."""
    q = t.cases
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(q.c.case_id, q.c.state, q.c.assignee).where(q.c.queue == queue)
            .order_by(q.c.case_id))]


def audit(app: App, case_id: str) -> list[Any]:
    a = t.audit_log
    with app.engine.connect() as conn:
        return list(conn.execute(select(a.c.actor, a.c.action, a.c.from_state, a.c.to_state,
                                        a.c.reason).where(a.c.case_id == case_id)
                                 .order_by(a.c.seq)))


def test_intake_assigns_round_robin_durably_across_units_of_work(db_url: str,
                                                                  tmp_path: Path) -> None:
    app = start(db_url, tmp_path, "  customer_service: {strategy: round_robin}\n")
    people(app, person("ann"), person("bob"))
    ingest(app, [bad_ship_to(n) for n in range(1, 4)], channel="api")
    ingest(app, [bad_ship_to(4)], channel="api")  # a later unit of work continues the turn
    assert [a for _c, _s, a in held(app)] == ["ann", "bob", "ann", "bob"]
    assert {s for _c, s, _a in held(app)} == {"assigned"}
    last = audit(app, "SHIP-1:INVALID_SHIP_TO")[-1]
    assert tuple(last) == (SYSTEM_ASSIGNMENT, "assign", "open", "assigned",
                           "round_robin: assigned to ann")
    with app.engine.connect() as conn:
        assert list(conn.execute(select(t.assignment_turns.c.queue, t.assignment_turns.c.user_id))
                    ) == [("customer_service", "bob")]


def test_round_robin_is_even_under_two_concurrent_workers(db_url: str, tmp_path: Path) -> None:
    app = start(db_url, tmp_path, "  customer_service: {strategy: round_robin}\n")
    people(app, person("ann"), person("bob"))
    errors: list[BaseException] = []

    def worker(first: int, *who: str) -> None:
        try:  # other customers and items: only the queue's turn makes them wait for each other
            for n in range(first, first + 5):
                ingest(app, [bad_ship_to(n, *who)], channel="api")
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=a)
               for a in ((1, "ACME", "VALVE-100"), (11, "CASH", "BOLT-M8"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    got = [a for _c, _s, a in held(app)]
    assert len(got) == 10 and got.count("ann") == 5 and got.count("bob") == 5


def test_least_loaded_respects_capacity_and_a_full_team_leaves_cases_queued(
        db_url: str, tmp_path: Path) -> None:
    app = start(db_url, tmp_path, "  customer_service: {strategy: least_loaded}\n")
    people(app, person("ann", capacity=1), person("bob", capacity=2))
    ingest(app, [bad_ship_to(1)], channel="api")
    ingest(app, [bad_ship_to(n) for n in (2, 3, 4)], channel="api")
    assert [(s, a) for _c, s, a in held(app)] == [
        ("assigned", "ann"), ("assigned", "bob"), ("assigned", "bob"), ("open", None)]
    people(app, person("cy"))  # someone becomes available: what waited is assigned
    back = app.bus.handle(c.MarkBack("cy", "tests"))
    assert back["assigned"] == {"SHIP-4:INVALID_SHIP_TO": "cy"}
    assert held(app)[3][1:] == ("assigned", "cy")


def test_skill_match_by_code_then_segment_then_region(db_url: str, tmp_path: Path) -> None:
    app = start(db_url, tmp_path,
                "  credit: {strategy: skill_match, fallback: least_loaded}\n")
    people(app, person("gen", "credit"),
           person("gold", "credit", skills=Skills(segments=("gold",))),
           person("south", "credit", skills=Skills(regions=("SE",))),
           person("coder", "credit", capacity=1,
                  skills=Skills(codes=("CREDIT_LIMIT_EXCEEDED",), regions=("SE",))))
    ingest(app, [over_credit("BOLT", 1)], channel="api")  # the code's specialist first
    ingest(app, [over_credit("ACME", 2), over_credit("BOLT", 3)], channel="api")
    assert dict((c_, a) for c_, _s, a in held(app, "credit")) == {
        "CR-BOLT-1:CREDIT_LIMIT_EXCEEDED": "coder",  # code (and region) match
        "CR-ACME-2:CREDIT_LIMIT_EXCEEDED": "gold",  # gold segment; the coder is full
        "CR-BOLT-3:CREDIT_LIMIT_EXCEEDED": "south"}  # SE region
    assert audit(app, "CR-ACME-2:CREDIT_LIMIT_EXCEEDED")[-1].reason.startswith("skill_match:")


def test_an_off_shift_person_is_skipped_at_the_frozen_moment(db_url: str,
                                                              tmp_path: Path) -> None:
    now = [NOW]
    app = start(db_url, tmp_path, "  customer_service: {strategy: round_robin}\n",
                clock=lambda: now[0])
    people(app, person("day"), person("chicago", zone="America/Chicago"))
    ingest(app, [bad_ship_to(n) for n in (1, 2)], channel="api")  # 03:00 in Chicago
    assert [a for _c, _s, a in held(app)] == ["day", "day"]
    now[0] = NOW + timedelta(hours=6)  # 15:00 UTC, 09:00 in Chicago: both on shift
    ingest(app, [bad_ship_to(n) for n in (3, 4)], channel="api")
    assert [a for _c, _s, a in held(app)][2:] == ["chicago", "day"]


def test_a_reopened_case_goes_back_to_its_owner_unless_they_are_away(
        db_url: str, tmp_path: Path) -> None:
    app = start(db_url, tmp_path, "  customer_service: {strategy: round_robin}\n")
    people(app, person("ann"), person("bob"))
    ingest(app, [bad_ship_to(1)], channel="api")
    case_id = "SHIP-1:INVALID_SHIP_TO"
    app.bus.handle(c.TakeCase(case_id, "ann"))
    app.bus.handle(c.CancelCase(case_id, "ann", "customer phoned: wrong order"))
    app.bus.handle(c.ReopenCase(case_id, "bob", "the order stands"))
    assert held(app)[0][1:] == ("assigned", "ann")
    assert audit(app, case_id)[-1].reason == "owner: assigned to ann"
    app.bus.handle(c.CancelCase(case_id, "ann", "customer phoned again"))
    app.bus.handle(c.MarkAway("ann", NOW, NOW + timedelta(days=3), "tests", "holiday"))
    app.bus.handle(c.ReopenCase(case_id, "bob", "the order stands after all"))
    assert held(app)[0][1:] == ("assigned", "bob")


def test_away_hands_cases_over_and_the_absent_get_nothing_new(db_url: str,
                                                               tmp_path: Path) -> None:
    app = start(db_url, tmp_path, "  customer_service: {strategy: round_robin}\n")
    people(app, person("ann"), person("bob"), person("cy"))
    ingest(app, [bad_ship_to(n) for n in (1, 2, 3)], channel="api")
    app.bus.handle(c.TakeCase("SHIP-1:INVALID_SHIP_TO", "ann"))
    done = app.bus.handle(c.MarkAway("ann", NOW - timedelta(hours=1), NOW + timedelta(days=2),
                                     "tests", "flu"))
    assert done.reassigned == {"SHIP-1:INVALID_SHIP_TO": "bob"}
    ingest(app, [bad_ship_to(n) for n in (4, 5, 6)], channel="api")
    got = dict((c_, a) for c_, _s, a in held(app))
    assert "ann" not in got.values() and got["SHIP-1:INVALID_SHIP_TO"] == "bob"
    assert audit(app, "SHIP-1:INVALID_SHIP_TO")[-1][:2] == (SYSTEM_ASSIGNMENT, "reassign")
    a = t.audit_log
    with app.engine.connect() as conn:
        assert "UserAway" in conn.execute(select(a.c.action).where(a.c.case_id == "people")
                                          ).scalars().all()
    assert app.bus.handle(c.MarkBack("ann", "tests"))["absences_ended"] == 1
    ingest(app, [bad_ship_to(n) for n in (7, 8, 9)], channel="api")
    assert "ann" in [a_ for _c, _s, a_ in held(app)][6:]


def test_a_disabled_persons_cases_go_to_the_others(db_url: str, tmp_path: Path) -> None:
    app = start(db_url, tmp_path, "  customer_service: {strategy: least_loaded}\n")
    people(app, person("ann"), person("bob"))
    ingest(app, [bad_ship_to(n) for n in (1, 2)], channel="api")
    mine = [c_ for c_, _s, a in held(app) if a == "ann"]
    assert mine
    app.identity.set_active("ann", False, now=NOW, by="tests")
    done = app.bus.handle(c.HandOverCases("ann", "tests", "disabled"))
    assert sorted(done.reassigned) == sorted(mine) and set(done.reassigned.values()) == {"bob"}
    assert {a for _c, _s, a in held(app)} == {"bob"}
