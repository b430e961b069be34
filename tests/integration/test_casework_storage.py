"""Casework on SQLite and PostgreSQL: migration 0013 matches tables.py, an approval chain
survives a reload level by level, and the approvers' queue shows only the level whose turn it is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from auth_kit import add_people
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import alembic_config, upgrade
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain import commands as c
from ordex.domain.errors import SegregationOfDutiesError
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
OURS = {"case_comments", "case_attachments", "case_overrides", "approvals"}
ROLES = {"ana": ("credit_analyst",), "max": ("credit_manager",), "fin": ("finance_director",)}
CASE = "BIG-7:CREDIT_LIMIT_EXCEEDED"


@pytest.fixture
def desk(db_url: str) -> Iterator[App]:
    app = bootstrap(Settings(database_url=db_url), clock=lambda: NOW)
    app.migrate()
    add_people(app, ROLES)
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    yield app
    app.engine.dispose()


def test_migration_0013_matches_tables_py_and_goes_down_cleanly(db_url: str) -> None:
    engine, cfg = make_engine(db_url), alembic_config()
    upgrade(engine)
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, kind, *_: (
                name in OURS if kind == "table" else obj.table.name in OURS)}), t.metadata)
    assert drift == [], "migration 0013 and tables.py disagree"
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
    assert not OURS & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= OURS
    engine.dispose()


def _big_order() -> bytes:
    return json.dumps({
        "order_id": "BIG-7", "customer_id": "BOLT", "customer_po": "PO-BIG-7",
        "order_date": "2026-11-23", "requested_ship_date": "2026-11-26",
        "ship_to": {"code": "BOLT-1", "name": "Bolt", "line1": "45 Harbor Blvd",
                    "city": "Tampa", "state": "FL", "postal_code": "33602", "country": "US"},
        "ship_via": "UPSN-GND", "warehouse_id": "CHI",
        "lines": [{"line_no": 1, "item_id": "BOLT-M8", "quantity": 10000, "uom": "EA",
                   "unit_price": 30.0}]}).encode()


def test_a_chain_is_stored_level_by_level_and_the_queue_follows_its_turn(desk: App) -> None:
    desk.bus.handle(c.IngestOrders(((_big_order(), "test"),), "api"))
    desk.bus.handle(c.TakeCase(CASE, "ana"))
    desk.bus.handle(c.RequestApproval(CASE, "ana", "RELEASE", "wire received"))
    assert [(a["role"], a["level"]) for a in desk.queries.pending_approvals()] == [
        ("credit_manager", 1)]
    desk.bus.handle(c.ApproveCase(CASE, "max", "wire confirmed"))
    assert desk.queries.pending_approvals(role="credit_manager") == []
    [turn] = desk.queries.pending_approvals(role="finance_director")
    assert (turn["case_id"], turn["due_at"], turn["amount"]) == (
        CASE, "2026-11-24T01:00:00+00:00", "300000.000000")
    with pytest.raises(SegregationOfDutiesError):
        desk.bus.handle(c.ApproveCase(CASE, "max", "again"))  # read back from the database
    desk.bus.handle(c.ApproveCase(CASE, "fin", "fine"))
    assert desk.queries.pending_approvals() == []
    case = desk.queries.case(CASE) or {}
    assert case["state"] == "resolved"
    assert [(a["state"], a["decided_by"]) for a in case["approvals"]] == [
        ("approved", "max"), ("approved", "fin")]
    with desk.engine.connect() as conn:
        rows = conn.execute(select(t.case_overrides.c.queue, t.case_overrides.c.chosen,
                                   t.case_overrides.c.recommended)).all()
    assert [tuple(r) for r in rows] == [("credit", "RELEASE", "HOLD")]
