"""Streaming X12 tokenizer: decoded text chunks in, segments out, in bounded memory.

Each ISA declares its own separators, so they are re-read at every interchange. Whitespace
and line breaks between segments are skipped; line breaks inside segments are record wrapping
(framing.py) unless the terminator is one. Filler after the last IEA and ISA padding come out
as X12Note items. A header that cannot be read is reported as
one error and the tokenizer resynchronises on the next ISA.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from ordex.sense.x12.errors import X12Error, X12SyntaxError
from ordex.sense.x12.framing import Filler, Unwrapper
from ordex.sense.x12.isa import ISA_LOOKAHEAD, Separators, bare_separators, parse_isa, read_isa
from ordex.sense.x12.source import DEFAULT_CHUNK_SIZE, Source, iter_text

MAX_SEGMENT_CHARS = 1 << 20
_SPACE = " \t\r\n\x0b\x0c"
_Steps = Generator["Segment | X12Error", None, "Separators | None"]
_CONTROL = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))


@dataclass(slots=True)
class Segment:
    """One segment: its tag, its elements (tag at index 0) and its 1-based file position."""

    tag: str
    elements: list[str]
    position: int
    separators: Separators
    problem: str | None = None

    def get(self, index: int) -> str:
        """Return element `index` (1-based) stripped of padding, or '' when absent."""
        return self.elements[index].strip() if index < len(self.elements) else ""


class _Reader:
    """A sliding text window over the decoded chunks; consumed text is dropped."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self.text = ""
        self.pos = 0
        self._chunks = chunks

    def more(self) -> bool:
        """Append the next chunk, dropping consumed text; False at the end of input."""
        chunk = next(self._chunks, None)
        if chunk is None:
            return False
        self.text = self.text[self.pos:] + chunk
        self.pos = 0
        return True

    def ensure(self, size: int) -> None:
        """Buffer at least `size` characters after `pos` unless the input ends first."""
        while len(self.text) - self.pos < size and self.more():
            pass

    def skip_space(self, filler: Filler | None = None) -> bool:
        """Skip whitespace (and, given `filler`, NUL/Ctrl-Z, counted); False at the end."""
        chars = _SPACE if filler is None else filler.CHARS
        while True:
            rest = self.text[self.pos:].lstrip(chars)
            if filler is not None:
                filler.count(self.text[self.pos:len(self.text) - len(rest)])
            self.pos = len(self.text) - len(rest)
            if rest or not self.more():
                return bool(rest)


def _suspect_pattern(sep: Separators) -> re.Pattern[str]:
    """Match control characters that are not delimiters (and line breaks, unless they are)."""
    delimiters = {sep.element, sep.component, sep.repetition, sep.segment}
    suspects = _CONTROL + ("" if sep.segment in "\r\n" else "\r\n")
    chars = "".join(c for c in suspects if c not in delimiters)
    return re.compile(f"[{re.escape(chars)}]")


def _valid_tag(tag: str) -> bool:
    """Tell whether a segment id is 2-3 upper-case letters and digits, starting with a letter."""
    return (2 <= len(tag) <= 3 and tag.isascii() and tag.isalnum() and tag[0].isalpha()
            and tag.isupper())


def _problem(tag: str, text: str, sep: Separators, suspect: re.Pattern[str]) -> str | None:
    """Describe what is wrong with the segment text, or None."""
    if not _valid_tag(tag):
        return f"{tag[:20]!r} is not a valid segment id (2 or 3 upper-case letters and digits)"
    bad = suspect.search(text)
    if bad is None:
        return None
    if bad.group() in "\r\n":
        return (f"segment {tag} contains a line break: the segment terminator "
                f"{sep.segment!r} is probably missing before it")
    return f"segment {tag} contains the control character {bad.group()!r}"


