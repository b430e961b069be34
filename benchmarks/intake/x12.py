"""Write canonical orders as EDI X12 850 interchanges, one interchange per purchase order.

A writer of our own (ordex reads 850s but never writes them): the segments are the ones a
distributor's partners commonly send (docs/edi-x12.md, "850 mapping"). The partner is named by
the ISA sender id; lines name our item as the vendor part (VN), which intake maps directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

RECEIVER = "ORDEX"


def _ymd(iso: str) -> str:
    return iso.replace("-", "")


def _segment(*elements: Any) -> str:
    """One segment, trailing empty elements dropped."""
    parts = ["" if e is None else str(e) for e in elements]
    while parts and parts[-1] == "":
        parts.pop()
    return "*".join(parts) + "~"


def _isa(sender: str, control: int, at: datetime) -> str:
    return _segment("ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ",
                    RECEIVER.ljust(15), at.strftime("%y%m%d"), at.strftime("%H%M"), "U",
                    "00401", f"{control:09d}", "0", "P", ">")


def _body(order: dict[str, Any]) -> list[str]:
    """ST..SE content of one order (without ST and SE)."""
    ship = order["ship_to"]
    segs = [_segment("BEG", "00", "SA", order["customer_po"], "", _ymd(order["order_date"])),
            _segment("DTM", "010", _ymd(order["requested_ship_date"]))]
    if order.get("ship_via"):
        segs.append(_segment("TD5", "", "", "", "", order["ship_via"]))
    segs += [_segment("N1", "ST", ship.get("name", ""), "92", ship.get("code", "")),
             _segment("N3", ship.get("line1", ""), ship.get("line2", "")),
             _segment("N4", ship.get("city", ""), ship.get("state", ""),
                      ship.get("postal_code", ""), ship.get("country", ""))]
    for ln in order["lines"]:
        segs.append(_segment("PO1", ln["line_no"], ln["quantity"], ln["uom"], ln["unit_price"],
                             "", "VN", ln["item_id"]))
    total = sum(float(ln["quantity"]) for ln in order["lines"])
    segs.append(_segment("CTT", len(order["lines"]), f"{total:g}"))
    return segs


def interchange(order: dict[str, Any], *, sender: str, control: int, at: datetime) -> str:
    """One ISA..IEA holding one GS and one 850 for the order."""
    body = _body(order)
    st = f"{control % 10000:04d}"
    return "\n".join([
        _isa(sender, control, at),
        _segment("GS", "PO", sender, RECEIVER, at.strftime("%Y%m%d"), at.strftime("%H%M"),
                 control, "X", "004010"),
        _segment("ST", "850", st), *body, _segment("SE", len(body) + 2, st),
        _segment("GE", 1, control), _segment("IEA", 1, f"{control:09d}")]) + "\n"
