"""PAST_DUE_HOLD in the simulator: a few customers have old invoices (world_accounts.py), some
crossing the policy's line during the period; payments are applied oldest first."""

from __future__ import annotations

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import CodeSimulation, Desk, Facts
from ordex.simulate.truth import SimOrder


def _truth(order: SimOrder, facts: Facts) -> bool:
    """After payments (oldest invoice first), something is more than N days past due."""
    cid, index = order.customer_id, facts.index
    payments = index.ar0[cid] - facts.book.ar[cid]
    for inv in sorted(index.invoices[cid], key=lambda r: (r.due_date, r.invoice_id)):
        covered = min(payments, inv.amount_open)
        payments -= covered
        if inv.amount_open > covered and (
                order.order_date - inv.due_date).days > facts.settings.past_due_days:
            return True
    return False


SIMULATION = CodeSimulation(ExceptionCode.PAST_DUE_HOLD, truth=_truth,
                            desk=Desk("credit-analyst", "RELEASE"))
