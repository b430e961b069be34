"""The Tryton connector on a fake JSON-RPC server: mapping, commands, idempotency, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from ordex.adapters.erp_tryton import TrytonErp, TrytonPoller
from ordex.adapters.erp_tryton.connector import SaleAlreadyProcessedError, SaleNotFoundError
from ordex.adapters.erp_tryton.mapping import NO_LIMIT, inbound_of, order_of_sale, reference_of
from ordex.adapters.erp_tryton.poller import merged
from ordex.adapters.erp_tryton.rpc import (
    TrytonLoginError,
    TrytonUnreachableError,
    TrytonUserError,
    dumps,
    loads,
)
from ordex.domain.commands import IngestOrderGroup
from ordex.domain.events import ApplyDecision, CancelOrder, HoldLines, ReleaseLines, RevisePromise
from ordex.domain.model import Customer, CustomerTier, InventoryPosition
from ordex.domain.reference import ReferenceData
from ordex.orchestrate.changes import OutboxMessage
from ordex.orchestrate.intake import Outcome
from ordex.sense.schema import OrderIn

from fake_tryton import FakeTryton, line_row, sale_row

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _msg(message_id: str, command: Any) -> OutboxMessage:
    return OutboxMessage(message_id, NOW, command)


@pytest.fixture
def tryton() -> FakeTryton:
    fake = FakeTryton()
    fake.add_sale(1, number="41", lines=[{"unit_price": Decimal("150")},
                                         {"unit_price": Decimal("2")}])
    return fake


@pytest.fixture
def erp(tryton: FakeTryton) -> TrytonErp:
    return TrytonErp(tryton.rpc(), prefix="TRY-")


# -- mapping ------------------------------------------------------------------------------
def test_a_sale_becomes_a_canonical_order_ordex_validates() -> None:
    lines = [line_row(12, sequence=2, code="BOLT-M8", quantity=100.0, price="2"),
             line_row(11, sequence=1), line_row(13, kind="comment")]
    order = OrderIn.model_validate(order_of_sale(sale_row(), lines, prefix="TRY-",
                                                 ship_via="UPS-GROUND")).to_domain()
    assert order.order_id == "TRY-1" and order.customer_id == "ACME"
    assert order.customer_po == "PO-77" and order.channel == "tryton"
    assert [(ln.line_no, ln.item_id, ln.quantity, ln.uom) for ln in order.lines] == [
        (1, "WIDGET", Decimal("10.0"), "EA"), (2, "BOLT-M8", Decimal("100.0"), "EA")]
    assert order.lines[0].unit_price == Decimal("150")
    assert (order.ship_to.line1, order.ship_to.line2, order.ship_to.state) == (
        "100 Main Street", "Dock 4", "IL")
    assert order.ship_to.name == "Acme Supply"  # the address names no party: the customer's
    assert order.requested_ship_date == date(2026, 11, 9) and order.ship_via == "UPS-GROUND"
    assert order.received_at == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)  # Tryton keeps UTC


def test_a_sale_without_requested_date_ships_on_its_sale_date_and_lines_without_sequence_last(
        ) -> None:
    lines = [line_row(30), line_row(20, sequence=5), line_row(10)]
    order = order_of_sale(sale_row(shipping_date=None), lines, prefix="")
    assert order["requested_ship_date"] == "2026-11-02"
    assert [ln["line_no"] for ln in order["lines"]] == [1, 2, 3]
    assert order["tryton"] == {"sale_id": 1, "write_date": "2026-11-02T09:00:00+00:00"}
    assert order["ship_via"] is None


def test_reference_maps_limits_units_and_stock_and_keeps_what_ordex_allocated() -> None:
    ref = reference_of(
        parties=[{"id": 5, "code": "ACME", "name": "Acme", "credit_limit_amount": Decimal(1000),
                  "receivable": Decimal("250.5")},
                 {"id": 6, "code": "OPEN", "name": "No limit", "credit_limit_amount": None,
                  "receivable": Decimal(0)},
                 {"id": 1, "code": None, "name": "Company"}],
        products=[{"id": 3, "code": "WIDGET", "name": "Widget", "list_price_used": Decimal(150),
                   "cost_price": Decimal(90), "default_uom.": {"symbol": "u"}, "active": True}],
        warehouses=[{"id": 5, "code": "WH", "name": "Main"}],
        stock={5: [{"id": 3, "quantity": 40.0}]},
        allocated={("WIDGET", "WH"): Decimal(12)}, today=date(2026, 11, 2))
    assert [(c.customer_id, c.credit_limit) for c in ref.customers] == [
        ("ACME", Decimal(1000)), ("OPEN", NO_LIMIT)]
    assert [(r.customer_id, r.amount_open) for r in ref.receivables] == [
        ("ACME", Decimal("250.5"))]
    assert [(i.item_id, i.base_uom, i.list_price) for i in ref.items] == [
        ("WIDGET", "EA", Decimal(150))]
    assert [(p.item_id, p.warehouse_id, p.on_hand, p.allocated) for p in ref.inventory] == [
        ("WIDGET", "WH", Decimal(40), Decimal(12))]


def test_purchase_lines_become_inbound_pos_and_dateless_or_service_lines_do_not() -> None:
    base = {"purchase.": {"number": "P7", "shipment_state": "waiting",
                          "warehouse.": {"code": "WH"}},
            "product.": {"code": "WIDGET"}, "quantity": 30.0,
            "delivery_date": date(2026, 11, 12)}
    pos = inbound_of([{"id": 1, **base}, {"id": 2, **base, "delivery_date": None},
                      {"id": 3, **base, "product.": None},
                      {"id": 4, **base, "purchase.": {**base["purchase."],
                                                      "shipment_state": "received"}}])
    assert [(p.po_id, p.item_id, p.warehouse_id, p.quantity, p.due_date, p.received)
            for p in pos] == [
        ("TRYTON-PO-P7-1", "WIDGET", "WH", Decimal(30), date(2026, 11, 12), False),
        ("TRYTON-PO-P7-4", "WIDGET", "WH", Decimal(30), date(2026, 11, 12), True)]


def test_merging_keeps_what_tryton_does_not_hold() -> None:
    current = ReferenceData(customers=[Customer("ACME", "Old name", CustomerTier.GOLD,
                                                Decimal(5), default_ship_via="UPS")],
                            inventory=[InventoryPosition("WIDGET", "WH", Decimal(1),
                                                         Decimal(0), Decimal(3))])
    tryton = ReferenceData(customers=[Customer("ACME", "Acme", CustomerTier.SILVER,
                                               Decimal(1000))],
                           inventory=[InventoryPosition("WIDGET", "WH", Decimal(40))])
    out = merged(current, tryton)
    (acme,) = out.customers
    assert (acme.name, acme.credit_limit, acme.tier, acme.default_ship_via) == (
        "Acme", Decimal(1000), CustomerTier.GOLD, "UPS")
    assert [(p.on_hand, p.safety_stock) for p in out.inventory] == [(Decimal(40), Decimal(3))]


# -- commands -----------------------------------------------------------------------------
def test_a_hold_leaves_the_sale_confirmed_with_a_note_and_a_resend_changes_nothing(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    hold = _msg("m1", HoldLines("TRY-41", (), "over credit", "TRY-41:CREDIT_LIMIT_EXCEEDED"))
    erp.send([hold])
    erp.send([hold])
    assert tryton.sales[1]["state"] == "confirmed"
    assert [n["message"] for n in tryton.notes] == [
        "[ordex m1] hold lines=all case=TRY-41:CREDIT_LIMIT_EXCEEDED: over credit"]
    assert "model.sale.sale.process" not in tryton.calls


def test_release_processes_the_sale_only_when_no_line_is_held_any_more(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    erp.send([_msg("h1", HoldLines("TRY-41", (1,), "short", "a")),
              _msg("h2", HoldLines("TRY-41", (2,), "price", "b")),
              _msg("r1", ReleaseLines("TRY-41", (1,), "received", "a"))])
    assert tryton.sales[1]["state"] == "confirmed"  # line 2 is still held
    erp.send([_msg("r2", ReleaseLines("TRY-41", (2,), "accepted", "b"))])
    assert tryton.sales[1]["state"] == "processing" and tryton.sales[1]["shipments"]
    erp.send([_msg("r2", ReleaseLines("TRY-41", (2,), "accepted", "b"))])
    assert tryton.calls.count("model.sale.sale.process") == 1


def test_a_whole_sale_hold_is_released_by_a_release_of_every_line(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    erp.send([_msg("h", HoldLines("TRY-41", (), "credit", "c")),
              _msg("r", ReleaseLines("TRY-41", (1, 2), "paid", "c"))])
    assert tryton.sales[1]["state"] == "processing"


def test_a_processed_sale_cannot_be_held_and_the_error_names_the_order(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    tryton.sales[1]["state"] = "processing"
    with pytest.raises(SaleAlreadyProcessedError, match="TRY-41 is processing"):
        erp.send([_msg("m1", HoldLines("TRY-41", (), "late", "c"))])
    assert tryton.notes == []  # nothing recorded as applied


def test_cancel_takes_a_confirmed_sale_back_to_draft_first_and_once(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    cancel = _msg("c1", CancelOrder("TRY-41", "duplicate of TRY-40", "TRY-41:DUPLICATE_ORDER"))
    erp.send([cancel])
    erp.send([cancel])
    assert tryton.sales[1]["state"] == "cancelled"
    assert tryton.calls.count("model.sale.sale.cancel") == 1
    assert len(tryton.notes) == 1


def test_reprice_goes_back_to_draft_writes_lines_and_confirms_past_a_credit_warning(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    tryton.fail_next.append(("model.sale.sale.confirm", [
        "UserWarning", ["abc.credit_limit_amount", "Acme will exceed its credit limit", ""]]))
    erp.send([_msg("p1", ApplyDecision("TRY-41", "c", "REPRICE", {"prices": {"2": "1.75"}},
                                       "contract", "v3"))])
    assert tryton.lines[102]["unit_price"] == Decimal("1.75")
    assert tryton.lines[101]["unit_price"] == Decimal("150")
    assert tryton.sales[1]["state"] == "confirmed"
    sale_calls = [c for c in tryton.calls if c.startswith("model.sale.sale.")
                  and c.rsplit(".", 1)[1] in {"draft", "quote", "confirm"}]
    assert sale_calls == ["model.sale.sale.draft", "model.sale.sale.quote",
                          "model.sale.sale.confirm", "model.sale.sale.confirm"]
    assert "model.res.user.warning.skip" in tryton.calls
    assert tryton.notes[-1]["message"].startswith("[ordex p1] reprice case=c applied")


def test_alternate_warehouse_and_promise_change_the_header(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    erp.send([_msg("w1", ApplyDecision("TRY-41", "c", "ALTERNATE_WAREHOUSE",
                                       {"warehouse_id": "WH2"}, "stock there", "v3")),
              _msg("d1", RevisePromise("TRY-41", (1,), "2026-11-20", "late PO", "c"))])
    assert tryton.sales[1]["warehouse"] == 7
    assert tryton.sales[1]["shipping_date"] == date(2026, 11, 20)
    with pytest.raises(TrytonUserError, match="no Tryton warehouse has the code XX"):
        erp.send([_msg("w2", ApplyDecision("TRY-41", "c", "ALTERNATE_WAREHOUSE",
                                           {"warehouse_id": "XX"}, "", "v3"))])


def test_an_action_tryton_has_no_field_for_is_noted_only(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    erp.send([_msg("n1", ApplyDecision("TRY-41", "c", "EXPEDITE", {"lines": [1]}, "rush", "v"))])
    assert tryton.sales[1]["state"] == "confirmed"
    assert tryton.notes[-1]["message"] == "[ordex n1] expedite case=c noted: rush"


def test_an_unknown_sale_is_a_clear_error(erp: TrytonErp) -> None:
    with pytest.raises(SaleNotFoundError, match=r"no Tryton sale numbered 99 \(order TRY-99\)"):
        erp.send([_msg("m", HoldLines("TRY-99", (), "r", "c"))])


# -- the client ---------------------------------------------------------------------------
def test_decimals_dates_and_timestamps_cross_the_wire_as_tryton_writes_them() -> None:
    value = {"a": Decimal("1.10"), "d": date(2026, 1, 2), "t": datetime(2026, 1, 2, 3, 4, 5, 6)}
    assert loads(dumps(value)) == value
    assert '"__class__": "Decimal", "decimal": "1.10"' in dumps(Decimal("1.10"))


def test_a_wrong_password_and_an_expired_session_are_told_apart(tryton: FakeTryton) -> None:
    bad = FakeTryton(password="other")
    bad.add_sale(1, number="41")
    rpc = bad.rpc()
    rpc.password = "secret"
    with pytest.raises(TrytonLoginError, match="refused the login of 'admin'"):
        rpc.model("sale.sale", "search_read", [], 0, None, None, ["state"])
    rpc = tryton.rpc()
    rpc.login()
    tryton.sessions.clear()  # the server forgot the session: one new login, then the answer
    assert rpc.model("sale.sale", "search_count", [("number", "=", "41")]) == 1


def test_a_user_error_from_tryton_names_the_method(tryton: FakeTryton) -> None:
    tryton.fail_next.append(("model.sale.sale.write", ["UserError", ["Sale is done", "", None]]))
    with pytest.raises(TrytonUserError, match=r"model.sale.sale.write: Sale is done"):
        tryton.rpc().model("sale.sale", "write", [1], {"comment": "x"})


def test_a_server_that_is_down_is_unreachable_not_a_crash() -> None:
    import httpx

    from ordex.adapters.erp_tryton.rpc import TrytonRpc

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)
    rpc = TrytonRpc("http://tryton.test", "db", user="admin", password="x",
                    client=httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(TrytonUnreachableError, match="unreachable: connection refused"):
        rpc.login()


# -- the poller ---------------------------------------------------------------------------
class MemoryCursors:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def put(self, name: str, value: str, *, at: datetime) -> None:
        self.values[name] = value


def test_poll_judges_each_sale_under_its_own_key_releases_the_clean_and_moves_the_cursor(
        tryton: FakeTryton) -> None:
    tryton.sales.clear()
    tryton.lines.clear()
    for sale_id, number in ((1, "41"), (2, "42")):
        tryton.add_sale(sale_id, number=number, lines=[{"quantity": 1.0, "unit_price": 1}])
    seen: list[IngestOrderGroup] = []

    def handle(group: IngestOrderGroup) -> list[list[Outcome]]:
        seen.append(group)
        return [[Outcome({"status": "held", "order_id": "TRY-41"})],
                [Outcome({"status": "accepted", "order_id": "TRY-42"})]]

    cursors = MemoryCursors()
    poller = TrytonPoller(tryton.rpc(), database="db", prefix="TRY-")
    report = poller.poll(handle=handle, cursors=cursors, now=NOW)
    (group,) = seen
    assert [key for _b, _s, key in group.items] == ["tryton:db:sale:1", "tryton:db:sale:2"]
    assert group.channel == "tryton"
    assert report.outcomes == {"held": 1, "accepted": 1} and report.processed == ["TRY-42"]
    assert tryton.sales[2]["state"] == "processing" and tryton.sales[1]["state"] == "confirmed"
    assert cursors.values["tryton:db:sales"] == "2026-11-02T09:00:02+00:00"


def test_a_poll_with_nothing_new_leaves_the_cursor_alone(tryton: FakeTryton) -> None:
    tryton.sales.clear()
    cursors = MemoryCursors()
    cursors.values["tryton:db:sales"] = "2026-11-01T00:00:00+00:00"
    report = TrytonPoller(tryton.rpc(), database="db", prefix="").poll(
        handle=lambda g: pytest.fail("nothing to judge"), cursors=cursors, now=NOW)
    assert report.read == 0 and cursors.values["tryton:db:sales"] == "2026-11-01T00:00:00+00:00"
