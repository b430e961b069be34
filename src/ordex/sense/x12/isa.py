"""Read an ISA interchange header: learn the separators and check its sixteen elements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ordex.sense.x12.errors import X12SyntaxError
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


def _sixteenth_separator(text: str, start: int, element: str) -> int:
    """Return the offset of the 16th element separator of the ISA starting at `start`."""
    limit = min(len(text), start + ISA_SCAN_LIMIT)
    breaks = [b for b in (text.find(c, start, limit) for c in _LINE_BREAKS) if b >= 0]
    end = min(breaks) if breaks else limit
    index = start + 3
    for count in range(1, 16):
        index = text.find(element, index + 1, end)
        if index >= 0:
            continue
        if breaks:
            reason = "come before a line break; the ISA must be one unbroken segment"
        elif len(text) - start < ISA_LOOKAHEAD:
            reason = "come before the end of the file: the header is truncated"
        else:
            reason = f"come in its first {ISA_SCAN_LIMIT} characters"
        raise _fail(f"only {count} of its 16 elements {reason}", f"ISA{count:02d}")
    return index


def _separators(text: str, sep16: int, element: str, version: str, isa11: str) -> Separators:
    """Read ISA16 and the segment terminator after it, and check all are distinct."""
    if sep16 + 2 >= len(text):
        raise _fail("the file ends before the segment terminator that must follow ISA16",
                    "ISA16")
    component, terminator = text[sep16 + 1], text[sep16 + 2]
    if terminator in _LINE_BREAKS and _missing_isa16(text, sep16 + 2, component):
        terminator, component = component, ""
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
    return Separators(element, component or None, repetition, terminator)


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


def parse_isa(text: str, start: int) -> tuple[Separators, list[str], int]:
    """Parse the ISA at `start`; return separators, its elements (tag first) and end offset."""
    if len(text) - start < 4:
        raise _fail("the file ends inside the interchange header")
    element = text[start + 3]
    if element.isalnum() or element in " \r\n" or ord(element) > 0xFF:
        raise _fail(f"character {element!r} after 'ISA' is not an element separator")
    sep16 = _sixteenth_separator(text, start, element)
    elements = text[start:sep16].split(element)
    elements.append(text[sep16 + 1:sep16 + 2])
    _check_elements(elements)
    sep = _separators(text, sep16, element, elements[12], elements[11])
    return sep, elements, sep16 + 3


def bare_separators(text: str, start: int) -> Separators | None:
    """Guess the separators of a transaction set sent without ISA/GS (it starts with ST)."""
    element = text[start + 2] if len(text) > start + 2 else ""
    if not element or element.isalnum() or element in " \r\n":
        return None
    for char in text[start + 3:start + 80]:
        if not (char.isalnum() or char == " " or char == element):
            return Separators(element, None, None, char)
    return None
