"""Checks of one ST..SE transaction set: per-segment syntax, the ST header, SE01 and SE02."""

from __future__ import annotations

from ordex.sense.x12.errors import X12EnvelopeError, X12Error, X12SyntaxError
from ordex.sense.x12.model import Envelope
from ordex.sense.x12.text import is_digits
from ordex.sense.x12.tokenizer import Segment


def same_control(a: str, b: str) -> bool:
    """Compare control numbers as numbers when both are digits (000123 equals 123)."""
    a, b = a.strip(), b.strip()
    return a == b or (is_digits(a) and is_digits(b) and int(a) == int(b))


def count(value: str) -> int | None:
    """Parse a count element, or None when it is not a whole number."""
    value = value.strip()
    return int(value) if is_digits(value) else None


def syntax_errors(segments: list[Segment], env: Envelope) -> list[X12Error]:
    """Turn the tokenizer's per-segment problems into positioned syntax errors."""
    errors: list[X12Error] = []
    for index, seg in enumerate(segments, start=1):
        if seg.problem:
            bad_id = "not a valid segment id" in seg.problem
            errors.append(X12SyntaxError(
                f"{seg.tag[:3]} at segment {index} of transaction {env.transaction_control}: "
                f"{seg.problem}", segment_position=seg.position,
                transaction_segment_position=index, segment_id=seg.tag[:3],
                segment_code="1" if bad_id else "8", transaction_code="5"))
    return errors


def _trailer_error(message: str, seg: Segment, index: int, element: str | None,
                   code: str) -> X12EnvelopeError:
    """Build an ST/SE error at segment `index` of the transaction."""
    return X12EnvelopeError(message, segment_position=seg.position,
                            transaction_segment_position=index, segment_id=seg.tag,
                            element=element, transaction_code=code)


def trailer_errors(segments: list[Segment], se: Segment | None,
                    env: Envelope) -> list[X12Error]:
    """Check the ST header and the SE count and control number."""
    st, ctl = segments[0], env.transaction_control
    if not st.get(1) or not ctl:
        return [_trailer_error(f"ST at segment 1 of transaction {ctl}: ST01 and ST02 are "
                               "required", st, 1, "ST01" if not st.get(1) else "ST02", "5")]
    if se is None:
        return [_trailer_error(f"transaction {ctl} ({st.get(1)}) has no SE trailer", st, 1,
                               None, "2")]
    size, where = len(segments), f"SE at segment {len(segments)} of transaction {ctl}"
    errors: list[X12Error] = []
    if count(se.get(1)) != size:
        errors.append(_trailer_error(
            f"{where}: SE01 says {se.get(1)!r} segments but the transaction has {size} "
            "(ST..SE inclusive)", se, size, "SE01", "4"))
    if not same_control(se.get(2), ctl):
        errors.append(_trailer_error(
            f"{where}: SE02 control number {se.get(2)!r} does not match ST02 {ctl!r}", se,
            size, "SE02", "3"))
    return errors
