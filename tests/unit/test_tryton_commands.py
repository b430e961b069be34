"""Each command kind on the Tryton connector (fake JSON-RPC server): what it calls, what it
refuses as a permanent failure, and that a refused kind stops only its own order."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ordex.adapters.erp_tryton import TrytonErp
from ordex.adapters.erp_tryton.connector import REFUSED
from ordex.domain.erp_commands import (
    CURRENT_KINDS,
    AddNote,
    CancelLine,
    ChangePrice,
    ChangeQuantity,
    ChangeShipVia,
    ChangeWarehouse,
    HoldLines,
    Shipment,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
)
from ordex.domain.model import Address
from ordex.orchestrate.changes import OutboxMessage

from fake_tryton import FakeTryton

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
D = Decimal


def _msg(message_id: str, command: Any) -> OutboxMessage:
    return OutboxMessage(message_id, NOW, command)


@pytest.fixture
def tryton() -> FakeTryton:
    fake = FakeTryton()
    fake.add_sale(1, number="41", lines=[{"unit_price": D("150"), "quantity": 10.0},
                                         {"unit_price": D("2"), "quantity": 5.0}])
    fake.add_sale(2, number="42", lines=[{"unit_price": D("9"), "quantity": 1.0}])
    return fake


@pytest.fixture
def erp(tryton: FakeTryton) -> TrytonErp:
    return TrytonErp(tryton.rpc(), prefix="TRY-")


def _cycle(tryton: FakeTryton) -> list[str]:
    return [c.rsplit(".", 1)[1] for c in tryton.calls if c.startswith("model.sale.sale.")
            and c.rsplit(".", 1)[1] in {"draft", "quote", "confirm"}]


def test_quantity_price_and_substitute_change_lines_through_draft_quote_confirm(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    report = erp.send([
        _msg("q", ChangeQuantity("TRY-41", 1, D("12"), "EA", "keying", "c", "CHANGE_QUANTITY")),
        _msg("p", ChangePrice("TRY-41", 2, D("1.75"), "USD", "K-9", "contract", "c", "REPRICE")),
        _msg("s", SubstituteItem("TRY-41", 1, "WIDGET-B", "WIDGET", D("12"), "EA", "WH", "sub",
                                 "c", "SUBSTITUTE_ITEM"))])
    assert report.applied == {"q", "p", "s"} and not report.failed
    assert tryton.lines[101]["quantity"] == 12.0 and tryton.lines[101]["product"] == 31
    assert tryton.lines[102]["unit_price"] == D("1.75")
    assert _cycle(tryton) == ["draft", "quote", "confirm"] * 3
    assert tryton.sales[1]["state"] == "confirmed"
    assert [n["message"].split(":")[0] for n in tryton.notes] == [
        "[ordex q] changequantity line=1 case=c applied",
        "[ordex p] changeprice line=2 case=c applied",
        "[ordex s] substituteitem line=1 case=c applied"]
    erp.send([_msg("p", ChangePrice("TRY-41", 2, D("1.75"), "USD", "K-9", "c", "c"))])
    assert len(tryton.notes) == 3  # a resend is recognised by its note


def test_warehouse_of_the_whole_sale_changes_and_of_some_lines_is_refused(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    erp.send([_msg("w", ChangeWarehouse("TRY-41", (), "WH2", "stock", "c"))])
    assert tryton.sales[1]["warehouse"] == 7
    report = erp.send([_msg("w1", ChangeWarehouse("TRY-41", (1,), "WH2", "stock", "c"))])
    assert report.failed["w1"].permanent
    assert "one warehouse for all its lines" in report.failed["w1"].error


def test_ship_to_becomes_a_new_party_address_set_as_the_shipment_address(
        tryton: FakeTryton, erp: TrytonErp) -> None:
    address = Address("Acme Dock", "5 Lake Rd", "Bay 2", "Springfield", "IL", "62702", "US")
    erp.send([_msg("a", UpdateShipTo("TRY-41", address, "ST-2", "master", "c"))])
    [created] = tryton.addresses
    assert created == {"party": 5, "party_name": "Acme Dock", "street": "5 Lake Rd\nBay 2",
                       "city": "Springfield", "postal_code": "62702", "country": 2,
                       "subdivision": 3}
    assert tryton.sales[1]["shipment_address"] == 101


def test_a_note_is_a_note_and_changes_nothing_else(tryton: FakeTryton, erp: TrytonErp) -> None:
    erp.send([_msg("n", AddNote("TRY-41", "expedite lines 1", "rush", "c", "EXPEDITE"))])
    assert tryton.notes[-1]["message"] == "[ordex n] note case=c expedite lines 1: rush"
    assert tryton.sales[1]["state"] == "confirmed" and _cycle(tryton) == []


@pytest.mark.parametrize("command", [
    SplitLine("TRY-41", 1, (Shipment("WIDGET", "WH", D(4)),), D(6), "EA", "split", "c"),
    CancelLine("TRY-41", 2, "customer asked", "c"),
    ChangeShipVia("TRY-41", "UPS-GROUND", "fits", "c"),
])
def test_a_kind_tryton_cannot_do_is_a_permanent_failure_that_stops_only_its_order(
        tryton: FakeTryton, erp: TrytonErp, command: Any) -> None:
    report = erp.send([_msg("x", command),
                       _msg("after", HoldLines("TRY-41", (), "later", "c")),
                       _msg("other", HoldLines("TRY-42", (), "credit", "d"))])
    failure = report.failed["x"]
    assert failure.permanent and type(command).__name__ in failure.error
    assert report.applied == {"other"}  # the refused order's later message was not tried
    assert [n["message"][:13] for n in tryton.notes] == ["[ordex other]"]


def test_every_current_kind_is_either_mapped_or_refused_with_a_reason() -> None:
    refused = {k.__name__ for k in REFUSED}
    assert refused <= set(CURRENT_KINDS) and all(REFUSED.values())
    assert refused == {"SplitLine", "CancelLine", "ChangeShipVia"}
