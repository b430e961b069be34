"""Deliver pending outbox messages to the ERP connector, in order, in batches."""

from __future__ import annotations

from datetime import datetime

from ordex.orchestrate.ports import ErpConnector, Outbox


def dispatch(outbox: Outbox, erp: ErpConnector, *, now: datetime, batch: int = 5000) -> int:
    """Send everything pending; a crash between send and mark resends, which the ERP ignores."""
    sent = 0
    while messages := outbox.pending(limit=batch):
        erp.send(messages)
        outbox.mark_sent([m.message_id for m in messages], at=now)
        sent += len(messages)
    return sent
