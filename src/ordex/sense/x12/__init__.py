"""Read ANSI X12 850 purchase orders and write 997, 855 and TA1 acknowledgments.

A small streaming reader of our own: it learns the separators from each ISA, checks the
ISA/IEA, GS/GE and ST/SE envelopes, and yields one result per transaction set, so one bad
transaction never hides the good ones around it. See docs/edi-x12.md.
"""

from ordex.sense.x12.ack855 import LineAck, build_855
from ordex.sense.x12.ack997 import build_997
from ordex.sense.x12.canonical import parse_file, parse_files, result_to_dict, to_canonical
from ordex.sense.x12.envelope import iter_transactions, scan_envelopes
from ordex.sense.x12.errors import (
    X12ContentError,
    X12EncodingError,
    X12EnvelopeError,
    X12Error,
    X12Note,
    X12SyntaxError,
)
from ordex.sense.x12.model import (
    Envelope,
    Line,
    Party,
    PurchaseOrder850,
    ResultStatus,
    Scope,
    TransactionResult,
)
from ordex.sense.x12.ta1 import build_ta1
from ordex.sense.x12.tokenizer import Segment, iter_segments
from ordex.sense.x12.verdict import EnvelopeVerdict

__all__ = [
    "Envelope",
    "EnvelopeVerdict",
    "Line",
    "LineAck",
    "Party",
    "PurchaseOrder850",
    "ResultStatus",
    "Scope",
    "Segment",
    "TransactionResult",
    "X12ContentError",
    "X12EncodingError",
    "X12EnvelopeError",
    "X12Error",
    "X12Note",
    "X12SyntaxError",
    "build_855",
    "build_997",
    "build_ta1",
    "iter_segments",
    "iter_transactions",
    "parse_file",
    "parse_files",
    "result_to_dict",
    "scan_envelopes",
    "to_canonical",
]
