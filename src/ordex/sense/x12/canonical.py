"""Turn parse results into ordex canonical orders and JSON-ready dicts (backs `ordex parse`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from ordex.sense.x12.country import ship_to_country
from ordex.sense.x12.envelope import iter_transactions
from ordex.sense.x12.errors import X12EncodingError, X12Error
from ordex.sense.x12.model import Line, Party, PurchaseOrder850, ResultStatus, TransactionResult
from ordex.sense.x12.text import is_digits


def line_numbers(lines: tuple[Line, ...]) -> list[int]:
    """Use PO101 when every line has a distinct whole number there, else the ordinals 1..n."""
    numbers = [line.line_number for line in lines]
    if all(is_digits(n) for n in numbers) and len({int(n) for n in numbers}) == len(numbers):
        return [int(n) for n in numbers]
    return [line.ordinal for line in lines]


def _ship_to(po: PurchaseOrder850) -> dict[str, str | None]:
    """Return the ship-to address (header N1*ST, else the first line-level one)."""
    party: Party | None = po.party("ST") or next(
        (p for line in po.lines for p in line.parties if p.entity == "ST"), None)
    if party is None:
        keys = ("code", "name", "line1", "line2", "city", "state", "postal_code")
        return {**dict.fromkeys(keys), "country": ""}
    lines = party.address_lines
    return {"code": party.id_code, "name": party.name,
            "line1": lines[0] if lines else None,
            "line2": " ".join(lines[1:]) or None, "city": party.city, "state": party.state,
            "postal_code": party.postal_code,
            "country": ship_to_country(party.country_sent, party.postal_code, party.state)}


def _iso(value: Any) -> str | None:
    """Format a date as YYYY-MM-DD, passing None through."""
    return value.isoformat() if value is not None else None


def _line(line: Line, number: int) -> dict[str, Any]:
    """Return one canonical order line; quantity, price and PO101 are the file's exact text."""
    return {"line_no": number, "item_id": None, "buyer_part": line.buyer_part,
            "vendor_part": line.vendor_part, "quantity": line.quantity_text,
            "uom": line.unit, "unit_price": line.unit_price_text,
            "description": line.description, "product_ids": dict(line.product_ids),
            "identifiers": [{"qualifier": q, "value": v} for q, v in line.identifiers],
            "po101": line.line_number, "price_basis": line.price_basis}


def to_canonical(po: PurchaseOrder850) -> dict[str, Any]:
    """Return the ordex canonical order for an 850, as a JSON-ready dict."""
    env = po.envelope
    sender = (env.sender_id or "").strip()
    po_number = po.po_number.strip()
    return {
        "order_id": f"{sender}-{po_number}" if sender else po_number,
        "customer_id": None,
        "customer_po": po_number,
        "channel": "edi",
        "order_date": po.order_date.isoformat(),
        "requested_ship_date": _iso(po.requested_ship_date),
        "ship_to": _ship_to(po),
        "ship_via": po.ship_via,
        "warehouse_id": None,
        "currency": po.currency or "USD",
        "lines": [_line(line, n) for line, n in zip(po.lines, line_numbers(po.lines),
                                                     strict=True)],
        "edi": {"sender_qualifier": env.sender_qualifier, "sender_id": env.sender_id,
                "receiver_qualifier": env.receiver_qualifier, "receiver_id": env.receiver_id,
                "app_sender": env.app_sender, "app_receiver": env.app_receiver,
                "usage": env.usage,
                "interchange_control": env.interchange_control,
                "group_control": env.group_control,
                "transaction_control": env.transaction_control, "version": env.version,
                "separators": asdict(env.separators) if env.separators else None},
    }


def result_to_dict(result: TransactionResult) -> dict[str, Any]:
    """Return the JSON-ready dict for one result: ok, error or unsupported."""
    env = result.envelope
    data: dict[str, Any] = {"file": result.file, "status": result.status.value,
                            "scope": result.scope.value, "transaction_set": env.transaction_set}
    if result.status is ResultStatus.OK and result.order is not None:
        data["order"] = to_canonical(result.order)
        if result.warnings:
            data["warnings"] = [w.to_dict() for w in result.warnings]
    elif result.status is ResultStatus.ERROR and result.error is not None:
        data["error"] = result.error.to_dict()
        data["errors"] = [e.to_dict() for e in result.errors]
        if result.rejection is not None:  # rejected with its group or interchange
            data["rejected_by"] = {"scope": result.rejection.scope.value,
                                   "own_status": result.rejection.own_status.value}
            data.update(interchange_control=env.interchange_control,
                        group_control=env.group_control,
                        transaction_control=env.transaction_control)
    elif result.status is ResultStatus.NOTE:
        data["notes"] = [w.to_dict() for w in result.warnings]
        data["interchange_control"] = env.interchange_control
    else:
        data.update(interchange_control=env.interchange_control,
                    group_control=env.group_control,
                    transaction_control=env.transaction_control)
    return data


def _unreadable(path: str, exc: OSError) -> dict[str, Any]:
    """Describe a file that cannot be opened or read."""
    error = X12EncodingError(f"cannot read the file: {exc.strerror or exc}", file=path)
    return {"file": path, "status": "error", "scope": "interchange",
            "transaction_set": None, "error": error.to_dict(), "errors": [error.to_dict()]}


def parse_file(path: str | os.PathLike[str], *, strict_totals: bool = False
               ) -> Iterator[TransactionResult]:
    """Yield the results of one X12 file, streamed from disk in bounded memory."""
    name = os.fspath(path)
    with open(name, "rb") as handle:
        yield from iter_transactions(handle, file=name, strict_totals=strict_totals)


def parse_files(paths: Iterable[str | os.PathLike[str]], *, strict_totals: bool = False
                ) -> Iterator[dict[str, Any]]:
    """Yield one JSON-ready dict per transaction set (or envelope error) of every file."""
    for path in paths:
        name = os.fspath(path)
        try:
            for result in parse_file(name, strict_totals=strict_totals):
                yield result_to_dict(result)
        except OSError as exc:
            yield _unreadable(name, exc)
        except X12Error as exc:  # defensive: the reader reports errors as results
            yield {"file": name, "status": "error", "scope": "interchange",
                   "transaction_set": None, "error": exc.to_dict(), "errors": [exc.to_dict()]}
