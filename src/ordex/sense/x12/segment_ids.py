"""Which segment ids the 850 reader knows: the 850's own, and those of other X12 sets.

An id in neither set is "unrecognized" (997 AK304 code 1); an id that X12 defines but the
850 does not use is "unexpected" (code 2). The 850 list is the union of the 003010 to 005010
tables (header, detail and summary areas, with their loops).
"""

from __future__ import annotations

from ordex.sense.x12.errors import X12Error, X12SyntaxError
from ordex.sense.x12.model import Envelope
from ordex.sense.x12.tokenizer import Segment

ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1", "ISB", "ISE"})

SEGMENTS_850 = frozenset({
    # header
    "BEG", "CUR", "REF", "PER", "TAX", "FOB", "CTP", "PAM", "CSH", "TC2", "SAC", "ITD", "DIS",
    "INC", "DTM", "LDT", "LIN", "SI", "PID", "MEA", "PWK", "PKG", "TD1", "TD5", "TD3", "TD4",
    "MAN", "PCT", "CTB", "TXI", "AMT", "N9", "MSG", "MTX", "NTE", "N1", "N2", "N3", "N4", "NX2",
    "SPI", "RDR", "ADV", "LM", "LQ", "LS", "LE", "QTY", "SCH", "FTX", "G61", "G62", "FST",
    "ITA", "III", "YNQ", "TD2", "SDQ", "ATH", "SLN", "UIT", "NM1",
    # detail (PO1 loop)
    "PO1", "CN1", "PO3", "PO4", "IT8", "IT3", "IT1", "SHP", "CB1",
    # summary
    "CTT",
})

OTHER_X12_IDS = frozenset({
    # ids of other transaction sets a partner may paste into an 850 by mistake
    "BIG", "BAK", "ACK", "BSN", "HL", "LIN", "SN1", "PRF", "TD1", "BCH", "POC", "POD", "BPR",
    "TRN", "RMR", "CLP", "SVC", "CLM", "NM1", "HI", "SBR", "DMG", "INS", "HD", "W05", "W06",
    "W07", "W08", "W12", "W17", "W19", "W27", "W76", "W79", "LX", "L11", "L3", "L5", "B2",
    "B2A", "S5", "AT7", "MS1", "MS2", "K1", "BGN", "BCT", "BQT", "BRA", "BIA", "G82", "G83",
    "G84", "G85", "G86", "AK1", "AK2", "AK3", "AK4", "AK5", "AK9", "IK3", "IK4", "IK5",
    "TDS", "ISS", "CAD", "BSS", "FA1", "FA2", "ENT", "QTY", "ZA", "XQ", "BR", "BEP",
})

KNOWN_IDS = ENVELOPE_IDS | SEGMENTS_850 | OTHER_X12_IDS


def unknown_segments(segments: list[Segment], env: Envelope) -> list[X12Error]:
    """Name each segment id the 850 does not define: read past, reported (997 AK3 1 or 2)."""
    notes: list[X12Error] = []
    for index, seg in enumerate(segments[1:-1], start=2):
        if seg.tag in SEGMENTS_850:
            continue
        known = seg.tag in OTHER_X12_IDS or seg.tag in ENVELOPE_IDS
        what = ("is an X12 segment that does not belong in an 850" if known
                else "is not a segment id this 850 reader recognises")
        notes.append(X12SyntaxError(
            f"{seg.tag} at segment {index} of transaction {env.transaction_control}: "
            f"segment {seg.tag} {what}; read past, its data is not mapped",
            segment_position=seg.position, transaction_segment_position=index,
            segment_id=seg.tag, segment_code="2" if known else "1", transaction_code="5"))
    return notes
