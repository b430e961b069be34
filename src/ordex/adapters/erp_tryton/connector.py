"""The Tryton connector: each ERP command as Tryton calls on the sale (docs/erp-tryton.md).

Tryton has no hold state. A sale ordex holds stays *confirmed* (Tryton runs with a queue
worker, so confirming only queues processing, which ordex's gate owns); releasing it calls
`process`, which creates the shipments. Line changes take the sale back to draft, write, quote
and confirm again. Every applied command leaves a note on the sale (`ir.note`) that starts
`[ordex MESSAGE_ID]`: a message whose note is there is not applied again, and each command is
written so that doing it twice has the effect of doing it once (a crash between the call and
its note is harmless on the resend).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ordex.adapters.erp_tryton.mapping import LINE_FIELDS, number_of, sale_lines_in_order
from ordex.adapters.erp_tryton.rpc import TrytonRpc, TrytonUserError, TrytonUserWarning
from ordex.domain.erp_commands import (
    AddNote,
    ApplyDecision,
    CancelLine,
    CancelOrder,
    ChangePrice,
    ChangeQuantity,
    ChangeShipVia,
    ChangeWarehouse,
    ErpCommand,
    HoldLines,
    ReleaseLines,
    RevisePromise,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
)
from ordex.orchestrate.changes import OutboxMessage
from ordex.orchestrate.work import SendFailure, SendReport

NOTE = re.compile(r"^\[ordex (?P<id>[^\]]+)\] (?P<verb>\w+)(?: lines=(?P<lines>[\d,]*|all))?")
"""A note ordex left: `[ordex MESSAGE_ID] VERB [lines=1,2|all] …`."""
NOT_PROCESSED = frozenset({"draft", "quotation", "confirmed"})


class SaleNotFoundError(TrytonUserError):
    """No Tryton sale has the number of this order."""


REFUSED: dict[type, str] = {
    SplitLine: "a Tryton sale line ships from the sale's one warehouse in one quantity; a "
               "split across warehouses or dates needs stock moves ordex does not own",
    CancelLine: "Tryton cannot cancel one line of a sale, and deleting it would renumber the "
                "lines ordex addresses by position",
    ChangeShipVia: "the sale has no carrier without Tryton's carrier module, which this "
                   "connector does not install",
}
"""Command kinds Tryton cannot carry out, and why (docs/erp-tryton.md): a permanent failure,
so the message becomes a dead letter with an INTEGRATION_FAILURE case."""


class CommandRefusedError(TrytonUserError):
    """Tryton cannot carry out this kind of command: a person acts in Tryton instead."""


class SaleAlreadyProcessedError(TrytonUserError):
    """The sale is already processing in Tryton: it can no longer be held, changed or cancelled."""


@dataclass(frozen=True, slots=True)
class Sale:
    """What the connector needs of a sale: its id, state and ordex's notes on it."""

    sale_id: int
    state: str
    notes: tuple[str, ...]
    lines: int
    """How many product lines the sale has (ordex numbers them 1..lines)."""

    def applied(self, message_id: str) -> bool:
        """True when a note records this message as applied."""
        return any(n.startswith(f"[ordex {message_id}]") for n in self.notes)

    def held_lines(self) -> set[int]:
        """Lines ordex's notes hold (a whole-sale hold holds every line), less those released."""
        held: set[int] = set()
        for note in self.notes:
            m = NOTE.match(note)
            if m is None or m["lines"] is None:
                continue
            lines = (set(range(1, self.lines + 1)) if m["lines"] in ("all", "")
                     else {int(x) for x in m["lines"].split(",")})
            if m["verb"] == "hold":
                held |= lines
            elif m["verb"] == "release":
                held -= lines
        return held


