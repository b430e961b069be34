"""Write an 855 purchase order acknowledgment for a canonical order and per-line statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordex.sense.x12.isa import Separators
from ordex.sense.x12.writer import DEFAULT_SEPARATORS, Outbound, Sent, envelope

# ACK01 line item status codes (X12 element 668) that the control tower sends.
LINE_STATUSES = {
    "IA": "item accepted",
    "IC": "item accepted, changes made (quantity, price or date)",
    "IB": "item backordered",
    "IR": "item rejected",
    "IH": "item on hold",
    "IP": "item accepted, price changed",
    "IQ": "item accepted, quantity changed",
    "IS": "item accepted, substitution made",
    "DR": "item accepted, date rescheduled",
}
_CURRENT_SCHEDULE_SHIP = "068"


@dataclass(frozen=True)
class LineAck:
    """The seller's answer for one order line; changed values are None when unchanged.

    A line may have several: e.g. IQ for the quantity that ships and IB for the rest.
    `substitute` holds the substitute's product identifiers (ACK07/08 onwards) for IS.
    """

    line_no: int
    status: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    ship_date: dt.date | None = None
    substitute: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Parties:
    """Who the 855 goes from and to: ISA qualifier/id and GS application ids."""

    sender: tuple[str, str]
    receiver: tuple[str, str]
    app_sender: str
    app_receiver: str


def reply_parties(edi: Mapping[str, Any], *, fallback: tuple[str, str]) -> Parties:
    """The inbound envelope swapped: its ISA07/08 and GS03 send, its ISA05/06 and GS02 receive."""
    ours = (edi.get("receiver_qualifier") or fallback[0], (edi.get("receiver_id") or "").strip()
            or fallback[1])
    theirs = (edi.get("sender_qualifier") or "ZZ", (edi.get("sender_id") or "").strip())
    return Parties(ours, theirs, (edi.get("app_receiver") or "").strip() or ours[1],
                   (edi.get("app_sender") or "").strip() or theirs[1])


def _ack_type(statuses: list[str]) -> str:
    """Return BAK02: AD accepted as is, RJ all rejected, AC accepted with changes."""
    if all(s == "IA" for s in statuses):
        return "AD"
    if all(s == "IR" for s in statuses):
        return "RJ"
    return "AC"


def _inbound_separators(edi: Mapping[str, Any]) -> Separators | None:
    """The separators the inbound ISA declared (None for a bare set or an older order)."""
    sent = edi.get("separators")
    return Separators(**sent) if sent else None


def _ids(line: Mapping[str, Any], echo: type[str]) -> list[str]:
    """Return PO106.. pairs: every identifier as sent (legacy lines: BP and VP)."""
    sent = line.get("identifiers")
    if sent:
        return [echo(part) for i in sent for part in (i["qualifier"], i["value"])]
    pairs: list[str] = []
    if line.get("buyer_part"):
        pairs += ["BP", str(line["buyer_part"])]
    if line.get("vendor_part"):
        pairs += ["VP", str(line["vendor_part"])]
    return pairs


def _ack(line: Mapping[str, Any], ack: LineAck, echo: type[str]) -> list[str]:
    """Return one ACK: status, quantity, unit, new date (068), substitute's identifiers."""
    quantity = echo(line["quantity"])
    if ack.quantity is not None:
        quantity = format(ack.quantity, "f")
    elif ack.status == "IR":
        quantity = "0"
    seg = ["ACK", ack.status, quantity, echo(line["uom"]), "", "", ""]
    if ack.ship_date is not None:
        seg[4:6] = [_CURRENT_SCHEDULE_SHIP, ack.ship_date.strftime("%Y%m%d")]
    for qualifier, value in ack.substitute:
        seg += [qualifier, value]
    return seg


def _line_segments(line: Mapping[str, Any], acks: list[LineAck],
                   echo: type[str]) -> list[list[str]]:
    """Return PO1 (the line as ordered, PO101 as sent, empty too), its ACKs and CTP."""
    sent = line.get("po101")
    number = echo(sent) if sent is not None else str(line["line_no"])
    po1 = ["PO1", number, echo(line["quantity"]), echo(line["uom"]),
           echo(line.get("unit_price") or ""), echo(line.get("price_basis") or ""),
           *_ids(line, echo)]
    segments = [po1, *(_ack(line, a, echo) for a in acks)]
    price = next((a.unit_price for a in acks if a.unit_price is not None), None)
    if price is not None:
        segments.append(["CTP", "", "NET", format(price, "f")])
    return segments


def _match(order: Mapping[str, Any], acks: Sequence[LineAck]) -> list[list[LineAck]]:
    """Group the acks by order line (IA when a line has none)."""
    by_line: dict[int, list[LineAck]] = {}
    for ack in acks:
        if ack.status not in LINE_STATUSES:
            raise ValueError(f"unknown ACK01 line status {ack.status!r}")
        by_line.setdefault(ack.line_no, []).append(ack)
    numbers = {line["line_no"] for line in order["lines"]}
    unknown = sorted(set(by_line) - numbers)
    if unknown:
        raise ValueError(f"acknowledgments for lines not in the order: {unknown}")
    return [by_line.get(line["line_no"]) or [LineAck(line["line_no"], "IA")]
            for line in order["lines"]]


def build_855(order: Mapping[str, Any], acks: Sequence[LineAck], *, sender: tuple[str, str],
              interchange_control: int, group_control: int, now: dt.datetime,
              receiver: tuple[str, str] | None = None, transaction_control: str = "0001",
              version: str | None = None, usage: str | None = None,
              line_break: str = "\n") -> str:
    """Return a full 855 interchange acknowledging a canonical order line by line.

    Without `receiver`, sender and receiver are the inbound envelope swapped (`sender` is
    the fallback for a bare transaction set); version and ISA15 follow the inbound 850.
    """
    matched = _match(order, acks)
    edi = order.get("edi") or {}
    parties = reply_parties(edi, fallback=sender)
    if receiver is not None:
        parties = Parties(sender, receiver, sender[1], receiver[1])
    separators = _inbound_separators(edi)
    echo: type[str] = str if separators is None else Sent  # echoed text is safe as sent
    order_date = dt.date.fromisoformat(order["order_date"]).strftime("%Y%m%d")
    statuses = [a.status for line_acks in matched for a in line_acks]
    body: list[list[str]] = [["BAK", "00", _ack_type(statuses), echo(order["customer_po"]),
                              order_date, "", "", "", "", now.strftime("%Y%m%d")]]
    for line, line_acks in zip(order["lines"], matched, strict=True):
        body.extend(_line_segments(line, line_acks, echo))
    total = sum((Decimal(line["quantity"]) for line in order["lines"]), Decimal(0))
    body.append(["CTT", str(len(order["lines"])), str(total)])
    out = Outbound(sender=parties.sender, receiver=parties.receiver,
                   app_sender=parties.app_sender, app_receiver=parties.app_receiver,
                   interchange_control=interchange_control, group_control=group_control,
                   transaction_control=transaction_control,
                   version=version or edi.get("version") or "004010",
                   usage=usage or edi.get("usage") or "P",
                   separators=separators or DEFAULT_SEPARATORS, line_break=line_break)
    return envelope("PR", "855", body, out, now)
