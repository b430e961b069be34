"""A person's decision end to end on SQLite and PostgreSQL: the commands it implies reach the
sandbox ERP's record once, the case lists them, and the customer is told once."""

from __future__ import annotations

from sqlalchemy import select

from commands import ingest
from ordex.adapters.db import tables as t
from ordex.bootstrap import App
from ordex.domain.commands import ResolveCase

from builders import example


def test_a_persons_new_date_reaches_the_erp_record_and_the_customer_once(
        example_app: App) -> None:
    app = example_app
    ingest(app, [(example("EX-1002"), "t")], channel="api")  # short at CHI: held, open
    resolve = ResolveCase("EX-1002:INVENTORY_SHORTFALL", "pat", "REVISE_PROMISE", "PO due",
                          {"promise_date": "2026-12-04"})
    app.bus.handle(resolve)
    app.deliver_outbox()
    case = app.queries.case("EX-1002:INVENTORY_SHORTFALL")
    order = app.queries.order("EX-1002")
    assert case is not None and order is not None
    [revise] = [e for e in order["erp_commands"] if e["command"] == "RevisePromise"]
    assert case["evidence"]["decision"]["commands"] == [revise["message_id"]]
    assert [c["kind"] for c in case["evidence"]["erp_commands"]] == ["RevisePromise"]
    record = order["erp_record"]
    assert record["lines"]["1"]["promise_date"] == "2026-12-04"
    assert 1 not in record["held_lines"] and record["order_held"] is False  # released after
    assert any(h.startswith("EX-1002:") for h in record["holds"])  # another case holds line 2
    with app.engine.connect() as conn:
        rows = conn.execute(select(t.notifications).where(
            t.notifications.c.kind == "order.changed")).mappings().all()
    [row] = rows
    assert (row["order_id"], row["recipient"], row["payload"]["lines"]) == (
        "EX-1002", order["customer_id"],
        [{"line_no": 1, "status": "rescheduled", "ship_date": "2026-12-04"}])
    assert row["payload"]["message_ids"] == [revise["message_id"]]
    from auth_kit import signed
    from ordex.entrypoints.api.app import create_app
    page = signed(create_app(app)).get("/ui/cases/EX-1002:INVENTORY_SHORTFALL")
    assert page.status_code == 200 and "ERP commands queued" in page.text
    assert revise["message_id"] in page.text and "RevisePromise" in page.text