class TrytonErp:
    """An ERP connector that applies ordex's commands to Tryton sales, once each."""

    def __init__(self, rpc: TrytonRpc, *, prefix: str) -> None:
        self.rpc = rpc
        self.prefix = prefix

    def send(self, messages: Sequence[OutboxMessage]) -> SendReport:
        """Apply each message in order; one already applied (by its note) is skipped. A kind
        Tryton cannot carry out fails permanently and stops its order (later ones wait)."""
        applied: set[str] = set()
        failed: dict[str, SendFailure] = {}
        stopped: set[str] = set()
        for message in messages:
            order_id = message.command.order_id
            if order_id in stopped:
                continue
            why = REFUSED.get(type(message.command))
            if why is not None:
                kind = type(message.command).__name__
                failed[message.message_id] = SendFailure(
                    f"Tryton refuses {kind} for {order_id}: {why}", permanent=True)
                stopped.add(order_id)
                continue
            sale = self._sale(order_id)
            try:
                if not sale.applied(message.message_id):
                    self._apply(sale, message.message_id, message.command)
            except CommandRefusedError as exc:
                failed[message.message_id] = SendFailure(str(exc), permanent=True)
                stopped.add(order_id)
                continue
            applied.add(message.message_id)
        return SendReport(frozenset(applied), failed)

    def _sale(self, order_id: str) -> Sale:
        number = number_of(order_id, prefix=self.prefix)
        rows = self.rpc.model("sale.sale", "search_read", [("number", "=", number)], 0, 2,
                              None, ["state"])
        if len(rows) != 1:
            raise SaleNotFoundError(f"no Tryton sale numbered {number} (order {order_id})",
                                    order_id=order_id)
        notes = self.rpc.model("ir.note", "search_read",
                               [("resource", "=", f"sale.sale,{rows[0]['id']}")], 0, None,
                               [("id", "ASC")], ["message"])
        count = self.rpc.model("sale.line", "search_count",
                               [("sale", "=", rows[0]["id"]), ("type", "=", "line")])
        return Sale(rows[0]["id"], rows[0]["state"],
                    tuple(str(n["message"] or "") for n in notes), int(count))

    def _apply(self, sale: Sale, message_id: str, command: ErpCommand) -> None:
        match command:
            case HoldLines():
                self._not_processed(sale, command.order_id, "held")
                note = f"hold lines={_lines(command.lines)} case={command.case_id}"
            case ReleaseLines():
                note = f"release lines={_lines(command.lines)} case={command.case_id}"
                self._release(sale, command.lines)
            case CancelOrder():
                self._cancel(sale, command.order_id)
                note = f"cancel case={command.case_id}"
            case RevisePromise():
                self.rpc.model("sale.sale", "write", [sale.sale_id],
                               {"shipping_date": date.fromisoformat(command.promise_date)})
                note = f"promise {command.promise_date} lines={_lines(command.lines)}"
            case ApplyDecision():
                note = f"{command.action.lower()} case={command.case_id} " + self._decide(
                    sale, command)
            case AddNote():
                note = f"note case={command.case_id} {command.text}"
            case _:
                note = self._line_change(sale, command)
        self._note(sale, message_id, f"{note}: {command.reason}")

    def _line_change(self, sale: Sale, command: ErpCommand) -> str:
        """A header or line change: draft, write, quote, confirm (docs/erp-tryton.md)."""
        sale_values: dict[str, Any] = {}
        line_values: dict[int, dict[str, Any]] = {}
        match command:
            case ChangeWarehouse():
                if command.lines and set(command.lines) != set(range(1, sale.lines + 1)):
                    raise CommandRefusedError(
                        f"Tryton sale of {command.order_id} has one warehouse for all its "
                        f"lines: lines {_lines(command.lines)} cannot move alone",
                        order_id=command.order_id)
                sale_values["warehouse"] = self._warehouse(command.warehouse_id)
            case ChangeQuantity():
                line_values[command.line_no] = {"quantity": float(command.quantity)}
            case ChangePrice():
                line_values[command.line_no] = {"unit_price": command.unit_price}
            case SubstituteItem():
                line_values[command.line_no] = {"product": self._product(command.item_id)}
            case UpdateShipTo():
                sale_values["shipment_address"] = self._address(sale, command)
            case _:
                raise CommandRefusedError(f"Tryton connector has no mapping for "
                                          f"{type(command).__name__}")
        self._not_processed(sale, command.order_id, "changed")
        self._change(sale, sale_values, line_values)
        kind = type(command).__name__
        where = f" line={command.line_no}" if hasattr(command, "line_no") else ""
        return f"{kind.lower()}{where} case={command.case_id} applied"

    def _product(self, code: str) -> int:
        rows = self.rpc.model("product.product", "search_read", [("code", "=", code)], 0, 1,
                              None, ["code"])
        if not rows:
            raise TrytonUserError(f"no Tryton product has the code {code}", field="item_id")
        return int(rows[0]["id"])

    def _address(self, sale: Sale, command: UpdateShipTo) -> int:
        """A new address of the sale's party (Tryton keeps addresses per party)."""
        a = command.ship_to
        [row] = self.rpc.model("sale.sale", "search_read", [("id", "=", sale.sale_id)], 0, 1,
                               None, ["party"])
        values: dict[str, Any] = {
            "party": row["party"], "party_name": a.name or None,
            "street": "\n".join(x for x in (a.line1, a.line2) if x), "city": a.city,
            "postal_code": a.postal_code}
        country = self.rpc.model("country.country", "search_read", [("code", "=", a.country)],
                                 0, 1, None, ["code"])
        if country:
            values["country"] = country[0]["id"]
            state = self.rpc.model("country.subdivision", "search_read",
                                   [("code", "=", f"{a.country}-{a.state}")], 0, 1, None,
                                   ["code"])
            if state:
                values["subdivision"] = state[0]["id"]
        [address_id] = self.rpc.model("party.address", "create", [values])
        return int(address_id)

    def _note(self, sale: Sale, message_id: str, text: str) -> None:
        self.rpc.model("ir.note", "create", [{"resource": f"sale.sale,{sale.sale_id}",
                                              "message": f"[ordex {message_id}] {text}"}])

    def _not_processed(self, sale: Sale, order_id: str, what: str) -> None:
        if sale.state not in NOT_PROCESSED:
            raise SaleAlreadyProcessedError(
                f"Tryton sale of {order_id} is {sale.state}: it cannot be {what}",
                order_id=order_id, state=sale.state)

    def _release(self, sale: Sale, lines: tuple[int, ...]) -> None:
        after = Sale(sale.sale_id, sale.state,
                     (*sale.notes, f"[ordex -] release lines={_lines(lines)}"), sale.lines)
        if sale.state == "confirmed" and not after.held_lines():
            self.rpc.model("sale.sale", "process", [sale.sale_id])  # creates the shipments

    def _cancel(self, sale: Sale, order_id: str) -> None:
        if sale.state == "cancelled":
            return
        self._not_processed(sale, order_id, "cancelled")
        if sale.state != "draft":
            self.rpc.model("sale.sale", "draft", [sale.sale_id])
        self.rpc.model("sale.sale", "cancel", [sale.sale_id])

    def _decide(self, sale: Sale, command: ApplyDecision) -> str:
        """Line and header changes a decision implies: draft, write, quote, confirm."""
        detail = command.detail
        sale_values: dict[str, Any] = {}
        line_values: dict[int, dict[str, Any]] = {}
        if command.action == "REPRICE" and detail.get("prices"):
            line_values = {int(k): {"unit_price": Decimal(str(v))}
                           for k, v in detail["prices"].items()}
        elif command.action == "ALTERNATE_WAREHOUSE" and detail.get("warehouse_id"):
            sale_values["warehouse"] = self._warehouse(str(detail["warehouse_id"]))
        if not sale_values and not line_values:
            return "noted"
        self._not_processed(sale, command.order_id, "changed")
        self._change(sale, sale_values, line_values)
        return "applied"

    def _change(self, sale: Sale, sale_values: dict[str, Any],
                line_values: dict[int, dict[str, Any]]) -> None:
        was = sale.state
        if was != "draft":
            self.rpc.model("sale.sale", "draft", [sale.sale_id])
        if sale_values:
            self.rpc.model("sale.sale", "write", [sale.sale_id], sale_values)
        if line_values:
            rows = self.rpc.model("sale.line", "search_read", [("sale", "=", sale.sale_id)],
                                  0, None, None, LINE_FIELDS)
            by_no = {n: row["id"] for n, row in enumerate(sale_lines_in_order(rows), start=1)}
            for line_no, values in sorted(line_values.items()):
                if line_no in by_no:
                    self.rpc.model("sale.line", "write", [by_no[line_no]], values)
        if was in ("quotation", "confirmed"):
            self.rpc.model("sale.sale", "quote", [sale.sale_id])
        if was == "confirmed":
            self._confirm(sale.sale_id)

    def _confirm(self, sale_id: int) -> None:
        """Confirm again; a warning Tryton raises (credit limit) was weighed by ordex already."""
        try:
            self.rpc.model("sale.sale", "confirm", [sale_id])
        except TrytonUserWarning as warning:
            self.rpc.model("res.user.warning", "skip", warning.name, False)
            self.rpc.model("sale.sale", "confirm", [sale_id])

    def _warehouse(self, code: str) -> int:
        rows = self.rpc.model("stock.location", "search_read",
                              [("code", "=", code), ("type", "=", "warehouse")], 0, 1, None,
                              ["code"])
        if not rows:
            raise TrytonUserError(f"no Tryton warehouse has the code {code}",
                                  field="warehouse_id")
        return int(rows[0]["id"])


def _lines(lines: tuple[int, ...]) -> str:
    return ",".join(str(n) for n in sorted(lines)) if lines else "all"