class Tokenizer:
    """Split one source into segments, yielding X12Error objects for unreadable headers."""

    def __init__(self, source: Source, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        self._reader = _Reader(iter_text(source, chunk_size=chunk_size))
        self.count = 0
        self._good_tags: set[str] = set()
        self._wrap = Unwrapper()

    def __iter__(self) -> Iterator[Segment | X12Error]:
        try:
            yield from self._run()
        except X12Error as exc:  # encoding errors surface from the decoder
            yield exc

    def _run(self) -> Iterator[Segment | X12Error]:
        reader = self._reader
        if not reader.skip_space():
            yield X12SyntaxError("the file is empty: there is no ISA interchange header")
            return
        seps = yield from self._first()
        while seps is not None:
            seps = yield from self._segments(seps)

    def _first(self) -> _Steps:
        """Start the file: an ISA, or a bare ST..SE transaction set, or junk."""
        reader = self._reader
        reader.ensure(ISA_LOOKAHEAD)
        head = reader.text[reader.pos:reader.pos + 3]
        if head == "ISA":
            return (yield from self._header())
        if head[:2] == "ST":
            bare = bare_separators(reader.text, reader.pos)
            if bare is not None:
                return bare
        yield X12SyntaxError(
            f"this is not an X12 interchange: it starts with {head!r} where 'ISA' is "
            "expected", segment_position=1, segment_code="1")
        return (yield from self._resync(reader.pos + 1))

    def _header(self) -> _Steps:
        """Read the ISA at the reader position; on failure report and resynchronise."""
        reader = self._reader
        reader.ensure(ISA_LOOKAHEAD)
        try:
            header = read_isa(reader.text, reader.pos)
        except X12SyntaxError as exc:
            yield exc.locate(segment_position=self.count + 1)
            return (yield from self._resync(reader.pos + 1))
        self.count += 1
        self._wrap.start(reader.text, reader.pos, header.end)
        reader.pos = header.end
        yield Segment("ISA", header.elements, self.count, header.separators)
        for note in header.notes:
            yield note.locate(segment_position=self.count)
        return header.separators

    def _resync(self, start: int) -> _Steps:
        """Skip to the next ISA that parses; return its separators or None at the end."""
        reader = self._reader
        reader.pos = start
        while True:
            found = reader.text.find("ISA", reader.pos)
            if found < 0:
                reader.pos = max(reader.pos, len(reader.text) - 3)  # keep "xIS"
                if not reader.more():
                    return None
                continue
            boundary = found == 0 or not reader.text[found - 1].isalnum()
            reader.pos = found
            reader.ensure(ISA_LOOKAHEAD)  # may drop consumed text: re-read the offsets
            text, found = reader.text, reader.pos
            if boundary:
                try:
                    parse_isa(text, found)
                except X12SyntaxError:
                    pass
                else:
                    return (yield from self._header())
            reader.pos = found + 1

    def _segments(self, sep: Separators) -> _Steps:
        """Yield the segments of one interchange; return the next separators or None."""
        reader, term, control = self._reader, sep.segment, _suspect_pattern(sep)
        text, pos = reader.text, reader.pos
        while True:
            end = text.find(term, pos)
            if end < 0:
                reader.pos = pos
                if len(text) - pos > MAX_SEGMENT_CHARS:
                    yield X12SyntaxError(
                        f"no segment terminator {term!r} in {MAX_SEGMENT_CHARS} characters",
                        segment_position=self.count + 1)
                    return (yield from self._resync(pos))
                if not reader.more():
                    return (yield from self._last(text[pos:], sep, control))
                text, pos = reader.text, reader.pos
                continue
            raw = text[pos:end]
            body = raw.lstrip(_SPACE)
            if body[:3] == "ISA" and (len(body) == 3 or not body[3].isalnum()):
                reader.pos = end - len(body)
                return (yield from self._header())
            pos = end + 1
            body, broken = self._wrap.segment(raw, body, sep)
            if not body:
                continue
            yield self._make(body, sep, control, broken)
            if body[:3] == "IEA":
                reader.pos = pos
                filler = Filler()
                more = reader.skip_space(filler)
                if filler.note() is not None and (not more or filler.odd):
                    yield filler.located(self.count, last=not more)
                if not more:
                    return None
                if reader.text.startswith("ISA", reader.pos):
                    return (yield from self._header())
                if not self._segment_follows(sep):
                    yield self._not_x12_after_iea()
                    return (yield from self._resync(reader.pos))
                text, pos = reader.text, reader.pos

    def _segment_follows(self, sep: Separators) -> bool:
        """Tell whether the text after an IEA starts like a segment (a tag, then a separator)."""
        reader = self._reader
        reader.ensure(4)
        head = reader.text[reader.pos:reader.pos + 4]
        cut = head.find(sep.element)
        return cut > 0 and _valid_tag(head[:cut])

    def _not_x12_after_iea(self) -> X12SyntaxError:
        """The error for text after an IEA that is neither filler, an ISA nor a segment."""
        reader = self._reader
        reader.ensure(40)
        snippet = reader.text[reader.pos:reader.pos + 40].split("\n")[0].strip()
        self.count += 1
        return X12SyntaxError(
            f"text after the IEA that is not X12: {snippet!r}; it is outside every "
            "interchange and is skipped up to the next ISA", segment_position=self.count + 1,
            segment_code="1")

    def _last(self, tail: str, sep: Separators, control: re.Pattern[str]) -> _Steps:
        """Yield a final segment that lacks its terminator (tolerated), if there is one."""
        body = tail.strip(_SPACE)
        filler = Filler()
        core = body.rstrip(Filler.CHARS)
        filler.count(body[len(core):])
        if core:
            yield self._make(core, sep, control)
        if filler.note() is not None:
            yield filler.located(self.count, last=True)
        return None

    def _make(self, body: str, sep: Separators, control: re.Pattern[str],
              broken: str | None = None) -> Segment:
        """Split a segment body into elements and check it."""
        self.count += 1
        elements = body.split(sep.element)
        tag = elements[0]
        if broken is None and tag in self._good_tags and control.search(body) is None:
            return Segment(tag, elements, self.count, sep)
        problem = _problem(tag, body, sep, control)
        if problem is None and broken is not None:
            problem = (f"segment {tag} contains a line break before {broken!r}: the segment "
                       f"terminator {sep.segment!r} is probably missing before it")
        if problem is None:
            self._good_tags.add(tag)
        return Segment(tag, elements, self.count, sep, problem)


def iter_segments(source: Source, *, chunk_size: int = DEFAULT_CHUNK_SIZE
                  ) -> Iterator[Segment | X12Error]:
    """Yield every segment of the source, and an X12Error for each unreadable interchange."""
    return iter(Tokenizer(source, chunk_size=chunk_size))
