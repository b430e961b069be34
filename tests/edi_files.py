"""Build EDI X12 850 files for the intake tests (ACMEIND, the example trading partner)."""

from __future__ import annotations

from collections.abc import Sequence

PRICES = {"VALVE-100": "21.60", "BOLT-M8": "0.40"}
"""ACME's contract and list prices (examples/reference): lines priced right are allocated."""
ISA = ("ISA*00*          *00*          *ZZ*ACMEIND        *ZZ*ORDEX          *261123*0900*U*"
       "00401*{control:09d}*0*P*>")


def purchase_order(number: int, *, control: str, item: str = "VALVE-100",
                   quantity: str | None = None) -> list[str]:
    """The segments ST..SE of one 850 (PO `45{number:08d}`); a quantity 'ten' breaks it."""
    qty = quantity if quantity is not None else str(20 + number % 7)
    price = PRICES.get(item, "1.00")
    body = [f"ST*850*{control}", f"BEG*00*SA*45{number:08d}**20261123",
            "N1*ST*Acme Industrial Supply*92*ACME-1", f"PO1*1*{qty}*EA*{price}**VP*{item}",
            "CTT*1"]
    return [*body, f"SE*{len(body) + 1}*{control}"]


def interchange(control: int, groups: Sequence[tuple[int, Sequence[list[str]]]], *,
                iea_control: int | None = None) -> str:
    """One ISA..IEA holding functional groups of sets; `iea_control` makes IEA02 wrong."""
    lines = [ISA.format(control=control)]
    for gs06, sets in groups:
        lines.append(f"GS*PO*ACMEIND*ORDEX*20261123*0900*{gs06}*X*004010")
        lines += [seg for one in sets for seg in one]
        lines.append(f"GE*{len(sets)}*{gs06}")
    lines.append(f"IEA*{len(groups)}*{iea_control or control:09d}")
    return "".join(line + "~\n" for line in lines)


def mixed_file() -> str:
    """Three interchanges, four groups, 13 sets: one set broken (PO102 'ten'), one interchange
    rejected by its IEA (a TA1), the rest good, with stock running short on VALVE-100."""
    def pos(numbers: range, broken: int | None = None) -> list[list[str]]:
        return [purchase_order(n, control=f"{n:04d}", quantity="ten" if n == broken else None,
                               item="BOLT-M8" if n % 4 == 0 else "VALVE-100") for n in numbers]
    return (interchange(201, [(1, pos(range(1, 6), broken=3)), (2, pos(range(6, 10)))])
            + interchange(202, [(3, pos(range(10, 13)))])
            + interchange(203, [(4, pos(range(13, 14)))], iea_control=999))


def large_file(orders: int, *, per_group: int = 100) -> str:
    """One interchange of `orders` good 850s (BOLT-M8, plenty in stock), in groups."""
    groups = []
    for g, start in enumerate(range(1, orders + 1, per_group), start=1):
        numbers = range(start, min(start + per_group, orders + 1))
        groups.append((g, [purchase_order(n, control=f"{n:04d}", item="BOLT-M8", quantity="1")
                           for n in numbers]))
    return interchange(301, groups)
