"""Framing as partners send it: fixed-width records, multi-line text, filler, EBCDIC, ISA widths."""

from __future__ import annotations

import pytest
from x12_builders import BODY, ISA_4010, build_850

from ordex.sense.x12 import (
    ResultStatus,
    Segment,
    TransactionResult,
    X12EncodingError,
    iter_segments,
    iter_transactions,
)


def _results(data: str | bytes) -> list[TransactionResult]:
    return list(iter_transactions(data, file="in.edi"))


def _wrap(text: str, width: int, line_break: str = "\r\n") -> str:
    """Cut a text into records of `width` characters, as mailbox systems do."""
    return line_break.join(text[i:i + width] for i in range(0, len(text), width)) + line_break


@pytest.mark.parametrize("width", [80, 64, 105, 106, 128])
@pytest.mark.parametrize("line_break", ["\r\n", "\n"])
def test_fixed_width_records_read_like_the_unwrapped_file(width: int, line_break: str) -> None:
    plain = build_850(terminator="~")
    wrapped = _wrap(plain, width, line_break)
    # records end inside segments (and inside the ISA when the width is under its 106)
    assert any(not line.endswith("~") for line in wrapped.splitlines()[:-1])
    assert width >= 106 or not wrapped.splitlines()[0].endswith("~")
    [expected] = _results(plain)
    [result] = _results(wrapped)
    assert result.status is ResultStatus.OK, result.errors
    assert result.order == expected.order and not result.warnings


def test_wrapped_free_text_is_one_element() -> None:
    text = "PLEASE DELIVER TO THE BACK DOOR AND RING THE BELL TWICE BEFORE LEAVING IT"
    plain = build_850([*BODY[:2], f"MTX*GEN*{text}", *BODY[2:]], terminator="~")
    segments = [s for s in iter_segments(_wrap(plain, 80)) if isinstance(s, Segment)]
    [mtx] = [s for s in segments if s.tag == "MTX"]
    assert mtx.elements == ["MTX", "GEN", text] and mtx.problem is None


@pytest.mark.parametrize("tag", ["MTX", "MSG", "NTE"])
def test_free_text_over_several_lines_is_one_element(tag: str) -> None:
    note = f"{tag}*GEN*CALL BEFORE \nDELIVERY, DOCK \r\nOPENS AT 6"
    [result] = _results(build_850([*BODY[:2], note, *BODY[2:]]))
    assert result.status is ResultStatus.OK
    segments = [s for s in iter_segments(build_850([*BODY[:2], note, *BODY[2:]]))
                if isinstance(s, Segment) and s.tag == tag]
    assert segments[0].elements[2] == "CALL BEFORE DELIVERY, DOCK OPENS AT 6"


def test_line_break_before_a_new_segment_is_still_a_missing_terminator() -> None:
    body = [*BODY[:3], "DTM*010*20240110\nDTM*002*20240112", *BODY[5:]]
    [result] = _results(build_850(body))
    assert result.error is not None and result.error.segment_id == "DTM"
    assert "terminator '~' is probably missing" in result.error.message


@pytest.mark.parametrize("tail", ["\x1a", "\x00" * 64, "   \r\n\r\n", "\r\n\x1a\x00\x00"])
def test_filler_after_the_last_iea_is_noted_not_an_error(tail: str) -> None:
    results = _results(build_850() + tail)
    assert [r.status for r in results] == [ResultStatus.OK, ResultStatus.NOTE]
    note = results[1].warnings[0]
    assert "after the last IEA" in note.message and note.segment_id == "IEA"
    assert not any(r.errors for r in results)


def test_ctrl_z_after_an_unterminated_iea_is_noted() -> None:
    results = _results(build_850().rstrip("~\n") + "\x1a")
    assert [r.status for r in results] == [ResultStatus.OK, ResultStatus.NOTE]
    assert "Ctrl-Z" in results[1].warnings[0].message


@pytest.mark.parametrize("tail", ["", "\n", "\r\n\r\n\n"])
def test_trailing_line_endings_alone_are_not_noted(tail: str) -> None:
    assert [r.status for r in _results(build_850() + tail)] == [ResultStatus.OK]


def test_ebcdic_interchange_is_named() -> None:
    [result] = _results(build_850().encode("cp037"))
    error = result.error
    assert isinstance(error, X12EncodingError) and "this file is EBCDIC" in error.message


_ISA = ISA_4010[:-1].split("*")
_NOTED = {2, 4, 6, 8, 11}  # values still unambiguous: read, and the width is noted


@pytest.mark.parametrize("n", range(1, 16))
def test_each_short_isa_element_is_named(n: int) -> None:
    elements = list(_ISA)
    elements[n] = elements[n][:-1]
    text = build_850().replace(ISA_4010[:-1], "*".join(elements), 1)
    results = _results(text)
    name = f"ISA{n:02d}"
    if n in _NOTED:
        assert [r.status for r in results] == [ResultStatus.NOTE, ResultStatus.OK]
        note = results[0].warnings[0]
        assert note.element == name and f"{name} " in note.message
    else:
        errors = [e for r in results for e in r.errors]
        assert errors and errors[0].element == name, errors
        assert not any(r.status is ResultStatus.OK for r in results)


def test_padded_isa_gives_no_note() -> None:
    assert all(r.status is not ResultStatus.NOTE for r in _results(build_850()))


def test_isa15_is_exposed_on_the_envelope() -> None:
    test_file = build_850().replace("*0*P*>", "*0*T*>", 1)
    [result] = _results(test_file)
    assert result.envelope.usage == "T" and result.envelope.is_test
