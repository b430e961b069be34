"""The documents an inbound EDI file is answered with, each under its natural key.

A 997 per functional group occurrence, an 855 per order judged, a TA1 per interchange
rejected by its IEA. Each is built only once its control number is drawn, inside the unit of
work that writes it (adapters/db/outbound_repo.py); a key already stored is not built again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ordex.adapters.db.outbound_repo import Outbound
from ordex.bootstrap_files.common import OUR_ID
from ordex.sense.x12 import LineAck, build_855, build_997
from ordex.sense.x12.model import TransactionResult
from ordex.sense.x12.ta1 import build_ta1

Group = tuple[str, str, int | None]
"""(ISA13, GS06, which GS of the file): a 997 acknowledges one GS occurrence."""


def ack_997(results: Sequence[TransactionResult], *, raw_id: str, group: Group,
            now: datetime) -> Outbound:
    """The 997 of one functional group occurrence of a stored file."""
    isa13, gs06, index = group

    def build(control: int) -> str | None:
        try:
            return build_997(results, interchange_control=control, group_control=control,
                             now=now)
        except ValueError:  # no GS among the results: nothing to acknowledge
            return None

    sender = (results[0].envelope.sender_id or "").strip()
    return Outbound(f"997:{raw_id}:{isa13}:{gs06.strip()}:{index}", "997", sender, None,
                    raw_id, build)


def ack_855(canonical: dict[str, Any], acks: list[LineAck], *, raw_id: str, order_id: str,
            now: datetime) -> Outbound:
    """The 855 of one order judged: one per order id, whichever file brought it."""

    def build(control: int) -> str:
        return build_855(canonical, acks, sender=OUR_ID, interchange_control=control,
                         group_control=control, now=now)

    partner = (canonical["edi"]["sender_id"] or "").strip()
    return Outbound(f"855:{order_id}", "855", partner, order_id, raw_id, build)


def ack_ta1(result: TransactionResult, *, raw_id: str, now: datetime) -> Outbound:
    """The TA1 that rejects an interchange whose IEA is wrong or missing."""
    env = result.envelope
    isa13 = (env.interchange_control or "").strip()

    def build(control: int) -> str:
        return build_ta1(result, interchange_control=control, now=now)

    return Outbound(f"TA1:{raw_id}:{isa13}:{env.interchange_index}", "TA1",
                    (env.sender_id or "").strip(), None, raw_id, build)
