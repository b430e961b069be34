"""The work page's read model on SQLite and PostgreSQL: the SLA-state filter agrees with the
state each row shows at every moment, the age buckets split the cases, a paused case is
paused, and migration 0020 matches tables.py and goes down cleanly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, update

from commands import ingest
from ordex.adapters.db import tables as t
from ordex.adapters.db.migrate import alembic_config
from ordex.adapters.db.state_repo import OPEN_STATES
from ordex.adapters.db.work_queries import (
    AGES,
    AT_RISK,
    SLA_STATES,
    WorkFilter,
    WorkQueries,
    page_query,
    sla_state,
)
from ordex.bootstrap import App
from ordex.domain.codes import ExceptionCode

ROOT = Path(__file__).resolve().parents[2]
MINE = {"ix_cases_active_priority", "ix_cases_active_queue", "ix_orders_customer_po"}


def credit_orders(count: int) -> list[bytes]:
    """Orders of BOLT (credit limit 5,000) worth 6,000 each: a credit hold apiece."""
    return [json.dumps({
        "order_id": f"Q-{n}", "customer_id": "BOLT", "customer_po": f"PO-Q-{n}",
        "channel": "api", "order_date": "2026-11-23", "requested_ship_date": "2026-11-30",
        "ship_to": {"code": "BOLT-1", "name": "Bolt & Nut Contractors",
                    "line1": "45 Harbor Blvd", "line2": "", "city": "Tampa", "state": "FL",
                    "postal_code": "33602", "country": "US"},
        "ship_via": "UPSN-GND", "warehouse_id": "CHI",
        "lines": [{"line_no": 1, "item_id": "BOLT-M8", "quantity": 200, "uom": "EA",
                   "unit_price": 30.0}]}).encode() for n in range(count)]


def loaded(app: App) -> WorkQueries:
    lines = (ROOT / "examples" / "orders.ndjson").read_bytes().splitlines()
    ingest(app, [(line, "test") for line in [*lines, *credit_orders(12)]], channel="api")
    return WorkQueries(app.engine)


def ids(reads: WorkQueries, f: WorkFilter, now: datetime) -> list[str]:
    return [r["case_id"] for r in reads.page(f, now=now, limit=500)]


def test_the_sla_filter_and_the_shown_state_agree_at_every_moment(example_app: App) -> None:
    reads, start = loaded(example_app), example_app.clock()
    with example_app.engine.begin() as conn:  # one case waits for the customer
        paused = conn.execute(update(t.cases).where(t.cases.c.code == "DUPLICATE_ORDER")
                              .values(state="paused")).rowcount
    assert paused >= 1
    everyone = ids(reads, WorkFilter(), start)
    rows = reads.page(WorkFilter(), now=start, limit=500)
    dues = sorted({r["sla_due_at"] for r in rows} | {r["response_due_at"] for r in rows
                                                    if r["response_due_at"]})
    moments = [start] + [m for d in dues[:6] for m in (
        _at(d) - AT_RISK - timedelta(minutes=1), _at(d) - timedelta(minutes=1), _at(d))]
    seen = set()
    for now in moments:
        shown = {r["case_id"]: sla_state(r, now) for r in reads.page(WorkFilter(), now=now,
                                                                     limit=500)}
        for state in SLA_STATES:
            assert set(ids(reads, WorkFilter(sla=state), now)) == {
                c for c, s in shown.items() if s == state}, (now, state)
            assert reads.counts(WorkFilter(sla=state), now=now) == _per_queue(
                reads, [c for c, s in shown.items() if s == state], now)
        seen |= set(shown.values())
    assert seen == set(SLA_STATES)  # every state was met on the way
    assert sorted(ids(reads, WorkFilter(), start)) == sorted(everyone)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _per_queue(reads: WorkQueries, case_ids: list[str], now: datetime) -> dict[str, int]:
    queues = [r["queue"] for r in reads.page(WorkFilter(), now=now, limit=500)
              if r["case_id"] in case_ids]
    return {q: queues.count(q) for q in sorted(set(queues))}


def test_age_buckets_split_the_open_cases_once_each(example_app: App) -> None:
    reads, start = loaded(example_app), example_app.clock()
    everyone = sorted(ids(reads, WorkFilter(), start))
    for later, bucket in ((timedelta(hours=1), "lt4h"), (timedelta(hours=5), "4h-1d"),
                          (timedelta(days=2), "1d-3d"), (timedelta(days=4), "gt3d")):
        split = {age: ids(reads, WorkFilter(age=age), start + later) for age in AGES}
        assert sorted(split[bucket]) == everyone, (later, bucket)
        assert all(found == [] for age, found in split.items() if age != bucket)


def test_queues_limit_the_cases_and_the_counts(example_app: App) -> None:
    reads, now = loaded(example_app), example_app.clock()
    rows = reads.page(WorkFilter(), now=now, limit=500)
    credit = [r["case_id"] for r in rows if r["queue"] == "credit"]
    assert credit and ids(reads, WorkFilter(queues=frozenset({"credit"})), now) == credit
    assert reads.counts(WorkFilter(queues=frozenset({"credit"}), queue="pricing"),
                        now=now) == {"credit": len(credit)}
    assert ids(reads, WorkFilter(queues=frozenset({"credit"}), queue="credit",
                                 code=ExceptionCode.TAX_FAILURE.value), now) == \
        [r["case_id"] for r in rows if r["queue"] == "credit" and r["code"] == "TAX_FAILURE"]
    page_two = reads.page(WorkFilter(), now=now, limit=5, offset=5)
    assert [r["case_id"] for r in page_two] == [r["case_id"] for r in rows][5:10]
    assert reads.facts([credit[0], "nope"]).keys() == {credit[0]}
    assert reads.mark() > 0


def test_migration_0020_matches_tables_py_and_goes_down_cleanly(example_app: App) -> None:
    engine, cfg = example_app.engine, alembic_config()
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, kind, *_: kind == "table" or name in MINE}),
            t.metadata)
    assert [d for d in drift if any(m in str(d) for m in MINE)] == []
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0019")
    names = {i["name"] for tbl in ("cases", "orders") for i in inspect(engine).get_indexes(tbl)}
    assert not MINE & names
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    names = {i["name"] for tbl in ("cases", "orders") for i in inspect(engine).get_indexes(tbl)}
    assert names >= MINE


def test_the_partial_indexes_name_every_active_state_and_serve_the_page_in_order(
        example_app: App) -> None:
    assert t.ACTIVE_CASES.text == "state IN (" + ", ".join(
        f"'{s}'" for s in OPEN_STATES) + ")"
    if example_app.engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner prefers a scan of tables this small: the bench measures it
    query = page_query(WorkFilter(), now=example_app.clock(), limit=51).compile(
        example_app.engine, compile_kwargs={"literal_binds": True})
    forced = str(query).replace("FROM cases ", "FROM cases INDEXED BY ix_cases_active_priority ",
                                1)  # SQLite refuses an index the query cannot use
    with example_app.engine.connect() as conn:
        plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {forced}"))
    assert "ix_cases_active_priority" in plan and "TEMP B-TREE" not in plan, plan
