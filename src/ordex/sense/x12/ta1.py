"""Write a TA1 interchange acknowledgment for an interchange rejected by its IEA trailer."""

from __future__ import annotations

import datetime as dt

from ordex.sense.x12.model import Envelope, TransactionResult
from ordex.sense.x12.verdict import ta1_note
from ordex.sense.x12.writer import DEFAULT_SEPARATORS, Outbound, _isa, _trim

REJECTED = "R"
"""TA104: the interchange was rejected because of errors."""


def ta1_notes(result: TransactionResult) -> list[str]:
    """The TA105 note codes of an interchange error result, in the order found."""
    return list(dict.fromkeys(n for e in result.errors if (n := ta1_note(e))))


def build_ta1(result: TransactionResult, *, interchange_control: int, now: dt.datetime,
              usage: str | None = None, line_break: str = "\n") -> str:
    """Return a full interchange holding one TA1 that rejects the inbound interchange.

    `result` is the interchange error result (IEA01, IEA02, no IEA). TA101 is the inbound
    ISA13, TA102/TA103 its ISA09 date and ISA10 time, TA104 `R` and TA105 the first note
    code (one TA1 carries one). A TA1 travels in an ISA..IEA of its own, without a GS: IEA01
    is 0. ISA15 is echoed from the inbound interchange unless `usage` is given; the separators
    are the inbound ISA's, like the 997 and 855.
    """
    notes = ta1_notes(result)
    if not notes:
        raise ValueError("the result is not an interchange trailer error: no TA1 to write")
    env, details = result.envelope, result.errors[0].details
    sent = (env.usage or "").strip()
    out = Outbound(sender=(env.receiver_qualifier or "ZZ", (env.receiver_id or "").strip()),
                   receiver=(env.sender_qualifier or "ZZ", (env.sender_id or "").strip()),
                   app_sender="", app_receiver="", interchange_control=interchange_control,
                   group_control=0, version=_version(env),
                   usage=usage or (sent if sent and sent in "PTI" else "P"),
                   separators=env.separators or DEFAULT_SEPARATORS, line_break=line_break)
    ta1 = ["TA1", (env.interchange_control or "").strip(), str(details.get("isa_date", "")),
           str(details.get("isa_time", "")), REJECTED, notes[0]]
    segments = [_isa(out, now), ta1, ["IEA", "0", f"{interchange_control:09d}"]]
    end = out.separators.segment + out.line_break
    return "".join(out.separators.element.join(_trim(seg)) + end for seg in segments)


def _version(env: Envelope) -> str:
    """The outbound version family: 005010 when the inbound ISA12 is 005xx, else 004010."""
    return "005010" if (env.interchange_version or "").strip().startswith("005") else "004010"
