"""Read an ISA interchange header: learn the separators and check its sixteen elements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ordex.sense.x12.errors import X12Note, X12SyntaxError
from ordex.sense.x12.text import is_digits

ISA_SCAN_LIMIT = 300
# Callers buffer this much text after an ISA (header plus the next line), so finding less
# means the file has ended.
ISA_LOOKAHEAD = 2 * ISA_SCAN_LIMIT + 1
_LINE_BREAKS = "\r\n"


@dataclass(frozen=True, slots=True)
class Separators:
    """The delimiters one interchange declares in its ISA."""

    element: str
    component: str | None
    repetition: str | None
    segment: str


def _fail(message: str, element: str | None = None) -> X12SyntaxError:
    """Build an ISA syntax error naming the element at fault."""
    return X12SyntaxError(f"ISA header: {message}", segment_id="ISA", element=element,
                          transaction_code=None, segment_code="8")


_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
_NAMES = ("authorization information qualifier", "authorization information",
          "security information qualifier", "security information",
          "sender id qualifier", "sender id", "receiver id qualifier", "receiver id",
          "date", "time", "repetition separator / standards id", "version",
          "control number", "acknowledgment requested", "usage indicator",
          "component separator")


@dataclass(frozen=True, slots=True)
class IsaHeader:
    """A read ISA: separators, elements (tag first), end offset and width notes."""

    separators: Separators
    elements: list[str]
    end: int
    notes: tuple[X12Note, ...] = ()
    wrapped: bool = False


def _unbroken(text: str, start: int) -> tuple[str, list[int]]:
    """Return the ISA window without CR/LF and, per kept character, its offset in `text`."""
    limit = min(len(text), start + ISA_SCAN_LIMIT)
    offsets = [i for i in range(start, limit) if text[i] not in _LINE_BREAKS]
    return "".join(text[i] for i in offsets), offsets


def _sixteenth_separator(clean: str, element: str, short_file: bool) -> int:
    """Return the offset in `clean` of the 16th element separator of the ISA."""
    index = 3
    for count in range(1, 16):
        index = clean.find(element, index + 1)
        if index >= 0:
            continue
        reason = ("come before the end of the file: the header is truncated" if short_file
                  else f"come in its first {ISA_SCAN_LIMIT} characters")
        raise _fail(f"only {count} of its 16 elements {reason}", f"ISA{count:02d}")
    return index


def _terminator(text: str, after: int, element: str, wrapped: bool) -> tuple[str, int]:
    """Return the segment terminator that follows ISA16 at `after`, and the offset past it."""
    if after >= len(text):
        raise _fail("the file ends before the segment terminator that must follow ISA16",
                    "ISA16")
    char = text[after]
    if char not in _LINE_BREAKS:
        return char, after + 1
    skip = after
    while skip < len(text) and text[skip] in _LINE_BREAKS:
        skip += 1
    follow = text[skip] if skip < len(text) else ""
    # A record wrapped right after ISA16: the terminator waits on the next line.
    if follow and (wrapped or not (follow.isalnum() or follow in " \t" or follow == element)):
        return follow, skip + 1
    return char, after + 1


def _separators(text: str, after: int, element: str, component: str, version: str,
                isa11: str, wrapped: bool) -> tuple[Separators, int]:
    """Read the segment terminator after ISA16, check all delimiters are distinct."""
    terminator, end = _terminator(text, after, element, wrapped)
    if terminator in _LINE_BREAKS and _missing_isa16(text, after, component):
        terminator, component, end = component, "", after
    if component and (component in _LINE_BREAKS or component == " " or component.isalnum()):
        raise _fail(f"ISA16 component separator {component!r} is not a delimiter: ISA16 or "
                    "the segment terminator is missing", "ISA16")
    if terminator == element:
        raise _fail("it has more than 16 elements (an element separator follows ISA16)",
                    "ISA16")
    if terminator == " " or terminator.isalnum():
        raise _fail(f"character {terminator!r} after ISA16 is not a valid segment "
                    "terminator", "ISA16")
    repetition = isa11 if version >= "00402" and not isa11.isalnum() else None
    if repetition is not None and len(repetition) != 1:
        raise _fail(f"ISA11 repetition separator {isa11!r} must be one character", "ISA11")
    chosen = [element, terminator] + [c for c in (component, repetition) if c]
    if len(set(chosen)) != len(chosen):
        raise _fail(f"separators must all differ (element {element!r}, component "
                    f"{component!r}, repetition {repetition!r}, segment {terminator!r})",
                    "ISA16")
    if any(ord(c) > 0xFF for c in chosen):
        raise _fail("a separator is not a single-byte character", "ISA16")
    return Separators(element, component or None, repetition, terminator), end


def _missing_isa16(text: str, after: int, char: str) -> bool:
    """Tell whether ISA16 was left out: the next line also ends with the same character."""
    start = after + 1 if text[after:after + 2] != "\r\n" else after + 2
    end = text.find("\n", start, start + ISA_SCAN_LIMIT)
    line = text[start:end].rstrip("\r") if end >= 0 else ""
    return len(line) > 3 and line.endswith(char) and char not in line[:-1]


def _check_digits(value: str, size: int, name: str, what: str) -> None:
    """Require exactly `size` digits."""
    if len(value) != size or not is_digits(value):
        raise _fail(f"{name} {what} {value!r} must be {size} digits", name)


def _check_elements(el: list[str]) -> None:
    """Check the fixed-format ISA elements; padding of the id fields is tolerated."""
    for n in (1, 3, 5, 7):
        if len(el[n].strip()) != 2:
            raise _fail(f"ISA{n:02d} qualifier {el[n]!r} must be 2 characters", f"ISA{n:02d}")
    for n, name in ((6, "sender"), (8, "receiver")):
        if not el[n].strip() or len(el[n].strip()) > 15:
            raise _fail(f"ISA{n:02d} {name} id {el[n]!r} must be 1 to 15 characters",
                        f"ISA{n:02d}")
    _check_digits(el[9], 6, "ISA09", "date")
    _check_digits(el[10], 4, "ISA10", "time")
    _check_digits(el[12], 5, "ISA12", "version")
    _check_digits(el[13], 9, "ISA13", "control number")
    try:
        dt.datetime.strptime(el[9] + el[10], "%y%m%d%H%M")
    except ValueError:
        raise _fail(f"ISA09/ISA10 {el[9]}/{el[10]} is not a valid date and time",
                    "ISA09") from None
    if el[14] not in ("0", "1"):
        raise _fail(f"ISA14 acknowledgment requested {el[14]!r} must be 0 or 1", "ISA14")
    if el[15] not in ("I", "P", "T"):
        raise _fail(f"ISA15 usage indicator {el[15]!r} must be P, T or I", "ISA15")


def width_notes(el: list[str]) -> tuple[X12Note, ...]:
    """Name every ISA element that is not its fixed width, in one note (read anyway)."""
    wrong = [(n, width, name) for n, (width, name) in enumerate(zip(_WIDTHS, _NAMES,
                                                                   strict=True), start=1)
             if n < len(el) and len(el[n]) != width]
    if not wrong:
        return ()
    parts = "; ".join(f"ISA{n:02d} {name} {el[n]!r} is {len(el[n])} characters, not {width}"
                      for n, width, name in wrong)
    return (X12Note(f"ISA header: elements not padded to their fixed width: {parts}; read "
                    "anyway", segment_id="ISA", element=f"ISA{wrong[0][0]:02d}",
                    elements=[f"ISA{n:02d}" for n, _, _ in wrong]),)


def _first_break_error(text: str, start: int, element: str) -> X12SyntaxError | None:
    """The error for an ISA cut by a line break before its 16th separator, else None."""
    limit = min(len(text), start + ISA_SCAN_LIMIT)
    breaks = [b for b in (text.find(c, start, limit) for c in _LINE_BREAKS) if b >= 0]
    if not breaks or text.count(element, start, min(breaks)) >= 16:
        return None
    count = text.count(element, start, min(breaks))
    return _fail(f"only {count} of its 16 elements come before a line break; the ISA must be "
                 "one unbroken segment", f"ISA{count:02d}")


def read_isa(text: str, start: int) -> IsaHeader:
    """Read the ISA at `start`; CR/LF inside it are dropped when they are not its terminator."""
    if len(text) - start < 4:
        raise _fail("the file ends inside the interchange header")
    element = text[start + 3]
    if element.isalnum() or element in " \r\n" or ord(element) > 0xFF:
        raise _fail(f"character {element!r} after 'ISA' is not an element separator")
    cut = _first_break_error(text, start, element)
    try:
        return _read(text, start, element, wrapped=cut is not None)
    except X12SyntaxError:
        if cut is not None:  # not a wrapped record either: report the break
            raise cut from None
        raise


def _read(text: str, start: int, element: str, *, wrapped: bool) -> IsaHeader:
    """Read the ISA, skipping CR/LF inside it when `wrapped` (a fixed-width record)."""
    clean, offsets = _unbroken(text, start)
    sep16 = _sixteenth_separator(clean, element, len(text) - start < ISA_LOOKAHEAD)
    if sep16 + 1 >= len(clean):
        raise _fail("the file ends before ISA16 and the segment terminator", "ISA16")
    elements = clean[:sep16].split(element)
    elements.append(clean[sep16 + 1])
    _check_elements(elements)
    after = offsets[sep16 + 1] + 1
    sep, end = _separators(text, after, element, elements[16], elements[12], elements[11],
                           wrapped)
    if wrapped and sep.segment in _LINE_BREAKS:
        raise _fail("the ISA is cut by a line break and its terminator is a line break",
                    "ISA16")
    return IsaHeader(sep, elements, end, width_notes(elements), wrapped)


def parse_isa(text: str, start: int) -> tuple[Separators, list[str], int]:
    """Parse the ISA at `start`; return separators, its elements (tag first) and end offset."""
    header = read_isa(text, start)
    return header.separators, header.elements, header.end


def bare_separators(text: str, start: int) -> Separators | None:
    """Guess the separators of a transaction set sent without ISA/GS (it starts with ST)."""
    element = text[start + 2] if len(text) > start + 2 else ""
    if not element or element.isalnum() or element in " \r\n":
        return None
    for char in text[start + 3:start + 80]:
        if not (char.isalnum() or char == " " or char == element):
            return Separators(element, None, None, char)
    return None
