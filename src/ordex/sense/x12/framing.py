"""Physical framing of X12 text: fixed-width records, and filler bytes after the last IEA.

Older translators and mailbox systems cut an interchange into records of a fixed width
(80 columns is common) with CR/LF between them, even in the middle of a segment. When the
segment terminator is not itself a line break, a line break is never data: it is dropped.
One case stays an error: a line break right before something that starts a segment (a segment
id and the element separator) on a line that is not of the record width — that is a
segment whose terminator was forgotten, and the reader says so.
"""

from __future__ import annotations

import re
from collections import Counter

from ordex.sense.x12.errors import X12Note
from ordex.sense.x12.isa import Separators

_BREAKS = "\r\n"
_BREAK = re.compile(r"\r\n|\r|\n")
_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_SPACE = " \t\r\n\x0b\x0c"


def _after_last_break(text: str) -> int:
    """Return how many characters follow the last line break of `text` (all, if none)."""
    return len(text) - max(text.rfind("\n"), text.rfind("\r")) - 1


def _starts_segment(text: str, element: str) -> bool:
    """Tell whether `text` starts like a segment: a segment id, then the element separator.

    Data never holds the element separator, so a continuation line that starts with two or
    three upper-case letters/digits and the separator begins a new segment.
    """
    tag = _TAG.match(text)
    return tag is not None and text[tag.end():tag.end() + 1] == element


class Unwrapper:
    """Tracks the physical column and the record width of one interchange."""

    def __init__(self) -> None:
        self.col = 0
        self.width: int | None = None

    def start(self, text: str, isa: int, end: int) -> None:
        """Learn the record width from the line the ISA starts on."""
        before = max(text.rfind("\n", 0, isa), text.rfind("\r", 0, isa))
        col0 = isa - before - 1
        breaks = [b for b in (text.find(c, isa) for c in _BREAKS) if b >= 0]
        self.width = col0 + min(breaks) - isa if breaks else None
        head = text[isa:end]
        self.col = _after_last_break(head) if any(c in head for c in _BREAKS) else col0 + len(head)

    def segment(self, raw: str, body: str, sep: Separators) -> tuple[str, str | None]:
        """Return the segment body without record breaks, and what follows a suspect break."""
        if sep.segment in _BREAKS:
            return body.rstrip(_BREAKS), None
        if "\n" not in body and "\r" not in body:
            self.col = (_after_last_break(raw) if "\n" in raw or "\r" in raw
                        else self.col + len(raw)) + 1
            return body, None
        lead = raw[:len(raw) - len(body)]
        col = _after_last_break(lead) if any(c in lead for c in _BREAKS) else self.col + len(lead)
        pieces = _BREAK.split(body.rstrip(_BREAKS))
        suspect, length = None, col + len(pieces[0])
        for piece in pieces[1:]:
            if suspect is None and length != self.width and _starts_segment(piece, sep.element):
                suspect = piece[:12]
            length = len(piece)
        self.col = _after_last_break(raw) + 1
        return "".join(pieces), suspect


class Filler:
    """Counts the bytes skipped after an IEA: spaces, line breaks, NUL, Ctrl-Z (0x1A)."""

    CHARS = _SPACE + "\x00\x1a"

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, text: str) -> None:
        """Add skipped text."""
        if text:
            self.counts.update(text)

    @property
    def odd(self) -> bool:
        """True when NUL or Ctrl-Z bytes were skipped (not mere whitespace)."""
        return bool(self.counts["\x00"] or self.counts["\x1a"])

    def note(self) -> str | None:
        """Describe the skipped bytes, or None when they were nothing but line endings."""
        counts = {c: n for c, n in self.counts.items() if n}
        if not counts or set(counts) <= set(_BREAKS):  # trailing blank lines: nothing to say
            return None
        kinds = (("\x1a", "Ctrl-Z (0x1A)"), ("\x00", "NUL (0x00)"))
        parts = [f"{counts.pop(c)} {name}" for c, name in kinds if c in counts]
        breaks = sum(counts.pop(c, 0) for c in _BREAKS)
        if counts:
            parts.append(f"{sum(counts.values())} spaces or tabs")
        if breaks:
            parts.append(f"{breaks} line-break characters")
        return f"{sum(self.counts.values())} filler bytes ignored ({', '.join(parts)})"

    def located(self, position: int, *, last: bool) -> X12Note:
        """Return the note for the skipped bytes after segment `position` (an IEA)."""
        where = "after the last IEA" if last else "between interchanges"
        return X12Note(f"{self.note()} {where}", segment_position=position,
                       segment_id="IEA")
