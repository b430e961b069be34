"""Unstorable text is found wherever it hides in decoded JSON, and named by its path."""

from __future__ import annotations

from ordex.sense.safe_text import MAX_PROBLEMS, printable, text_problems


def test_control_characters_and_surrogates_are_named_by_their_dotted_path() -> None:
    doc = {"ship_to": {"city": "Chi\x00cago"}, "lines": [{"uom": "EA"}, {"uom": "E\ud800"}],
           "note": "tab\tand\nnewline are fine"}
    assert [p["field"] for p in text_problems(doc)] == ["ship_to.city", "lines.1.uom"]
    assert "U+0000" in text_problems(doc)[0]["reason"]
    assert "surrogate" in text_problems(doc)[1]["reason"]


def test_a_bad_field_name_is_reported_in_escaped_form() -> None:
    [problem] = text_problems({"a\udc00b": 1}, prefix="[3]")
    assert problem["field"] == "[3].a\\udc00b" and problem["field"].encode()


def test_deep_and_wide_documents_are_walked_without_recursion_and_bounded() -> None:
    deep: object = "\x01"
    for _ in range(50_000):
        deep = [deep]
    assert len(text_problems(deep)) == 1
    assert len(text_problems(["\x02"] * 1000)) == MAX_PROBLEMS


def test_printable_escapes_only_what_is_refused() -> None:
    assert printable("EX-\ud800\x00é") == "EX-\\ud800\\u0000é"
