"""Tryton as ordex's ERP: JSON-RPC client, connector, sale poller (docs/erp-tryton.md)."""

from ordex.adapters.erp_tryton.connector import TrytonErp
from ordex.adapters.erp_tryton.poller import PollReport, TrytonPoller, read_reference
from ordex.adapters.erp_tryton.rpc import TrytonError, TrytonRpc

__all__ = ["PollReport", "TrytonErp", "TrytonError", "TrytonPoller", "TrytonRpc",
           "read_reference"]
