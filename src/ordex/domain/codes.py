"""Stable codes of the public interface: exception codes, queues, actions, severities.

Codes are part of the API, CLI output and exports: add codes, never rename them.
"""

from __future__ import annotations

from enum import StrEnum


class Queue(StrEnum):
    """A role queue where people work cases."""

    PLANNING = "planning"
    PRICING = "pricing"
    CREDIT = "credit"
    CUSTOMER_SERVICE = "customer_service"
    FINANCE = "finance"
    LOGISTICS = "logistics"
    COMPLIANCE = "compliance"
    INTEGRATION = "integration"


class ExceptionCode(StrEnum):
    """What stops an order; each code's registration (interpret/detectors/) names its owner
    queue, its detector and the rest of what the stages need (docs/extending.md)."""

    INVENTORY_SHORTFALL = "INVENTORY_SHORTFALL"
    ALLOCATION_CONFLICT = "ALLOCATION_CONFLICT"
    PRICE_MISMATCH = "PRICE_MISMATCH"
    MARGIN_BELOW_FLOOR = "MARGIN_BELOW_FLOOR"
    CREDIT_LIMIT_EXCEEDED = "CREDIT_LIMIT_EXCEEDED"
    PAST_DUE_HOLD = "PAST_DUE_HOLD"
    INVALID_SHIP_TO = "INVALID_SHIP_TO"
    DUPLICATE_ORDER = "DUPLICATE_ORDER"
    MASTER_DATA_CONFLICT = "MASTER_DATA_CONFLICT"
    TAX_FAILURE = "TAX_FAILURE"
    MISSING_CARRIER_INSTRUCTIONS = "MISSING_CARRIER_INSTRUCTIONS"
    SHIPMENT_CONSTRAINT = "SHIPMENT_CONSTRAINT"
    LATE_SHIPMENT_RISK = "LATE_SHIPMENT_RISK"
    COMPLIANCE_HOLD = "COMPLIANCE_HOLD"
    QUANTITY_ANOMALY = "QUANTITY_ANOMALY"
    INTEGRATION_FAILURE = "INTEGRATION_FAILURE"
    CUSTOMER_REQUEST = "CUSTOMER_REQUEST"


class Severity(StrEnum):
    """How badly a finding stops the order."""

    BLOCKING = "blocking"
    """The affected lines must not ship until the case is closed."""
    WARNING = "warning"
    """Someone should look, but the order may ship."""


class Action(StrEnum):
    """What can be done about a case (DESIGN.md action codes)."""

    RELEASE = "RELEASE"
    HOLD = "HOLD"
    SPLIT_SHIPMENT = "SPLIT_SHIPMENT"
    ALTERNATE_WAREHOUSE = "ALTERNATE_WAREHOUSE"
    SUBSTITUTE_ITEM = "SUBSTITUTE_ITEM"
    BACKORDER = "BACKORDER"
    WAIT_FOR_RECEIPT = "WAIT_FOR_RECEIPT"
    REPRICE = "REPRICE"
    ACCEPT_PRICE = "ACCEPT_PRICE"
    CORRECT_ADDRESS = "CORRECT_ADDRESS"
    CANCEL_DUPLICATE = "CANCEL_DUPLICATE"
    MAP_ITEM = "MAP_ITEM"
    ASSIGN_CARRIER = "ASSIGN_CARRIER"
    EXPEDITE = "EXPEDITE"
    REVISE_PROMISE = "REVISE_PROMISE"
    REQUEST_LICENCE = "REQUEST_LICENCE"
    RETRY = "RETRY"
    ESCALATE = "ESCALATE"
    NOTIFY_CUSTOMER = "NOTIFY_CUSTOMER"
    CHANGE_QUANTITY = "CHANGE_QUANTITY"
    CANCEL_LINE = "CANCEL_LINE"


SOURCING_ACTIONS = frozenset({Action.ALTERNATE_WAREHOUSE, Action.SPLIT_SHIPMENT,
                              Action.SUBSTITUTE_ITEM, Action.BACKORDER})
"""Actions that fill a line from other stock: another warehouse, a split, a substitute, later."""
