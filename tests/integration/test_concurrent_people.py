"""Two people acting on one case at once: exactly one wins, the other is told (409).

Each person has their own engine (as two `ordex serve` processes would); both wait at a
barrier and resolve the same case with RELEASE at the same moment, twenty times.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commands import ingest
from ordex.adapters.db import tables as t
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain.commands import PostPayment, ResolveCase, TakeCase
from ordex.domain.errors import CaseChangedError, IllegalTransitionError

ROOT = Path(__file__).resolve().parents[2]
TRIES = 20


def _ship_to_case(app: App, n: int) -> tuple[str, bool]:
    """A fresh order with an invalid ship-to (EX-1003 under a new id and PO): its case id, and
    whether that case alone holds the order (then resolving it releases the order)."""
    line = next(ln for ln in (ROOT / "examples" / "orders.ndjson").read_text().splitlines()
                if '"EX-1003"' in ln)
    doc = json.loads(line) | {"order_id": f"RACE-{n}", "customer_po": f"RACE-PO-{n}"}
    for ln in doc["lines"]:  # other quantities: not a likely duplicate of the last race
        ln["quantity"] = ln["quantity"] + n
    [outcome] = ingest(app, [(json.dumps(doc).encode(), "race")], channel="api")
    assert f"RACE-{n}:INVALID_SHIP_TO" in outcome.result["cases"]
    return f"RACE-{n}:INVALID_SHIP_TO", outcome.result["cases"] == [f"RACE-{n}:INVALID_SHIP_TO"]


def _race(apps: list[App], command: object) -> list[str]:
    """Hand the same command to each app at the same moment: what each got."""
    barrier, got = threading.Barrier(len(apps)), [""] * len(apps)

    def act(i: int) -> None:
        barrier.wait()
        try:
            apps[i].bus.handle(command)
            got[i] = "won"
        except (CaseChangedError, IllegalTransitionError) as exc:
            got[i] = type(exc).__name__
    threads = [threading.Thread(target=act, args=(i,)) for i in range(len(apps))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    return got


def test_two_people_resolving_one_case_at_once_exactly_one_wins(
        example_app: App, db_url: str) -> None:
    people = [bootstrap(Settings(database_url=db_url), clock=example_app.clock)
              for _ in range(2)]
    example_app.bus.handle(PostPayment("BOLT", Decimal(10) ** 8))  # credit for every race
    outcomes, alone = [], set()
    for n in range(TRIES):
        case_id, only = _ship_to_case(example_app, n)
        alone |= {f"RACE-{n}"} if only else set()
        outcomes.append(sorted(_race(people, ResolveCase(case_id, f"person-{n}", "RELEASE",
                                                         "address checked"))))
    with example_app.engine.connect() as conn:
        sent = dict(conn.execute(select(t.outbox.c.order_id, func.count()).where(
            t.outbox.c.command == "ReleaseLines", t.outbox.c.order_id.like("RACE-%"))
            .group_by(t.outbox.c.order_id)).all())
        moves = dict(conn.execute(select(t.audit_log.c.case_id, func.count()).where(
            t.audit_log.c.case_id.like("RACE-%"), t.audit_log.c.to_state == "resolved")
            .group_by(t.audit_log.c.case_id)).all())
    assert all(o[1] == "won" and o[0] in ("CaseChangedError", "IllegalTransitionError")
               for o in outcomes), outcomes
    assert len(alone) >= TRIES // 2  # enough races release an order
    assert sent == {order: 1 for order in alone}  # released once, never twice
    assert moves == {f"RACE-{n}:INVALID_SHIP_TO": 1 for n in range(TRIES)}
    for app in people:
        app.engine.dispose()


def test_an_action_on_a_case_version_the_person_did_not_see_is_refused(
        example_app: App) -> None:
    case_id, _alone = _ship_to_case(example_app, 99)
    example_app.bus.handle(TakeCase(case_id, "ann"))
    with pytest.raises(CaseChangedError, match="changed since version 0"):
        example_app.bus.handle(ResolveCase(case_id, "bob", "RELEASE", "", expected_version=0))
    example_app.bus.handle(ResolveCase(case_id, "bob", "RELEASE", "", expected_version=1))
    assert (example_app.queries.case(case_id) or {})["state"] == "resolved"
