"""Write an 855 purchase order acknowledgment for a canonical order and per-line statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordex.sense.x12.writer import Outbound, envelope

# ACK01 line item status codes (X12 element 668) that the control tower sends.
LINE_STATUSES = {
    "IA": "item accepted",
    "IC": "item accepted, changes made (quantity, price or date)",
    "IB": "item backordered",
    "IR": "item rejected",
    "IH": "item on hold",
    "IP": "item accepted, price changed",
    "IQ": "item accepted, quantity changed",
    "DR": "item accepted, date rescheduled",
}
_CURRENT_SCHEDULE_SHIP = "068"


@dataclass(frozen=True)
class LineAck:
    """The seller's answer for one order line; changed values are None when unchanged."""

    line_no: int
    status: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    ship_date: dt.date | None = None


def _ack_type(statuses: list[str]) -> str:
    """Return BAK02: AD accepted as is, RJ all rejected, AC accepted with changes."""
    if all(s == "IA" for s in statuses):
        return "AD"
    if all(s == "IR" for s in statuses):
        return "RJ"
    return "AC"


def _ids(line: Mapping[str, Any]) -> list[str]:
    """Return PO106.. product id pairs: buyer part (BP) and vendor part (VP)."""
    pairs: list[str] = []
    if line.get("buyer_part"):
        pairs += ["BP", str(line["buyer_part"])]
    if line.get("vendor_part"):
        pairs += ["VP", str(line["vendor_part"])]
    return pairs


def _line_segments(line: Mapping[str, Any], ack: LineAck) -> list[list[str]]:
    """Return PO1 (the line as ordered), ACK (status, quantity, date) and CTP (new price)."""
    quantity = line["quantity"]
    if ack.quantity is not None:
        quantity = str(ack.quantity)
    elif ack.status == "IR":
        quantity = "0"
    po1 = ["PO1", str(line["line_no"]), str(line["quantity"]), str(line["uom"]),
           str(line.get("unit_price") or ""), "", *_ids(line)]
    ack_seg = ["ACK", ack.status, quantity, str(line["uom"])]
    if ack.ship_date is not None:
        ack_seg += [_CURRENT_SCHEDULE_SHIP, ack.ship_date.strftime("%Y%m%d")]
    segments = [po1, ack_seg]
    if ack.unit_price is not None:
        segments.append(["CTP", "", "NET", str(ack.unit_price)])
    return segments


def _match(order: Mapping[str, Any], acks: Sequence[LineAck]) -> list[LineAck]:
    """Pair every order line with its ack (IA when none is given)."""
    by_line = {ack.line_no: ack for ack in acks}
    numbers = {line["line_no"] for line in order["lines"]}
    unknown = sorted(set(by_line) - numbers)
    if unknown:
        raise ValueError(f"acknowledgments for lines not in the order: {unknown}")
    for ack in acks:
        if ack.status not in LINE_STATUSES:
            raise ValueError(f"unknown ACK01 line status {ack.status!r}")
    return [by_line.get(line["line_no"], LineAck(line["line_no"], "IA"))
            for line in order["lines"]]


def build_855(order: Mapping[str, Any], acks: Sequence[LineAck], *, sender: tuple[str, str],
              interchange_control: int, group_control: int, now: dt.datetime,
              receiver: tuple[str, str] | None = None, transaction_control: str = "0001",
              version: str = "004010", usage: str = "P", line_break: str = "\n") -> str:
    """Return a full 855 interchange acknowledging a canonical order line by line."""
    matched = _match(order, acks)
    edi = order.get("edi") or {}
    to = receiver or (edi.get("sender_qualifier") or "ZZ", edi.get("sender_id") or "")
    order_date = dt.date.fromisoformat(order["order_date"]).strftime("%Y%m%d")
    body: list[list[str]] = [["BAK", "00", _ack_type([a.status for a in matched]),
                              str(order["customer_po"]), order_date, "", "", "", "",
                              now.strftime("%Y%m%d")]]
    for line, ack in zip(order["lines"], matched, strict=True):
        body.extend(_line_segments(line, ack))
    total = sum((Decimal(line["quantity"]) for line in order["lines"]), Decimal(0))
    body.append(["CTT", str(len(order["lines"])), str(total)])
    out = Outbound(sender=sender, receiver=to, app_sender=sender[1], app_receiver=to[1],
                   interchange_control=interchange_control, group_control=group_control,
                   transaction_control=transaction_control, version=version, usage=usage,
                   line_break=line_break)
    return envelope("PR", "855", body, out, now)
