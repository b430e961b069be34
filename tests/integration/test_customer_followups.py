"""Follow-ups on SQLite and PostgreSQL: an 855 change written once per change and read back
with ordex's own X12 reader; order.changed rows that never repeat or contradict a line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.followups_repo import told_states
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.outbound_repo import write_outbound
from ordex.adapters.db.store import SqlChangeStore
from ordex.domain.customer_view import LineChange, LineState, OrderChange, Ordered
from ordex.domain.model import RawPayload
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.edi_acks import ack_855
from ordex.sense.x12 import LineAck, Segment, iter_segments

AT = datetime(2026, 11, 23, 9, tzinfo=UTC)
D = Decimal
ASKED = date(2026, 11, 24)
ORDERED = {1: Ordered(D(40), D("10.00"), "WIDGET", ASKED),
           2: Ordered(D(5), D("5.00"), "GADGET", ASKED)}
CANONICAL: dict[str, Any] = {
    "customer_po": "PO-77", "order_date": "2026-11-23",
    "lines": [{"line_no": 1, "po101": "001", "quantity": "40", "uom": "EA",
               "unit_price": "10.00", "identifiers": [{"qualifier": "BP", "value": "W-1"}]},
              {"line_no": 2, "po101": "002", "quantity": "5", "uom": "EA",
               "unit_price": "5.00", "identifiers": [{"qualifier": "BP", "value": "G-1"}]}],
    "edi": {"sender_qualifier": "ZZ", "sender_id": "ACMEEDI", "receiver_qualifier": "ZZ",
            "receiver_id": "ORDEX", "app_sender": "ACMEAPP", "app_receiver": "ORDEXAPP",
            "version": "004010", "usage": "T"}}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    SqlChangeStore(eng).save(Changes(raw_payloads=[
        RawPayload("raw-1", "test", "edi", AT, "0" * 64, b"ISA")]))
    yield eng
    eng.dispose()


def decided(order_id: str, *changes: LineChange, channel: str = "api", minutes: int = 0,
            action: str = "X") -> OrderChange:
    return OrderChange(order_id, "ACME", channel, f"{order_id}:CASE", action,
                       AT + timedelta(minutes=minutes), changes, ORDERED, (f"m-{minutes}",))


def save(engine: Engine, *changes: OrderChange) -> None:
    SqlChangeStore(engine).save(Changes(order_changes=list(changes)))


def notices(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.notifications).order_by(
            t.notifications.c.notification_id)).mappings()]


def test_two_decisions_on_one_line_then_a_flip_back_tell_the_customer_consistently(
        engine: Engine) -> None:
    save(engine, decided("A-1", LineChange(1, unit_price=D("5.00")), action="REPRICE"))
    save(engine, decided("A-1", LineChange(1, ship_date=date(2026, 12, 4)), minutes=1,
                         action="REVISE_PROMISE"))
    save(engine, decided("A-1", LineChange(1, ship_date=date(2026, 12, 4)), minutes=2))  # again
    save(engine, decided("A-1", LineChange(1, ship_date=ASKED), minutes=3))  # flips back
    save(engine, decided("A-1", LineChange(1, ship_date=date(2026, 12, 9)), minutes=4),
         decided("A-1", LineChange(1, ship_date=ASKED), minutes=4))  # and back in one go
    rows = notices(engine)
    assert [(r["kind"], r["recipient"], r["order_id"], r["customer_id"], r["dedupe_key"])
            for r in rows] == [("order.changed", "ACME", "A-1", "ACME", f"order.changed:A-1:{n}")
                               for n in (1, 2, 3)]
    assert [r["payload"]["lines"] for r in rows] == [
        [{"line_no": 1, "status": "repriced", "unit_price": "5"}],
        [{"line_no": 1, "status": "changed", "unit_price": "5", "ship_date": "2026-12-04"}],
        [{"line_no": 1, "status": "repriced", "unit_price": "5"}]]
    assert rows[1]["payload"]["actions"] == ["REVISE_PROMISE"]
    assert rows[0]["state"] == "pending" and rows[0]["case_id"] == "A-1:CASE"
    with engine.connect() as conn:
        states, sequence = told_states(conn, ["A-1"])
    assert states["A-1"] == {1: LineState("repriced", unit_price=D(5))} and sequence["A-1"] == 3


def first_855(engine: Engine, acks: list[LineAck]) -> None:
    with engine.begin() as conn:
        write_outbound(conn, [ack_855(CANONICAL, acks, raw_id="raw-1", order_id="E-1",
                                      now=AT)], now=AT)


def documents(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.edi_outbound).order_by(
            t.edi_outbound.c.control_number)).mappings()]


def test_an_855_change_is_written_once_per_change_and_reads_back(engine: Engine) -> None:
    first_855(engine, [LineAck(1, "IB")])
    split = decided("E-1", LineChange(1, quantity=D(10), backordered=D(30),
                                      ship_date=date(2026, 11, 25)), channel="edi")
    save(engine, split)
    save(engine, split)  # the same decision written again: nothing new to tell
    docs = documents(engine)
    assert [d["doc_key"] for d in docs] == ["855:E-1", "855C:E-1:1"]
    change = docs[1]
    assert change["kind"] == "855" and change["partner"] == "ACMEEDI"
    assert change["control_number"] == docs[0]["control_number"] + 1
    segments = [s for s in iter_segments(change["body"]) if isinstance(s, Segment)]
    by_tag = {s.tag: s for s in segments}
    assert by_tag["BAK"].get(1) == "04" and by_tag["BAK"].get(2) == "AC"
    assert by_tag["BAK"].get(3) == "PO-77" and by_tag["BAK"].get(4) == "20261123"
    assert (by_tag["ISA"].get(6), by_tag["ISA"].get(8), by_tag["ISA"].get(15)) == (
        "ORDEX", "ACMEEDI", "T")
    assert [s.elements[1:] for s in segments if s.tag == "PO1"] == [
        ["001", "40", "EA", "10.00", "", "BP", "W-1"]]  # only the changed line, as first sent
    assert [s.elements[1:] for s in segments if s.tag == "ACK"] == [
        ["IQ", "10", "EA", "068", "20261125"], ["IB", "30", "EA"]]
    assert by_tag["CTT"].get(1) == "1" and not notices(engine)


def test_what_the_first_855_said_is_not_said_again(engine: Engine) -> None:
    first_855(engine, [LineAck(1, "IB")])
    save(engine, decided("E-1", LineChange(1, quantity=D(0), backordered=D(40)), channel="edi"))
    assert [d["doc_key"] for d in documents(engine)] == ["855:E-1"]
    save(engine, decided("E-1", LineChange(2, cancelled=True), channel="edi", minutes=1))
    [_, cancel] = documents(engine)
    acks = [s.elements[1:3] for s in iter_segments(cancel["body"])
            if isinstance(s, Segment) and s.tag == "ACK"]
    assert cancel["doc_key"] == "855C:E-1:1" and acks == [["IR", "0"]]


def test_a_decision_taken_with_an_edi_orders_intake_is_left_to_its_first_855(
        engine: Engine) -> None:
    from builders import line, order
    o = order(line(1, qty="40"))
    edi_order = type(o)(**{**{f: getattr(o, f) for f in o.__dataclass_fields__},
                           "order_id": "E-2", "channel": "edi"})
    SqlChangeStore(engine).save(Changes(
        orders=[(edi_order, "raw-1", None)],
        order_changes=[decided("E-2", LineChange(1, ship_date=date(2026, 12, 1)),
                               channel="edi")]))
    assert documents(engine) == [] and notices(engine) == []


def test_a_partner_that_asks_for_replace_gets_bak01_05_in_its_855_change(
        engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(t.trading_partners.insert(), [{
            "partner_id": "acme", "isa_qualifier": "ZZ", "isa_id": "acmeedi",
            "customer_id": "ACME", "warehouse_id": "W1", "change_purpose": "05"}])
    first_855(engine, [LineAck(1, "IB")])
    save(engine, decided("E-1", LineChange(1, ship_date=date(2026, 11, 27)), channel="edi"))
    change = documents(engine)[1]
    bak = next(s for s in iter_segments(change["body"])
               if isinstance(s, Segment) and s.tag == "BAK")
    assert bak.get(1) == "05" and bak.get(3) == "PO-77"
