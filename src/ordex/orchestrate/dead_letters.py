"""Dead letters: an ERP command that cannot be delivered becomes an INTEGRATION_FAILURE case.

The case is `erp-<message id>:INTEGRATION_FAILURE` (`erp-<message id>-<n>:…` after its n-th
replay failed again), in the integration queue, on the command's order. It is a warning, not a
blocking case: ordex holds nothing more because the ERP missed a command; what it stops is the
order's later ERP commands, which wait behind the dead letter so the ERP never receives a
release before the hold it follows (docs/erp.md, "Dead letters and replay").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ordex.decide.routing import DEFAULT_SLA_HOURS
from ordex.domain.cases import Case, case_id_for
from ordex.domain.codes import ExceptionCode, Queue, Severity
from ordex.domain.erp_commands import as_json
from ordex.orchestrate.work import ClaimedMessage, SendFailure

DEAD_LETTER_ACTOR = "ordex-outbox"
DEAD_LETTER_PRIORITY = 90
"""A write-back the ERP never received is urgent: the ERP and ordex disagree until it lands."""


def dead_letter_subject(message_id: str, replays: int = 0) -> str:
    """`erp-<message id>`, with `-<replays>` once the message has been replayed."""
    return f"erp-{message_id}" + (f"-{replays}" if replays else "")


def command_data(claimed: ClaimedMessage) -> dict[str, Any]:
    """The command as JSON data, with its kind."""
    data = as_json(claimed.message.command)
    return {"kind": type(claimed.message.command).__name__, **data}


def dead_letter_case(claimed: ClaimedMessage, failure: SendFailure, *, attempts: int,
                     now: datetime) -> Case:
    """The INTEGRATION_FAILURE case of a message dead-lettered after `attempts` failures."""
    message, command = claimed.message, command_data(claimed)
    why = "the ERP refused it as permanent" if failure.permanent else (
        f"{attempts} delivery attempts failed")
    reason = (f"ERP write-back failed: {command['kind']} for order {command['order_id']} "
              f"(message {message.message_id}) is a dead letter, {why}; last error: "
              f"{failure.error}. Later ERP commands of this order wait behind it until it is "
              f"replayed (ordex outbox replay {message.message_id}).")
    evidence = {"message_id": message.message_id, "command": command,
                "order_id": command["order_id"], "attempts": attempts,
                "last_error": failure.error, "permanent": failure.permanent,
                "created_at": message.at.isoformat(), "replays": claimed.replays,
                "replay": {"cli": f"ordex outbox replay {message.message_id}",
                           "api": f"POST /outbox/messages/{message.message_id}/replay"}}
    case = Case(case_id_for(dead_letter_subject(message.message_id, claimed.replays),
                            ExceptionCode.INTEGRATION_FAILURE),
                ExceptionCode.INTEGRATION_FAILURE, Queue.INTEGRATION, Severity.WARNING,
                str(command["order_id"]), None, (), reason, evidence, DEAD_LETTER_PRIORITY,
                Decimal(0), now, now + timedelta(hours=DEFAULT_SLA_HOURS[Queue.INTEGRATION]))
    case.opened(actor=DEAD_LETTER_ACTOR)
    return case
