"""Check ISA/IEA, GS/GE and ST/SE envelopes and turn a segment stream into results.

Results stream out as each transaction set closes, so a huge file needs memory for one
transaction set only. A trailer error (GE or IEA count or control number) therefore arrives
after the transactions it covers have been reported; it is one more result, scoped to the
group or interchange.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import replace

from ordex.sense.x12.errors import (
    X12ContentError,
    X12EnvelopeError,
    X12Error,
    X12Note,
)
from ordex.sense.x12.mapper850 import map_850
from ordex.sense.x12.model import Envelope, ResultStatus, Scope, TransactionResult
from ordex.sense.x12.segment_ids import unknown_segments
from ordex.sense.x12.set_checks import count, same_control, syntax_errors, trailer_errors
from ordex.sense.x12.source import DEFAULT_CHUNK_SIZE, Source
from ordex.sense.x12.text import is_digits
from ordex.sense.x12.tokenizer import Segment, iter_segments
from ordex.sense.x12.verdict import EnvelopeVerdict

_ENVELOPE_TAGS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})
StrictTotals = bool | Callable[[Envelope], bool]
"""Whether CTT01/CTT02 disagreements reject the set: one flag, or a choice per envelope."""
_INTERCHANGE_ONLY = frozenset({"ISB", "ISE"})
TA1_CONTROL_MISMATCH = "001"
"""TA105: the interchange control numbers in the header and trailer do not match."""
TA1_GROUP_COUNT = "021"
"""TA105: invalid number of included groups value."""
TA1_NO_IEA = "023"
"""TA105: improper (premature) end of file: the IEA is missing."""


def _valid_gs_date_time(date: str, time: str) -> bool:
    """Check GS04 (CCYYMMDD, or YYMMDD before 004010) and GS05 (HHMM, HHMMSS...)."""
    formats = {8: "%Y%m%d", 6: "%y%m%d"}
    if len(date) not in formats or not is_digits(date) or not is_digits(time):
        return False
    if len(time) < 4 or len(time) > 8:
        return False
    try:
        dt.datetime.strptime(date + time[:4], formats[len(date)] + "%H%M")
    except ValueError:
        return False
    return len(time) < 6 or int(time[4:6]) < 60


class EnvelopeReader:
    """A state machine over segments that yields one result per transaction set."""

    def __init__(self, *, file: str | None = None, strict_totals: StrictTotals = False,
                 scan: bool = False) -> None:
        self.file = file
        self.strict_totals = strict_totals
        self.scan = scan
        """Envelopes only: transaction sets are counted, not kept or mapped (the first pass)."""
        self.group_index = self.interchange_index = 0
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.st: list[Segment] | None = None
        self.seen_isa = False
        self.groups = self.acks = self.transactions = 0
        self.ienv = self.genv = Envelope()
        self._stray_reported = False
        self._handlers: dict[str, Callable[[Segment], list[TransactionResult]]] = {
            "ISA": self._on_isa, "IEA": self._on_iea, "GS": self._on_gs, "GE": self._on_ge,
            "ST": self._on_st, "SE": self._on_se,
        }

    def feed(self, item: Segment | X12Error) -> list[TransactionResult]:
        """Consume one tokenizer item and return the results it completes."""
        if isinstance(item, X12Note):
            env = self.ienv if self.isa is not None or item.segment_id == "IEA" else Envelope()
            return [self._result(ResultStatus.NOTE, env, Scope.INTERCHANGE, [],
                                 warnings=(item,))]
        if isinstance(item, X12Error):
            out = self._close_interchange(None) if self.isa else []
            return [*out, self._result(ResultStatus.ERROR, Envelope(), Scope.INTERCHANGE, [item])]
        if self.st is not None and item.tag not in _ENVELOPE_TAGS:
            if not self.scan:
                self.st.append(item)
            return []
        handler = self._handlers.get(item.tag)
        if handler is not None:
            self._stray_reported = False
            return handler(item)
        return self._on_stray(item)

    def finish(self) -> list[TransactionResult]:
        """Close whatever is still open at the end of the input."""
        if self.isa is not None:
            return self._close_interchange(None)
        if self.gs is not None:
            return self._close_group(None)
        return self._close_transaction(None) if self.st is not None else []

    def _result(self, status: ResultStatus, env: Envelope, scope: Scope,
                errors: list[X12Error], **extra: object) -> TransactionResult:
        """Build a result, stamping file and control numbers on its errors."""
        for error in [*errors, *extra.get("warnings", ())]:  # type: ignore[misc]
            error.locate(file=self.file, interchange_control=env.interchange_control,
                         group_control=env.group_control,
                         transaction_control=env.transaction_control)
        return TransactionResult(status, env, scope, errors=tuple(errors), file=self.file,
                                 **extra)  # type: ignore[arg-type]

    def _error(self, message: str, seg: Segment | None, env: Envelope, scope: Scope, *,
               transaction_code: str | None = None, group_code: str | None = None
               ) -> TransactionResult:
        """Build a one-error envelope result at `seg`."""
        error = X12EnvelopeError(message, segment_position=seg.position if seg else None,
                                 segment_id=seg.tag if seg else None,
                                 transaction_code=transaction_code, group_code=group_code)
        return self._result(ResultStatus.ERROR, env, scope, [error])

    @staticmethod
    def _envelope_error(message: str, seg: Segment, *, group_code: str | None = None,
                        **details: object) -> X12EnvelopeError:
        """A GE or IEA trailer error at `seg`, with extra details (GE01, TA1 note code)."""
        error = X12EnvelopeError(message, segment_position=seg.position, segment_id=seg.tag,
                                 group_code=group_code)
        error.details.update(details)
        return error

    def _on_isa(self, seg: Segment) -> list[TransactionResult]:
        out = self._close_interchange(None) if self.isa is not None else []
        self.isa, self.seen_isa, self.groups, self.acks = seg, True, 0, 0
        self.interchange_index += 1
        self.ienv = self.genv = Envelope(
            sender_qualifier=seg.get(5), sender_id=seg.get(6), receiver_qualifier=seg.get(7),
            receiver_id=seg.get(8), interchange_control=seg.get(13),
            interchange_version=seg.get(12), usage=seg.get(15),
            separators=seg.separators, interchange_index=self.interchange_index)
        return out

    def _on_gs(self, seg: Segment) -> list[TransactionResult]:
        out = self._close_group(None) if self.gs is not None else []
        if self.isa is None:
            out.append(self._error("GS functional group header outside an ISA interchange",
                                   seg, self.ienv, Scope.INTERCHANGE))
        self.gs, self.transactions = seg, 0
        self.groups += 1
        self.group_index += 1
        self.genv = replace(self.ienv, functional_id=seg.get(1), app_sender=seg.get(2),
                            app_receiver=seg.get(3), group_control=seg.get(6),
                            group_version=seg.get(8), group_index=self.group_index)
        if not is_digits(seg.get(6)):
            out.append(self._error(f"GS06 group control number {seg.get(6)!r} must be digits",
                                   seg, self.genv, Scope.GROUP, group_code="6"))
        elif not _valid_gs_date_time(seg.get(4), seg.get(5)):
            out.append(self._error(f"GS04/GS05 {seg.get(4)!r}/{seg.get(5)!r} is not a valid "
                                   "date and time", seg, self.genv, Scope.GROUP))
        return out

    def _on_st(self, seg: Segment) -> list[TransactionResult]:
        out = self._close_transaction(None) if self.st is not None else []
        if self.gs is None and self.seen_isa:
            out.append(self._error("ST transaction set header outside a GS functional group",
                                   seg, self.ienv, Scope.GROUP))
        self.st = [seg]
        self.transactions += 1
        return out

    def _on_se(self, seg: Segment) -> list[TransactionResult]:
        if self.st is None:
            return [self._error("SE trailer without an ST header", seg, self.genv,
                                Scope.GROUP, transaction_code="2")]
        self.st.append(seg)
        return self._close_transaction(seg)

    def _on_ge(self, seg: Segment) -> list[TransactionResult]:
        if self.gs is None:
            return [self._error("GE trailer without a GS header", seg, self.ienv, Scope.GROUP,
                                group_code="3")]
        return self._close_group(seg)

    def _on_iea(self, seg: Segment) -> list[TransactionResult]:
        if self.isa is None:
            return [self._error("IEA trailer without an ISA header", seg, self.ienv,
                                Scope.INTERCHANGE)]
        return self._close_interchange(seg)

    def _on_stray(self, seg: Segment) -> list[TransactionResult]:
        if self.isa is not None and self.gs is None and seg.tag == "TA1":
            self.acks += 1
            env = replace(self.ienv, transaction_set="TA1")
            return [self._result(ResultStatus.UNSUPPORTED, env, Scope.INTERCHANGE, [])]
        if (self.isa is not None and self.gs is None and seg.tag in _INTERCHANGE_ONLY) or (
                self._stray_reported):
            return []
        self._stray_reported = True
        what = seg.problem or f"segment {seg.tag} is outside any ST..SE transaction set"
        return [self._error(what, seg, self.genv, Scope.GROUP)]

    def _close_interchange(self, iea: Segment | None) -> list[TransactionResult]:
        out = self._close_group(None) if self.gs is not None else []
        isa, env, self.isa = self.isa, self.ienv, None
        assert isa is not None
        if iea is None:
            problems = [(f"interchange {isa.get(13)} has no IEA trailer", TA1_NO_IEA)]
        else:
            problems = []
            if count(iea.get(1)) not in (self.groups, self.groups + self.acks):
                problems.append((f"IEA01 says {iea.get(1)!r} functional groups but interchange "
                                 f"{isa.get(13)} has {self.groups}", TA1_GROUP_COUNT))
            if not same_control(iea.get(2), isa.get(13)):
                problems.append((f"IEA02 interchange control number {iea.get(2)!r} does not "
                                 f"match ISA13 {isa.get(13)!r}", TA1_CONTROL_MISMATCH))
        if problems:  # one result per interchange: one case, one TA1
            errors: list[X12Error] = [self._envelope_error(msg, iea or isa, ta1_note=note,
                                                           isa_date=isa.get(9),
                                                           isa_time=isa.get(10))
                                      for msg, note in problems]
            out.append(self._result(ResultStatus.ERROR, env, Scope.INTERCHANGE, errors))
        return out

    def _close_group(self, ge: Segment | None) -> list[TransactionResult]:
        out = self._close_transaction(None) if self.st is not None else []
        gs, env, self.gs, self.genv = self.gs, self.genv, None, self.ienv
        assert gs is not None
        if ge is None:
            out.append(self._error(f"functional group {gs.get(6)} has no GE trailer", gs, env,
                                   Scope.GROUP, group_code="3"))
            return out
        errors: list[X12Error] = []
        if count(ge.get(1)) != self.transactions:
            errors.append(self._envelope_error(
                f"GE01 says {ge.get(1)!r} transaction sets but group {gs.get(6)} has "
                f"{self.transactions}", ge, group_code="5", declared_sets=count(ge.get(1))))
        if not same_control(ge.get(2), gs.get(6)):
            errors.append(self._envelope_error(
                f"GE02 group control number {ge.get(2)!r} does not match GS06 {gs.get(6)!r}",
                ge, group_code="4"))
        if errors:  # one result per group: one case
            out.append(self._result(ResultStatus.ERROR, env, Scope.GROUP, errors))
        return out

    def _close_transaction(self, se: Segment | None) -> list[TransactionResult]:
        segments, self.st = self.st, None
        assert segments is not None
        if self.scan:
            return []
        st = segments[0]
        env = replace(self.genv, transaction_set=st.get(1), transaction_control=st.get(2))
        errors = syntax_errors(segments, env) + trailer_errors(segments, se, env)
        if env.transaction_set != "850":
            status = ResultStatus.ERROR if errors else ResultStatus.UNSUPPORTED
            return [self._result(status, env, Scope.TRANSACTION, errors)]
        strict = self.strict_totals
        strict = strict(env) if callable(strict) else strict
        body = segments if se is not None else [*segments, segments[-1]]  # no SE: keep all
        try:
            order, warnings = map_850(body, env, strict_hash_total=strict)
        except X12ContentError as exc:
            errors.append(exc)
        if errors:  # a missing BEG is named even when the envelope is also wrong
            return [self._result(ResultStatus.ERROR, env, Scope.TRANSACTION, errors)]
        warnings = (*unknown_segments(segments, env), *warnings)
        return [self._result(ResultStatus.OK, env, Scope.TRANSACTION, [], order=order,
                             warnings=warnings)]


def scan_envelopes(source: Source, *, file: str | None = None,
                   chunk_size: int = DEFAULT_CHUNK_SIZE) -> EnvelopeVerdict:
    """First pass: which groups and interchanges of the source have a fatal trailer error.

    Only the envelopes are checked (sets are counted, never kept or mapped), so memory stays
    that of the tokenizer's window.
    """
    reader, verdict = EnvelopeReader(file=file, scan=True), EnvelopeVerdict()
    for item in iter_segments(source, chunk_size=chunk_size):
        for result in reader.feed(item):
            verdict.note(result)
    for result in reader.finish():
        verdict.note(result)
    return verdict


def iter_transactions(source: Source, *, file: str | None = None,
                      strict_totals: StrictTotals = False,
                      strict_hash_total: bool | None = None,
                      chunk_size: int = DEFAULT_CHUNK_SIZE,
                      verdict: EnvelopeVerdict | None = None) -> Iterator[TransactionResult]:
    """Yield one result per transaction set (and per envelope error) of an X12 source.

    Sets of a group or interchange whose trailer is wrong or missing come out rejected
    (`status="error"`, `rejection` set). That needs the envelopes checked first: `verdict`
    (from `scan_envelopes`) when given, else a first pass over `bytes`/`str` or a seekable
    file; a stream that cannot be read twice without a verdict gets the trailer errors
    after its sets only. `strict_totals` makes a CTT01/CTT02 disagreement reject the set
    (else it is a warning); `strict_hash_total` is its former name, still accepted.
    """
    strict = strict_totals if strict_hash_total is None else strict_hash_total
    if verdict is None:
        verdict = _first_pass(source, file=file, chunk_size=chunk_size)
    reader = EnvelopeReader(file=file, strict_totals=strict)
    for item in iter_segments(source, chunk_size=chunk_size):
        yield from map(verdict.apply, reader.feed(item))
    yield from map(verdict.apply, reader.finish())


def _first_pass(source: Source, *, file: str | None, chunk_size: int) -> EnvelopeVerdict:
    """Check the envelopes of a source that can be read twice; else an empty verdict."""
    if isinstance(source, bytes | bytearray | memoryview | str):
        return scan_envelopes(source, file=file, chunk_size=chunk_size)
    seekable = getattr(source, "seekable", None)
    if seekable is None or not seekable():
        return EnvelopeVerdict()
    start = source.tell()
    verdict = scan_envelopes(source, file=file, chunk_size=chunk_size)
    source.seek(start)
    return verdict
