"""The documents an inbound EDI file is answered with, each under its natural key.

A 997 per functional group occurrence, an 855 per order judged, a TA1 per interchange
rejected by its IEA. Each is built only once its control number is drawn, inside the unit of
work that writes it (the FileRecords port); a key already stored is not built again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordex.domain.customer_view import LineState
from ordex.sense.x12 import LineAck, build_855, build_997
from ordex.sense.x12.ack855_change import build_855_change
from ordex.sense.x12.model import TransactionResult
from ordex.sense.x12.ta1 import build_ta1

OUR_ID = ("ZZ", "ORDEX")
"""Our ISA sender qualifier and id on outbound documents."""
Group = tuple[str, str, int | None]
"""(ISA13, GS06, which GS of the file): a 997 acknowledges one GS occurrence."""


@dataclass(frozen=True, slots=True)
class Outbound:
    """An outbound EDI document to write once: its natural key and how to build its body."""

    key: str
    kind: str
    partner: str
    order_id: str | None
    raw_id: str
    build: Callable[[int], str | None]
    """The body under a control number; None when there is nothing to send."""
    told: Mapping[int, LineState] | None = None
    """What an 855 tells the customer about each line (kept as the lines' last told state)."""


def ack_997(results: Sequence[TransactionResult], *, raw_id: str, group: Group,
            now: datetime) -> Outbound:
    """The 997 of one functional group occurrence of a stored file."""
    isa13, gs06, index = group

    def build(control: int) -> str | None:
        try:
            return build_997(results, interchange_control=control, group_control=control,
                             now=now)
        except ValueError:  # no GS among the results: nothing to acknowledge
            return None

    sender = (results[0].envelope.sender_id or "").strip()
    return Outbound(f"997:{raw_id}:{isa13}:{gs06.strip()}:{index}", "997", sender, None,
                    raw_id, build)


def ack_855(canonical: dict[str, Any], acks: list[LineAck], *, raw_id: str, order_id: str,
            now: datetime) -> Outbound:
    """The 855 of one order judged: one per order id, whichever file brought it."""

    def build(control: int) -> str:
        return build_855(canonical, acks, sender=OUR_ID, interchange_control=control,
                         group_control=control, now=now)

    partner = (canonical["edi"]["sender_id"] or "").strip()
    return Outbound(f"855:{order_id}", "855", partner, order_id, raw_id, build,
                    told_by(acks, {int(ln["line_no"]): Decimal(str(ln["quantity"]))
                                   for ln in canonical["lines"]}))


def ack_855_change(*, first: str, states: Mapping[int, LineState], line_numbers: list[int],
                   order_id: str, partner: str, raw_id: str, sequence: int,
                   now: datetime, purpose: str = "04") -> Outbound:
    """The 855 change telling the lines' new states; one per order and change sequence.
    `purpose` is its BAK01, as the trading partner asks (04 change, 05 replace)."""

    def build(control: int) -> str:
        return build_855_change(first, acks_of(states), line_numbers=line_numbers,
                                interchange_control=control, group_control=control, now=now,
                                purpose=purpose)

    return Outbound(f"855C:{order_id}:{sequence}", "855", partner, order_id, raw_id, build,
                    dict(states))


def acks_of(states: Mapping[int, LineState]) -> list[LineAck]:
    """The ACK segments that tell each line's state (docs/edi-x12.md, "855 change")."""
    out: list[LineAck] = []
    for n, s in sorted(states.items()):
        match s.status:
            case "partly_backordered":
                out += [LineAck(n, "IQ", quantity=s.quantity, ship_date=s.ship_date),
                        LineAck(n, "IB", quantity=s.backordered)]
            case "substituted":
                out.append(LineAck(n, "IS", ship_date=s.ship_date,
                                   substitute=(("VN", s.item_id or ""),)))
            case _:
                out.append(LineAck(n, _SIMPLE[s.status], quantity=s.backordered or s.quantity,
                                   unit_price=s.unit_price, ship_date=s.ship_date))
    return out


_SIMPLE = {"accepted": "IA", "held": "IH", "backordered": "IB", "rescheduled": "DR",
           "repriced": "IP", "quantity_changed": "IQ", "changed": "IC", "cancelled": "IR"}


def told_by(acks: Sequence[LineAck], quantities: Mapping[int, Decimal]) -> dict[int, LineState]:
    """The state each line's ACKs tell (IA for a line without one); `quantities` are the
    lines' ordered quantities (an IB without one backorders the whole line)."""
    by_line: dict[int, dict[str, LineAck]] = {n: {} for n in quantities}
    for a in acks:
        by_line.setdefault(a.line_no, {})[a.status] = a
    return {n: _state(got, quantities.get(n)) for n, got in by_line.items()}


def _state(got: Mapping[str, LineAck], ordered: Decimal | None) -> LineState:
    def norm(v: Decimal | None) -> Decimal | None:
        return None if v is None else v.normalize()
    if "IR" in got:
        return LineState("cancelled")
    if "IH" in got:
        return LineState("held")
    if "IS" in got:
        sub = dict(got["IS"].substitute)
        return LineState("substituted", item_id=sub.get("VN"), ship_date=got["IS"].ship_date)
    if "IB" in got:
        ships = got.get("IQ")
        if ships is not None:
            return LineState("partly_backordered", norm(ships.quantity),
                             norm(got["IB"].quantity), ship_date=ships.ship_date)
        return LineState("backordered", Decimal(0), norm(got["IB"].quantity or ordered))
    for status, ack in got.items():
        name = {v: k for k, v in _SIMPLE.items()}.get(status, "accepted")
        return LineState(name, norm(ack.quantity), None, None, norm(ack.unit_price),
                         ack.ship_date)
    return LineState()


def ack_ta1(result: TransactionResult, *, raw_id: str, now: datetime) -> Outbound:
    """The TA1 that rejects an interchange whose IEA is wrong or missing."""
    env = result.envelope
    isa13 = (env.interchange_control or "").strip()

    def build(control: int) -> str:
        return build_ta1(result, interchange_control=control, now=now)

    return Outbound(f"TA1:{raw_id}:{isa13}:{env.interchange_index}", "TA1",
                    (env.sender_id or "").strip(), None, raw_id, build)
