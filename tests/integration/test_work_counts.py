"""The queue counts and the API's queue listing on SQLite and PostgreSQL: the warehouse
filter's semi-join counts what the page's join shows, the counts read only the covering
partial index (migration 0023), the listing of active cases is the one every case filtered
by hand gives, and migration 0023 matches tables.py and goes down cleanly."""

from __future__ import annotations

from collections import Counter

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, update
from test_work_queries import loaded

from ordex.adapters.db import tables as t
from ordex.adapters.db import work_queries
from ordex.adapters.db.migrate import alembic_config
from ordex.adapters.db.queries import Queries
from ordex.adapters.db.state_repo import OPEN_STATES
from ordex.adapters.db.work_queries import WorkFilter
from ordex.bootstrap import App

MINE = {"ix_cases_active_counts", "ix_orders_warehouse"}


def test_filtered_counts_are_the_rows_the_page_shows(example_app: App) -> None:
    reads, now = loaded(example_app), example_app.clock()
    rows = reads.page(WorkFilter(), now=now, limit=1000)
    warehouses = {r["warehouse_id"] for r in rows}
    assert warehouses
    for w in sorted(warehouses):
        expected = Counter(r["queue"] for r in rows if r["warehouse_id"] == w)
        assert reads.counts(WorkFilter(warehouse=w), now=now) == dict(sorted(expected.items()))
        assert len(reads.page(WorkFilter(warehouse=w), now=now, limit=1000)) == \
            sum(expected.values())
    assert reads.counts(WorkFilter(warehouse="NOWHERE"), now=now) == {}
    for key in ("region", "tier", "customer_id", "code"):
        for value in sorted({r[key] for r in rows if r[key]}):
            f = WorkFilter(**{"customer" if key == "customer_id" else key: value})
            expected = Counter(r["queue"] for r in rows if r[key] == value)
            assert reads.counts(f, now=now) == dict(sorted(expected.items())), (key, value)
    tier = rows[0]["tier"]
    both = Counter(r["queue"] for r in rows
                   if r["warehouse_id"] == rows[0]["warehouse_id"] and r["tier"] == tier)
    assert reads.counts(WorkFilter(warehouse=rows[0]["warehouse_id"], tier=tier),
                        now=now) == dict(sorted(both.items()))


def test_the_counts_read_only_the_covering_partial_index(example_app: App) -> None:
    reads, now = loaded(example_app), example_app.clock()
    assert sum(reads.counts(WorkFilter(), now=now).values()) > 0
    if example_app.engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner prefers a scan of tables this small: the bench measures it
    query = select(t.cases.c.queue).where(
        *work_queries._conditions(WorkFilter(code="CREDIT_LIMIT_EXCEEDED", sla="breached"),
                                  now, with_queue=False, joined=False)).group_by(
        t.cases.c.queue).compile(example_app.engine, compile_kwargs={"literal_binds": True})
    forced = str(query).replace("FROM cases", "FROM cases INDEXED BY ix_cases_active_counts",
                                1)  # SQLite refuses an index the query cannot use
    with example_app.engine.connect() as conn:
        plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {forced}"))
    assert "COVERING INDEX ix_cases_active_counts" in plan and "TEMP B-TREE" not in plan, plan


def test_the_active_listing_is_every_case_filtered_by_hand(example_app: App) -> None:
    loaded(example_app)
    with example_app.engine.begin() as conn:  # a closed case must drop out of the listing
        closed = conn.execute(update(t.cases).where(t.cases.c.queue == "credit").where(
            t.cases.c.case_id == select(t.cases.c.case_id).where(
                t.cases.c.queue == "credit").order_by(t.cases.c.case_id).limit(1)
            .scalar_subquery()).values(state="resolved")).rowcount
    assert closed == 1
    queries = Queries(example_app.engine)
    every = queries.cases(limit=1000)
    for queue in ("credit", None):
        expected = [c["case_id"] for c in every if c["state"] in OPEN_STATES
                    and queue in (None, c["queue"])]
        assert expected
        found = queries.cases(queue=queue, state="active", limit=1000)
        assert [c["case_id"] for c in found] == expected
        assert [c["case_id"] for c in queries.cases(queue=queue, state="active", limit=3,
                                                    offset=2)] == expected[2:5]


def test_migration_0023_matches_tables_py_and_goes_down_cleanly(example_app: App) -> None:
    engine, cfg = example_app.engine, alembic_config()
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, kind, *_: kind == "table" or name in MINE}),
            t.metadata)
    assert [d for d in drift if any(m in str(d) for m in MINE)] == []
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0022")
    names = {i["name"] for tbl in ("cases", "orders") for i in inspect(engine).get_indexes(tbl)}
    assert not MINE & names
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    names = {i["name"] for tbl in ("cases", "orders") for i in inspect(engine).get_indexes(tbl)}
    assert names >= MINE
