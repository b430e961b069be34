"""ERP commands as JSON and back: the outbox's and the sandbox's `payload` column.

Versioned by kind: a row's `command` column names its kind, and a field added to a kind later
has a default, so an older row of that kind reads as it was written. `ApplyDecision`, the
catch-all kind of earlier releases, is still read (and delivered) but no longer written; rows
are never rewritten, because a payload is what was promised to the ERP under its idempotency
key (docs/erp.md, "Commands").
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from ordex.domain.erp_commands import COMMAND_KINDS, ErpCommand, Shipment, as_json
from ordex.domain.errors import OrdexError
from ordex.domain.model import Address

DECIMALS = frozenset({"quantity", "backorder_quantity", "unit_price"})


class UnknownCommandKindError(OrdexError):
    """A stored command names a kind this release does not know."""


def command_payload(command: ErpCommand) -> dict[str, Any]:
    """A command as a JSON object of its fields."""
    return as_json(command)


def command_from_row(kind: str, payload: dict[str, Any]) -> ErpCommand:
    """The command a stored row holds."""
    cls = COMMAND_KINDS.get(kind)
    if cls is None:
        raise UnknownCommandKindError(f"stored command of unknown kind {kind!r}", kind=kind)
    names = {f.name for f in dataclasses.fields(cls)}
    data: dict[str, Any] = {}
    for key, value in payload.items():
        if key not in names:
            continue  # a field a later release added and this one does not know
        if key == "lines":
            value = tuple(int(v) for v in value)
        elif key in DECIMALS and value is not None:
            value = Decimal(str(value))
        elif key == "shipments":
            value = tuple(Shipment(str(s["item_id"]), str(s["warehouse_id"]),
                                   Decimal(str(s["quantity"])), s.get("ship_date"))
                          for s in value)
        elif key == "ship_to":
            value = Address(**{k: str(v) for k, v in value.items()})
        data[key] = value
    command: ErpCommand = cls(**data)
    return command
