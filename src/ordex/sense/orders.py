"""Turn raw order payloads (JSON object, JSON array, NDJSON) into domain orders."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ordex.domain.errors import InvalidPayloadError
from ordex.domain.model import Order, RawPayload
from ordex.sense.safe_text import printable, read_int, text_problems
from ordex.sense.schema import OrderIn


def store_raw(body: bytes, *, source: str, channel: str, now: datetime,
              raw_id: str | None = None) -> RawPayload:
    """Wrap bytes as a raw payload with its hash; the caller stores it before parsing."""
    return RawPayload(raw_id or uuid.uuid4().hex, source, channel, now,
                      hashlib.sha256(body).hexdigest(), body)


def _errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Pydantic errors as {field, reason} with a dotted path people can read."""
    out = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"])
        path = f"{prefix}.{path}" if prefix and path else (prefix or path or "(body)")
        out.append({"field": path, "reason": err["msg"]})
    return out


def validate_order(data: Any, *, channel: str, prefix: str = "") -> Order:
    """A domain order from decoded JSON, or InvalidPayloadError naming fields and reasons."""
    if isinstance(data, dict) and "channel" not in data:
        data = {**data, "channel": channel}
    try:
        order = OrderIn.model_validate(data).to_domain()
    except ValidationError as exc:
        errors = _errors(exc, prefix)
        first = errors[0]
        raise InvalidPayloadError(f"{first['field']}: {first['reason']}", errors=errors) from None
    too_big = _beyond_storage(order, prefix)
    if too_big:
        first = too_big[0]
        raise InvalidPayloadError(f"{first['field']}: {first['reason']}", errors=too_big)
    return order


STORABLE_QTY = Decimal(10) ** 9
"""Largest quantity or unit price (exclusive); line values and the total stay below 10^12."""
STORABLE_VALUE = Decimal(10) ** 12


def _beyond_storage(order: Order, prefix: str) -> list[dict[str, str]]:
    """Numbers larger than the database keeps (18 digits, 6 of them decimals), named."""
    dot = f"{prefix}." if prefix else ""
    found = []
    for i, ln in enumerate(order.lines):
        for name, value in (("quantity", ln.quantity), ("unit_price", ln.unit_price)):
            if value >= STORABLE_QTY:
                found.append({"field": f"{dot}lines.{i}.{name}",
                              "reason": f"must be less than {STORABLE_QTY:,}"})
        if ln.value >= STORABLE_VALUE:
            found.append({"field": f"{dot}lines.{i}",
                          "reason": f"quantity × unit_price must be less than {STORABLE_VALUE:,}"})
    if order.value >= STORABLE_VALUE:
        found.append({"field": f"{dot}lines",
                      "reason": f"order total must be less than {STORABLE_VALUE:,}"})
    return found


def decode_json(body: bytes) -> Any:
    """Decoded JSON, or InvalidPayloadError saying where the syntax breaks.

    An integer longer than Python reads is kept as a LongNumber, refused later naming its field.
    """
    try:
        return json.loads(body, parse_int=read_int)
    except UnicodeDecodeError as exc:
        raise InvalidPayloadError(f"body is not UTF-8 text (byte {exc.start})",
                                  errors=[{"field": "(body)", "reason": "not UTF-8"}]) from None
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise InvalidPayloadError(reason, errors=[{"field": "(body)", "reason": reason}]) from None
    except RecursionError:  # the decoder's own guard against stack exhaustion
        reason = "JSON nested too deeply to read"
        raise InvalidPayloadError(reason, errors=[{"field": "(body)", "reason": reason}]) from None


def content_sha256(order: Order) -> str:
    """A hash of what the order says (not how it was spelled, sent or when it arrived)."""
    data = _plain(order)
    data.update(received_at=None, channel="")
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=_canonical,
                                     separators=(",", ":")).encode()).hexdigest()


def _plain(value: Any) -> Any:
    """`dataclasses.asdict` for the frozen order types, without its deep copies (which cost
    a quarter of a millisecond an order): the same JSON, so stored hashes still match."""
    names = _FIELDS.get(type(value))
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def _canonical(value: object) -> str:
    """Decimals by value (5 and 5.00 are the same quantity), dates in ISO form."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@dataclass(frozen=True, slots=True)
class Parsed:
    """One order found in a payload: the order, or the error that stopped it."""

    index: int
    order: Order | None
    error: InvalidPayloadError | None
    order_id: str | None


def split_orders(data: Any) -> tuple[list[Any], bool]:
    """The order objects of a body (object, array or {"orders": [...]}) and if it was a batch."""
    if isinstance(data, list):
        return data, True
    if isinstance(data, dict) and isinstance(data.get("orders"), list):
        return data["orders"], True
    return [data], False


def parse_items(items: list[Any], *, channel: str, batch: bool) -> Iterator[Parsed]:
    """Validate each order object, keeping going past bad ones."""
    for i, item in enumerate(items):
        oid = item.get("order_id") if isinstance(item, dict) else None
        oid = printable(oid)[:200] if isinstance(oid, str) else None
        refused = text_problems(item, prefix=f"[{i}]" if batch else "")
        if refused:
            first = refused[0]
            yield Parsed(i, None, InvalidPayloadError(f"{first['field']}: {first['reason']}",
                                                      errors=refused), oid)
            continue
        try:
            order = validate_order(item, channel=channel, prefix=f"[{i}]" if batch else "")
            yield Parsed(i, order, None, order.order_id)
        except InvalidPayloadError as exc:
            yield Parsed(i, None, exc, oid)
