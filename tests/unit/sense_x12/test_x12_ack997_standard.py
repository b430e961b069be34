"""997 by the standard, checked by splitting the written text here, not with the reader."""

from __future__ import annotations

import datetime as dt

from x12_builders import BODY, build_850

from ordex.sense.x12 import ResultStatus, TransactionResult, build_997, iter_transactions

NOW = dt.datetime(2024, 1, 6, 14, 5, tzinfo=dt.UTC)
_ISA_WIDTHS = [3, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]


def _split(text: str) -> list[list[str]]:
    """Split an interchange by hand: element separator at 3, terminator after ISA16."""
    assert text.startswith("ISA")
    element, terminator = text[3], text[105]
    return [seg.strip("\n").split(element) for seg in text.split(terminator) if seg.strip()]


def _check_997(text: str) -> list[list[str]]:
    """Check ISA widths, control numbers and counts; return the AK segments."""
    segments = _split(text)
    isa = segments[0]
    assert [len(e) for e in isa] == _ISA_WIDTHS and len(text.split("~")[0]) == 105
    tags = [s[0] for s in segments]
    assert tags[:3] == ["ISA", "GS", "ST"] and tags[-3:] == ["SE", "GE", "IEA"]
    st, se = segments[2], segments[-3]
    assert st[1] == "997" and se[2] == st[2] and int(se[1]) == len(segments) - 4
    assert segments[-2][1:] == ["1", segments[1][6]] and segments[-1][1:] == ["1", isa[13]]
    return [s for s in segments if s[0].startswith("AK")]


def _acks(results: list[TransactionResult], **kw: str) -> list[list[str]]:
    return _check_997(build_997(results, interchange_control=7, group_control=8, now=NOW, **kw))


def _group(*bodies: list[str], declared: int | None = None, gs06: str = "77") -> str:
    """One interchange with one group holding one 850 per body."""
    sets = []
    for n, body in enumerate(bodies, start=1):
        one = build_850(body, control=f"{n:04d}")
        sets.append("ST*" + one.split("ST*", 1)[1].split("GE*")[0])
    head = build_850().split("ST*", 1)[0].replace("*77*X*", f"*{gs06}*X*")
    return (head + "".join(sets) + f"GE*{declared or len(bodies)}*{gs06}~\n"
            "IEA*1*000000101~\n")


def test_ak9_counts_are_ge01_received_and_none_accepted_when_ge01_is_wrong() -> None:
    bad = [b.replace("PO1*1*10*", "PO1*1*abc*") for b in BODY]
    results = list(iter_transactions(_group(BODY, bad, declared=3)))
    acks = _acks(results)
    assert acks[-1] == ["AK9", "R", "3", "2", "0", "5"]
    assert [s for s in acks if s[0] == "AK5"] == [["AK5", "A"], ["AK5", "R", "5"]]


def test_ak9_counts_when_ge01_agrees() -> None:
    bad = [b.replace("PO1*1*10*", "PO1*1*abc*") for b in BODY]
    ak9 = _acks(list(iter_transactions(_group(BODY, bad))))[-1]
    assert ak9 == ["AK9", "P", "2", "2", "1"]


def test_se01_count_error_gives_ak5_codes_only() -> None:
    acks = _acks(list(iter_transactions(build_850(se_count=99))))
    assert acks == [["AK1", "PO", "77"], ["AK2", "850", "0001"], ["AK5", "R", "4"],
                    ["AK9", "R", "1", "1", "0"]]


def test_missing_beg_is_reported_with_a_bad_envelope_too() -> None:
    [result] = list(iter_transactions(build_850(BODY[1:], se_count=99)))
    assert [(e.segment_id, e.element) for e in result.errors] == [("SE", "SE01"),
                                                                  ("BEG", None)]
    acks = _acks([result])
    assert ["AK3", "BEG", "2", "", "3"] in acks
    assert not any(a[0] == "AK3" and a[1] == "SE" for a in acks)
    assert ["AK5", "R", "4", "5"] in acks


def test_ctt_disagreement_is_accepted_with_errors_noted() -> None:
    [result] = list(iter_transactions(build_850([*BODY[:-1], "CTT*3*99"])))
    assert result.status is ResultStatus.OK
    assert [w.element for w in result.warnings] == ["CTT01", "CTT02"]
    acks = _acks([result])
    assert acks[1:] == [["AK2", "850", "0001"], ["AK3", "CTT", "14", "", "8"],
                        ["AK4", "1", "", "7"], ["AK3", "CTT", "14", "", "8"],
                        ["AK4", "2", "", "7"], ["AK5", "E"], ["AK9", "E", "1", "1", "1"]]


def test_ctt_disagreement_is_rejected_for_a_strict_partner() -> None:
    text = build_850([*BODY[:-1], "CTT*3"])
    [result] = list(iter_transactions(text, strict_totals=lambda env: env.sender_id == "ACMEBUYER"))
    assert result.status is ResultStatus.ERROR and result.error is not None
    assert result.error.element == "CTT01"
    assert ["AK5", "R", "5"] in _acks([result])


def test_unknown_and_unexpected_segments_are_said() -> None:
    body = [*BODY[:2], "ZZQ*1", "BIG*20240101*INV1", *BODY[2:]]
    [result] = list(iter_transactions(build_850(body)))
    assert result.status is ResultStatus.OK
    assert [(w.segment_id, w.segment_code) for w in result.warnings] == [("ZZQ", "1"),
                                                                         ("BIG", "2")]
    acks = _acks([result])
    assert ["AK3", "ZZQ", "4", "", "1"] in acks and ["AK3", "BIG", "5", "", "2"] in acks
    assert ["AK5", "E"] in acks


def test_isa15_test_indicator_is_echoed() -> None:
    test = build_850().replace("*0*P*>", "*0*T*>", 1)
    text = build_997(list(iter_transactions(test)), interchange_control=7, group_control=8,
                     now=NOW)
    _check_997(text)
    assert _split(text)[0][15] == "T"
    prod = build_997(list(iter_transactions(build_850())), interchange_control=7,
                     group_control=8, now=NOW)
    assert _split(prod)[0][15] == "P"


def test_two_groups_with_the_same_gs06_are_two_occurrences() -> None:
    one = _group(BODY)
    two = one.replace("IEA*1*", "IEA*2*").replace("GE*1*77~\n", "GE*1*77~\n" + one.split(
        "\n", 1)[1].split("IEA*")[0], 1)
    results = [r for r in iter_transactions(two) if r.scope.value == "transaction"]
    assert [r.envelope.group_control for r in results] == ["77", "77"]
    assert [r.envelope.group_index for r in results] == [1, 2]
    acks = [_acks([r]) for r in results]
    assert all(a[0] == ["AK1", "PO", "77"] and a[-1] == ["AK9", "A", "1", "1", "1"]
               for a in acks)
