"""Write an 855 change (BAK01 "04") that follows an order's first 855.

It is addressed and formatted as the first one was (its ISA and GS parties, version, usage and
separators are read back from it with ordex's own tokenizer), and it carries only the lines
that changed, each echoing the PO1 the first 855 sent, with the line's ACK codes now
(docs/edi-x12.md, "855 change").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ordex.sense.x12.ack855 import LINE_STATUSES, LineAck, _ack_type
from ordex.sense.x12.tokenizer import Segment, iter_segments
from ordex.sense.x12.writer import Outbound, Sent, envelope

CHANGE = "04"
"""BAK01 (353, transaction set purpose): 04 = change; a partner may ask for 05 = replace."""


class FirstAcknowledgment:
    """What an order's first 855 said: its envelope and its PO1 lines in order."""

    def __init__(self, text: str) -> None:
        segments = [s for s in iter_segments(text) if isinstance(s, Segment)]
        tags = {s.tag: s for s in reversed(segments)}  # the first of each tag
        if not {"ISA", "GS", "BAK"} <= set(tags):
            raise ValueError("not an 855 interchange (ISA, GS and BAK are required)")
        isa, gs, bak = tags["ISA"], tags["GS"], tags["BAK"]
        self.separators = isa.separators
        self.sender = (isa.get(5), isa.get(6))
        self.receiver = (isa.get(7), isa.get(8))
        self.usage = isa.get(15) or "P"
        self.app_sender, self.app_receiver, self.version = gs.get(2), gs.get(3), gs.get(8)
        self.po_number, self.order_date = bak.get(3), bak.get(4)
        self.lines = [s for s in segments if s.tag == "PO1"]


def _ack(po1: Segment, ack: LineAck) -> list[str]:
    """One ACK for a line of the first 855: status, quantity, unit, date (068), substitute."""
    if ack.quantity is not None:
        quantity = format(ack.quantity, "f")
    elif ack.status == "IR":
        quantity = "0"
    else:
        quantity = Sent(po1.get(2))
    seg = ["ACK", ack.status, quantity, Sent(po1.get(3)), "", "", ""]
    if ack.ship_date is not None:
        seg[4:6] = ["068", ack.ship_date.strftime("%Y%m%d")]
    for qualifier, value in ack.substitute:
        seg += [qualifier, value]
    return seg


def build_855_change(first: str, acks: Sequence[LineAck], *, line_numbers: Sequence[int],
                     interchange_control: int, group_control: int, now: dt.datetime,
                     transaction_control: str = "0001", line_break: str = "\n",
                     purpose: str = CHANGE) -> str:
    """Return an 855 change for the lines `acks` name, after the order's first 855 `first`.

    `line_numbers` are the order's line numbers in the order the first 855 listed them.
    """
    head = FirstAcknowledgment(first)
    if len(head.lines) != len(line_numbers):
        raise ValueError(f"the first 855 has {len(head.lines)} PO1 lines, the order "
                         f"{len(line_numbers)}")
    po1_of = dict(zip(line_numbers, head.lines, strict=True))
    by_line: dict[int, list[LineAck]] = {}
    for ack in acks:
        if ack.status not in LINE_STATUSES:
            raise ValueError(f"unknown ACK01 line status {ack.status!r}")
        if ack.line_no not in po1_of:
            raise ValueError(f"acknowledgment for line {ack.line_no}, not in the order")
        by_line.setdefault(ack.line_no, []).append(ack)
    if not by_line:
        raise ValueError("an 855 change needs at least one changed line")
    statuses = [a.status for line_acks in by_line.values() for a in line_acks]
    body: list[list[str]] = [["BAK", purpose, _ack_type(statuses), Sent(head.po_number),
                              Sent(head.order_date), "", "", "", "", now.strftime("%Y%m%d")]]
    for n in line_numbers:
        if n in by_line:
            po1 = po1_of[n]
            body.append(["PO1", *(Sent(e) for e in po1.elements[1:])])
            body.extend(_ack(po1, a) for a in by_line[n])
            price = next((a.unit_price for a in by_line[n] if a.unit_price is not None), None)
            if price is not None:
                body.append(["CTP", "", "NET", format(price, "f")])
    body.append(["CTT", str(len(by_line))])
    out = Outbound(sender=head.sender, receiver=head.receiver, app_sender=head.app_sender,
                   app_receiver=head.app_receiver, interchange_control=interchange_control,
                   group_control=group_control, transaction_control=transaction_control,
                   version=head.version or "004010", usage=head.usage,
                   separators=head.separators, line_break=line_break)
    return envelope("PR", "855", body, out, now)
