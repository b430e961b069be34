"""The process reference cache: what it serves equals a fresh read, and any write of reference
data — by this process, another process, or SQL by hand — is seen by the next unit of work."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select, text

from ordex.adapters.db import tables as t
from ordex.adapters.db.reference_cache import CACHED_TABLES, ReferenceCache, reference_token
from ordex.adapters.db.reference_repo import load_reference
from ordex.bootstrap import App
from ordex.domain.commands import IngestOrderGroup
from ordex.domain.reference import ReferenceData

ROOT = Path(__file__).resolve().parents[2]
ORDER = json.loads((ROOT / "examples" / "orders.ndjson").read_text().splitlines()[0])
MIGRATION = (ROOT / "src" / "ordex" / "adapters" / "db" / "migrations" / "versions"
             / "0016_reference_version.py")


def _order(order_id: str, **changes: Any) -> bytes:
    """The first example order under another id, PO and quantity (so it duplicates none)."""
    n = int(order_id.split("-")[1])
    lines = [{**ORDER["lines"][0], "quantity": 1}, {**ORDER["lines"][1], "quantity": n}]
    return json.dumps({**ORDER, "order_id": order_id, "customer_po": order_id,
                       "lines": lines, **changes}).encode()


def _codes(app: App, body: bytes) -> set[str]:
    """The exception codes the order's cases carry, judged by the app's bus."""
    [[outcome]] = app.bus.handle(IngestOrderGroup(((body, "test", None),), "api"))
    assert outcome.result["status"] in ("accepted", "held"), outcome.result
    return {case_id.split(":")[-1] for case_id in outcome.result["cases"]}


def _by_another_process(url: str, sql: str) -> None:
    """Run one statement from a separate Python process, committed there."""
    script = ("import sys\nfrom sqlalchemy import text\n"
              "from ordex.adapters.db.dialect import make_engine\n"
              "with make_engine(sys.argv[1]).begin() as conn:\n"
              "    conn.execute(text(sys.argv[2]))\n")
    done = subprocess.run([sys.executable, "-c", script, url, sql], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def _canonical(ref: ReferenceData) -> dict[str, list[str]]:
    """Every list of a ReferenceData, order-free (SQL gives no order without ORDER BY)."""
    return {name: sorted(repr(x) for x in rows) for name, rows in vars(ref).items()}


def test_a_change_by_another_process_is_seen_by_the_next_order(example_app: App) -> None:
    url = example_app.settings.database_url
    assert "MASTER_DATA_CONFLICT" not in _codes(example_app, _order("RC-1"))
    misses = example_app.reference_cache.loads
    assert "MASTER_DATA_CONFLICT" not in _codes(example_app, _order("RC-2"))
    assert example_app.reference_cache.loads == misses  # served from the cache
    _by_another_process(url, "UPDATE items SET status = 'discontinued' "
                             "WHERE item_id = 'GLOVE-NIT'")
    assert "MASTER_DATA_CONFLICT" in _codes(example_app, _order("RC-3"))
    assert example_app.reference_cache.loads == misses + 1  # read again, once
    _by_another_process(url, "UPDATE customers SET credit_limit = 1 WHERE customer_id = 'ACME'")
    assert "CREDIT_LIMIT_EXCEEDED" in _codes(example_app, _order("RC-4"))


def test_a_change_made_through_this_process_is_seen_by_its_next_order(
        example_app: App) -> None:
    assert "MASTER_DATA_CONFLICT" not in _codes(example_app, _order("RC-5"))
    with example_app.engine.begin() as conn:
        conn.execute(t.uom_conversions.delete().where(
            t.uom_conversions.c.item_id == "GLOVE-NIT", t.uom_conversions.c.uom == "CS"))
    assert "MASTER_DATA_CONFLICT" in _codes(example_app, _order("RC-6"))


def test_the_cache_serves_exactly_what_a_fresh_read_gives(example_app: App) -> None:
    cache = ReferenceCache()
    wanted = [({"ACME"}, {"GLOVE-NIT", "VALVE-100"}), ({"ACME", "BOLT", "NOBODY"}, {"NOTHING"}),
              (set(), set()), ({"BOLT"}, {"VALVE-100", "GLOVE-NIT", "NOTHING"})]
    with example_app.engine.connect() as conn:
        every_customer = {r[0] for r in conn.execute(select(t.customers.c.customer_id))}
        every_item = {r[0] for r in conn.execute(select(t.items.c.item_id))}
        wanted.append((every_customer, every_item))
        for customers, items in [*wanted, *wanted]:  # the second pass is served from memory
            fresh = load_reference(conn, customers=customers, items=items)
            cached = cache.load(conn, customers=customers, items=items)
            assert _canonical(cached) == _canonical(fresh), (customers, items)
    # reads happen only for ids not held yet: the 1st, 2nd and 5th of the first pass
    assert cache.loads == 3


def test_the_lists_served_are_the_callers_own(example_app: App) -> None:
    cache = ReferenceCache()
    with example_app.engine.connect() as conn:
        first = cache.load(conn, customers={"ACME"}, items={"GLOVE-NIT"})
        first.customers.clear()
        first.contracts.clear()
        again = cache.load(conn, customers={"ACME"}, items={"GLOVE-NIT"})
        fresh = load_reference(conn, customers={"ACME"}, items={"GLOVE-NIT"})
    assert [c.customer_id for c in again.customers] == ["ACME"]
    assert again.contracts == fresh.contracts and fresh.contracts


def _token(conn: Connection) -> str | None:
    return reference_token(conn)


FILLED = ("customers", "ship_tos", "items", "uom_conversions", "warehouses", "price_contracts",
          "carriers", "tax_rules", "tax_exemptions", "customer_licences", "carrier_services",
          "item_cross_references", "order_history")
"""The cached tables the example reference data puts rows in."""


@pytest.mark.parametrize("table", FILLED)
def test_every_write_of_a_cached_table_replaces_the_token(example_app: App, table: str) -> None:
    column = next(iter(t.metadata.tables[table].columns)).name
    assert _count(example_app, table) > 0
    with example_app.engine.begin() as conn:
        before = _token(conn)
        conn.execute(text(f"UPDATE {table} SET {column} = {column}"))
        after = _token(conn)
    assert after is not None and after != before


def test_every_cached_table_has_its_triggers(example_app: App) -> None:
    with example_app.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.execute(text(
                "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
                "WHERE g.tgname LIKE 'trg_%_reference_version'"))
            expected = sorted(CACHED_TABLES)
        else:
            rows = conn.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                                     "AND name LIKE 'trg_%_reference_version'"))
            expected = sorted(CACHED_TABLES * 3)  # insert, update, delete
        assert sorted(r[0] for r in rows) == expected


def test_an_emptied_table_replaces_the_token(example_app: App) -> None:
    """On PostgreSQL a wipe is a TRUNCATE: it has its own trigger."""
    from ordex.adapters.db.dialect import wipe
    with example_app.engine.begin() as conn:
        before = _token(conn)
        wipe(conn, [t.order_history])
        after = _token(conn)
    assert after is not None and after != before


def _count(app: App, table: str) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_writes_of_live_state_leave_the_token_alone(example_app: App) -> None:
    with example_app.engine.begin() as conn:
        before = _token(conn)
        conn.execute(text("UPDATE inventory SET allocated = allocated + 1"))
        conn.execute(text("UPDATE inbound_pos SET quantity = quantity"))
        conn.execute(text("UPDATE receivables SET amount_open = amount_open"))
        assert _token(conn) == before


def test_a_rolled_back_write_never_leaves_a_token_a_later_write_could_repeat(
        example_app: App) -> None:
    with example_app.engine.connect() as conn:
        before = _token(conn)
        conn.rollback()
        with conn.begin():
            conn.execute(text("UPDATE items SET weight = weight"))
            inside = _token(conn)
            conn.rollback()
        assert _token(conn) == before
        conn.rollback()
        with conn.begin():
            conn.execute(text("UPDATE items SET weight = weight"))
        later = _token(conn)
    assert len({before, inside, later}) == 3


def test_without_the_version_row_nothing_is_cached(example_app: App) -> None:
    cache = ReferenceCache()
    with example_app.engine.begin() as conn:
        conn.execute(t.reference_version.delete())
    with example_app.engine.connect() as conn:
        first = cache.load(conn, customers={"ACME"}, items={"GLOVE-NIT"})
        cache.load(conn, customers={"ACME"}, items={"GLOVE-NIT"})
    assert [c.customer_id for c in first.customers] == ["ACME"]
    assert cache.loads == 0


def test_reference_load_replaces_the_token_and_the_cache_refills(example_app: App) -> None:
    from ordex.sense.reference import load_reference as read_folder
    with example_app.engine.connect() as conn:
        before = _token(conn)
    example_app.save_reference(read_folder(ROOT / "examples" / "reference"))
    with example_app.engine.connect() as conn:
        assert _token(conn) not in (None, before)


def test_the_migration_triggers_the_tables_the_cache_holds() -> None:
    spec = importlib.util.spec_from_file_location("m0010", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert tuple(module.CACHED_TABLES) == CACHED_TABLES
    live = {"inventory", "inbound_pos", "receivables"}
    assert not live & set(CACHED_TABLES)


@pytest.fixture
def bounded(example_app: App) -> Iterator[ReferenceCache]:
    yield ReferenceCache(max_keys=2)


def test_a_cache_past_its_bound_starts_again_and_stays_correct(
        example_app: App, bounded: ReferenceCache) -> None:
    with example_app.engine.connect() as conn:
        for customers in ({"ACME"}, {"BOLT"}, {"ACME", "BOLT"}, {"ACME"}):
            fresh = load_reference(conn, customers=customers, items={"GLOVE-NIT"})
            served = bounded.load(conn, customers=customers, items={"GLOVE-NIT"})
            assert _canonical(served) == _canonical(fresh)
