"""Tryton as the ERP: keep ordex's reference data in step, poll sales (docs/erp-tryton.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ordex.adapters.db.cursor_repo import SqlCursors
from ordex.adapters.db.reference_repo import load_reference
from ordex.adapters.erp_tryton import PollReport, TrytonPoller, TrytonRpc, read_reference
from ordex.bootstrap import App, tryton_rpc


def sync_reference(app: App, rpc: TrytonRpc | None = None) -> dict[str, int]:
    """Replace the parts of ordex's reference data that Tryton holds with Tryton's."""
    rpc = rpc or tryton_rpc(app.settings)
    with app.engine.connect() as conn:
        current = load_reference(conn)
    ref = read_reference(rpc, current=current, today=app.clock().date())
    app.save_reference(ref)
    return {"customers": len(ref.customers), "items": len(ref.items),
            "warehouses": len(ref.warehouses), "stock_positions": len(ref.inventory),
            "inbound_pos": len(ref.inbound_pos)}


def poll(app: App, *, sync: bool = True, rpc: TrytonRpc | None = None,
         batch: int = 200) -> dict[str, Any]:
    """Read every sale confirmed or changed since the cursor (batch after batch), judge each."""
    rpc = rpc or tryton_rpc(app.settings)
    synced = sync_reference(app, rpc) if sync else None
    poller = TrytonPoller(rpc, database=app.settings.tryton_database,
                          prefix=app.settings.tryton_order_prefix, batch=batch,
                          ship_via=app.settings.tryton_ship_via)
    total = PollReport()
    while True:
        report = poller.poll(handle=app.bus.handle, cursors=SqlCursors(app.engine),
                             now=app.clock())
        total.read += report.read
        total.processed += report.processed
        total.cursor = report.cursor
        for status, n in report.outcomes.items():
            total.outcomes[status] = total.outcomes.get(status, 0) + n
        if report.read < batch or not report.outcomes.keys() - {"replayed"}:
            break  # caught up (a full batch of re-reads only: the cursor stands still)
    return {"reference": synced, **asdict(total)}
