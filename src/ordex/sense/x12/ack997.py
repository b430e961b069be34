"""Write a 997 functional acknowledgment for the parse results of one functional group."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from ordex.sense.x12.errors import X12EnvelopeError, X12Error
from ordex.sense.x12.model import Envelope, ResultStatus, Scope, TransactionResult
from ordex.sense.x12.text import is_digits
from ordex.sense.x12.writer import DEFAULT_SEPARATORS, Outbound, envelope

_SET_NOT_SUPPORTED = "1"
_SEGMENT_HAS_ELEMENT_ERRORS = "8"
_ONE_OR_MORE_SEGMENTS_IN_ERROR = "5"
_MAX_CODES = 5


def _element_position(error: X12Error) -> str | None:
    """Return the element's position in its segment ('PO102' -> '2')."""
    if not error.element or not error.segment_id:
        return None
    digits = error.element[len(error.segment_id):]
    return str(int(digits)) if is_digits(digits) else None


def _segment_notes(errors: Sequence[X12Error]) -> list[list[str]]:
    """Return AK3 (and AK4) segments for errors that point at a segment.

    ST/SE trailer errors (count, control number, missing SE) are AK5 codes only: the standard
    has no AK3 for the envelope segments.
    """
    notes: list[list[str]] = []
    for error in errors:
        if isinstance(error, X12EnvelopeError):
            continue
        if not error.segment_id or error.transaction_segment_position is None:
            continue
        position = _element_position(error)
        code = error.segment_code or _SEGMENT_HAS_ELEMENT_ERRORS
        notes.append(["AK3", error.segment_id, str(error.transaction_segment_position), "",
                      code])
        if position is not None:
            notes.append(["AK4", position, "", error.element_code or "7"])
    return notes


def _transaction(result: TransactionResult) -> tuple[list[list[str]], bool]:
    """Return the AK2..AK5 segments for one transaction and whether it was accepted.

    A set of a group rejected by its trailer keeps its own result in AK5 (the group's
    rejection is AK9's to say) and is never counted as accepted.
    """
    if result.rejection is not None:
        own = replace(result, status=result.rejection.own_status,
                      errors=result.rejection.own_errors, rejection=None)
        return _transaction(own)[0], False
    env = result.envelope
    body = [["AK2", env.transaction_set or "", env.transaction_control or ""]]
    if result.status is ResultStatus.UNSUPPORTED:
        return [*body, ["AK5", "R", _SET_NOT_SUPPORTED]], False
    if result.status is ResultStatus.OK:
        status = "E" if result.warnings else "A"
        return [*body, *_segment_notes(result.warnings), ["AK5", status]], True
    codes = [e.transaction_code or _ONE_OR_MORE_SEGMENTS_IN_ERROR for e in result.errors]
    unique = list(dict.fromkeys(codes))[:_MAX_CODES]
    return [*body, *_segment_notes(result.errors), ["AK5", "R", *unique]], False


def _group_status(accepted: int, received: int, group_codes: list[str]) -> str:
    """Return AK901: A all accepted, P partly, R rejected (E: accepted with errors)."""
    if group_codes or (accepted == 0 and received > 0):
        return "R"
    return "A" if accepted == received else "P"


def _group_envelope(results: Sequence[TransactionResult]) -> Envelope:
    """Return the envelope of the acknowledged group."""
    for result in results:
        if result.envelope.group_control is not None:
            return result.envelope
    raise ValueError("the results carry no functional group (GS) to acknowledge")


def _declared_sets(results: Sequence[TransactionResult], received: int) -> int:
    """Return GE01, the number of sets the group says it holds (received when GE01 agrees)."""
    for result in results:
        for error in result.errors:
            declared = error.details.get("declared_sets")
            if isinstance(declared, int):
                return declared
    return received


def build_997(results: Sequence[TransactionResult], *, interchange_control: int,
              group_control: int, now: dt.datetime, transaction_control: str = "0001",
              usage: str | None = None, line_break: str = "\n") -> str:
    """Return a full 997 interchange acknowledging one functional group's results.

    `results` are those of ONE GS occurrence. ISA15 is echoed from the inbound interchange
    unless `usage` is given.
    """
    env = _group_envelope(results)
    usage = usage or ((env.usage or "").strip() if (env.usage or "").strip() in "PTI"
                      and (env.usage or "").strip() else "P")
    version = "005010" if (env.version or "").startswith("005") else "004010"
    body: list[list[str]] = [["AK1", env.functional_id or "", env.group_control or "",
                              *([version] if version == "005010" else [])]]
    accepted = received = 0
    group_codes: list[str] = []
    for result in results:
        if result.scope is Scope.TRANSACTION and result.envelope.transaction_set:
            segments, ok = _transaction(result)
            body.extend(segments)
            received += 1
            accepted += ok
        elif result.status is ResultStatus.ERROR:
            group_codes.extend(e.group_code for e in result.errors if e.group_code)
    warned = any(r.warnings for r in results)
    accepted = 0 if group_codes else accepted  # a rejected group accepts none of its sets
    status = _group_status(accepted, received, group_codes)
    status = "E" if status == "A" and warned else status
    codes = list(dict.fromkeys(group_codes))[:_MAX_CODES]
    declared = _declared_sets(results, received)
    body.append(["AK9", status, str(declared), str(received), str(accepted), *codes])
    out = Outbound(sender=(env.receiver_qualifier or "ZZ", env.receiver_id or ""),
                   receiver=(env.sender_qualifier or "ZZ", env.sender_id or ""),
                   app_sender=env.app_receiver or "", app_receiver=env.app_sender or "",
                   interchange_control=interchange_control, group_control=group_control,
                   transaction_control=transaction_control, version=version, usage=usage,
                   separators=env.separators or DEFAULT_SEPARATORS,
                   line_break=line_break)
    return envelope("FA", "997", body, out, now)
