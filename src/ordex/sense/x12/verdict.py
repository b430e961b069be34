"""Which groups and interchanges of a file are rejected by a trailer error, and what that does
to the results inside them.

A GE or IEA arrives after the sets it closes, so a stream cannot know a set's group is bad
when the set ends. `envelope.scan_envelopes` runs a cheap first pass (envelopes only) and
fills an `EnvelopeVerdict`; the mapping pass then marks every result inside a rejected group
or interchange with its `Rejection`. See docs/edi-x12.md, "Rejected groups and interchanges".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ordex.sense.x12.errors import X12Error
from ordex.sense.x12.model import Rejection, ResultStatus, Scope, TransactionResult


def ta1_note(error: X12Error) -> str | None:
    """The TA105 note code of an interchange trailer error (None for any other error)."""
    note = error.details.get("ta1_note")
    return note if isinstance(note, str) else None


def is_fatal_group_error(result: TransactionResult) -> bool:
    """A group result whose error the 997 reports in AK905 (GE01, GE02, no GE, GS06)."""
    return (result.scope is Scope.GROUP and result.status is ResultStatus.ERROR
            and result.envelope.group_index is not None
            and any(e.group_code for e in result.errors))


def is_fatal_interchange_error(result: TransactionResult) -> bool:
    """An interchange result for a wrong or missing IEA (IEA01, IEA02, no IEA)."""
    return (result.scope is Scope.INTERCHANGE and result.status is ResultStatus.ERROR
            and result.envelope.interchange_index is not None
            and any(ta1_note(e) for e in result.errors))


@dataclass
class EnvelopeVerdict:
    """Fatal trailer errors by group (which GS of the file) and interchange (which ISA)."""

    groups: dict[int, tuple[X12Error, ...]] = field(default_factory=dict)
    interchanges: dict[int, tuple[X12Error, ...]] = field(default_factory=dict)

    def note(self, result: TransactionResult) -> None:
        """Remember a first-pass result if it rejects its group or interchange."""
        env = result.envelope
        if is_fatal_group_error(result) and env.group_index is not None:
            self.groups[env.group_index] = (*self.groups.get(env.group_index, ()),
                                            *result.errors)
        elif is_fatal_interchange_error(result) and env.interchange_index is not None:
            self.interchanges[env.interchange_index] = result.errors

    def apply(self, result: TransactionResult) -> TransactionResult:
        """Mark a result inside a rejected interchange or group (the reason itself is kept)."""
        if result.status is ResultStatus.NOTE or result.rejection is not None:
            return result
        env = result.envelope
        errors = self.interchanges.get(env.interchange_index or 0)
        if errors and result.scope is not Scope.INTERCHANGE:
            return _rejected(result, Scope.INTERCHANGE, errors)
        errors = self.groups.get(env.group_index or 0)
        if errors and result.scope is Scope.TRANSACTION:
            return _rejected(result, Scope.GROUP, errors)
        return result


def _rejected(result: TransactionResult, scope: Scope,
              errors: tuple[X12Error, ...]) -> TransactionResult:
    """The result rejected by its envelope: status error, the trailer errors first."""
    rejection = Rejection(scope, errors, result.status, result.errors)
    return replace(result, status=ResultStatus.ERROR, order=None,
                   errors=(*errors, *result.errors), rejection=rejection)
