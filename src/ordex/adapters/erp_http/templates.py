"""Payload templates: a JSON structure whose strings are Jinja2 templates, in a sandbox.

A string that is exactly one expression (`"{{ command.lines }}"`) keeps the expression's type
(a list stays a list, a number a number); any other string renders as text. Templates run in
Jinja2's SandboxedEnvironment with StrictUndefined, so a name the command lacks is an error,
not an empty string. They see `command` (the command's fields), `kind`, `message_id`,
`order_id` and `created_at` (ISO 8601).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, Undefined
from jinja2 import Template as JinjaTemplate
from jinja2 import TemplateError as JinjaError
from jinja2.environment import TemplateExpression
from jinja2.sandbox import SandboxedEnvironment

from ordex.domain.erp_commands import (
    AddNote,
    ApplyDecision,
    CancelLine,
    CancelOrder,
    ChangePrice,
    ChangeQuantity,
    ChangeShipVia,
    ChangeWarehouse,
    HoldLines,
    ReleaseLines,
    RevisePromise,
    Shipment,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
    as_json,
)
from ordex.domain.model import Address

ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
ONE_EXPRESSION = re.compile(r"^\{\{(?P<expr>(?:(?!\}\}|\{\{).)*)\}\}$", re.DOTALL)

Template = Any
"""A compiled tree: dicts and lists of compiled leaves (callables) and constants."""


class TemplateError(Exception):
    """A template that does not compile or render, with where it is in the endpoint."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


class _Leaf:
    """One compiled string: a native expression or a text template."""

    def __init__(self, text: str, where: str) -> None:
        self.where = where
        self.expr: TemplateExpression | None = None
        self.text: JinjaTemplate | None = None
        try:
            if match := ONE_EXPRESSION.match(text.strip()):
                self.expr = ENV.compile_expression(match["expr"], undefined_to_none=False)
            else:
                self.text = ENV.from_string(text)
        except JinjaError as exc:
            raise TemplateError(where, f"template does not compile: {exc}") from None

    def render(self, context: dict[str, Any]) -> Any:
        try:
            if self.expr is not None:
                value = self.expr(**context)
                if isinstance(value, Undefined):
                    value._fail_with_undefined_error()  # raises UndefinedError
                return value
            assert self.text is not None
            return self.text.render(**context)
        except JinjaError as exc:
            raise TemplateError(self.where, f"template failed: {exc}") from None


def compile_tree(tree: Any, *, where: str) -> Template:
    """Compile every string of a JSON-like structure."""
    if isinstance(tree, str):
        return _Leaf(tree, where)
    if isinstance(tree, dict):
        return {str(k): compile_tree(v, where=f"{where}.{k}") for k, v in tree.items()}
    if isinstance(tree, list):
        return [compile_tree(v, where=f"{where}.{i}") for i, v in enumerate(tree)]
    return tree


def render_tree(tree: Template, context: dict[str, Any], *, where: str = "") -> Any:
    """The structure with every template rendered against `context`."""
    if isinstance(tree, _Leaf):
        return tree.render(context)
    if isinstance(tree, dict):
        return {k: render_tree(v, context) for k, v in tree.items()}
    if isinstance(tree, list):
        return [render_tree(v, context) for v in tree]
    return tree


def context_of(*, kind: str, message_id: str, created_at: str, command: Any) -> dict[str, Any]:
    """What a template sees for one message."""
    data = as_json(command)
    return {"command": data, "kind": kind, "message_id": message_id,
            "order_id": data["order_id"], "created_at": created_at}


CASE = "SO-1:INVENTORY_SHORTFALL"
SAMPLES: dict[str, Any] = {
    "HoldLines": HoldLines("SO-1", (1, 2), "credit limit exceeded", "SO-1:CREDIT_LIMIT_EXCEEDED",
                           "CREDIT_LIMIT_EXCEEDED"),
    "ReleaseLines": ReleaseLines("SO-1", (1,), "stock received", CASE, "INVENTORY_SHORTFALL"),
    "CancelOrder": CancelOrder("SO-1", "duplicate of SO-0", "SO-1:DUPLICATE_ORDER",
                               "CANCEL_DUPLICATE"),
    "RevisePromise": RevisePromise("SO-1", (1,), "2026-12-01", "late receipt", CASE,
                                   "REVISE_PROMISE"),
    "ChangeWarehouse": ChangeWarehouse("SO-1", (1,), "WH2", "stock at WH2", CASE,
                                       "ALTERNATE_WAREHOUSE"),
    "SplitLine": SplitLine("SO-1", 1, (Shipment("WIDGET", "WH1", Decimal("10")),
                                       Shipment("WIDGET", "WH2", Decimal("20"), "2026-12-01")),
                           Decimal("5"), "EA", "split", CASE, "SPLIT_SHIPMENT"),
    "ChangeQuantity": ChangeQuantity("SO-1", 1, Decimal("12"), "EA", "keying error",
                                     "SO-1:QUANTITY_ANOMALY", "CHANGE_QUANTITY"),
    "ChangePrice": ChangePrice("SO-1", 1, Decimal("9.50"), "USD", "K-1", "contract price",
                               "SO-1:PRICE_MISMATCH", "REPRICE"),
    "SubstituteItem": SubstituteItem("SO-1", 1, "WIDGET-B", "WIDGET", Decimal("30"), "EA",
                                     "WH1", "approved substitute", CASE, "SUBSTITUTE_ITEM"),
    "CancelLine": CancelLine("SO-1", 2, "customer asked", "SO-1:CUSTOMER_REQUEST",
                             "CANCEL_LINE"),
    "UpdateShipTo": UpdateShipTo("SO-1", Address("Acme", "1 Main St", "", "Springfield", "IL",
                                                 "62701", "US"), "ST-1", "master ship-to",
                                 "SO-1:INVALID_SHIP_TO", "CORRECT_ADDRESS"),
    "ChangeShipVia": ChangeShipVia("SO-1", "UPSN-GND", "fits the weight",
                                   "SO-1:MISSING_CARRIER_INSTRUCTIONS", "ASSIGN_CARRIER"),
    "AddNote": AddNote("SO-1", "expedite lines 1", "rush", "SO-1:LATE_SHIPMENT_RISK",
                       "EXPEDITE"),
    "ApplyDecision": ApplyDecision("SO-1", "SO-1:PRICE_MISMATCH", "REPRICE",
                                   {"line_no": 1, "unit_price": "9.50"}, "contract price",
                                   "default@1"),
}
"""One command of each kind, to try every template on when the mapping is loaded."""


class _AnyDetail(dict[str, Any]):
    """A decision's detail depends on its action: at load, any key of it is accepted (a key
    an action lacks fails when that command is sent, as a permanent failure)."""

    def __missing__(self, key: str) -> str:
        return "sample"


def sample_context(kind: str) -> dict[str, Any]:
    """The context of the sample command of `kind`."""
    context = context_of(kind=kind, message_id="sample-message-id",
                         created_at="2026-11-23T09:00:00+00:00", command=SAMPLES[kind])
    if "detail" in context["command"]:
        context["command"]["detail"] = _AnyDetail(context["command"]["detail"])
    return context
