"""Turn bytes, text or a binary file into decoded text chunks, in bounded memory."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

from ordex.sense.x12.errors import X12EncodingError

Source = bytes | bytearray | memoryview | str | BinaryIO

DEFAULT_CHUNK_SIZE = 1 << 20

_UTF8_BOM = b"\xef\xbb\xbf"
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 little-endian"),
    (b"\x00\x00\xfe\xff", "UTF-32 big-endian"),
    (b"\xff\xfe", "UTF-16 little-endian"),
    (b"\xfe\xff", "UTF-16 big-endian"),
)
# "ISA" and "ST" in EBCDIC (the same bytes in every Latin EBCDIC code page: 037, 500, 1047),
# after optional EBCDIC spaces and line breaks (0x40, 0x25, 0x15, 0x0D).
_EBCDIC_ISA = "ISA".encode("cp037")
_EBCDIC_ST = "ST".encode("cp037")
_EBCDIC_SPACE = b"\x40\x25\x15\x0d"
# A lone byte that is not valid UTF-8 comes back from `surrogateescape` as U+DC80..U+DCFF;
# we map it to the Latin-1 character of the same byte, so any byte sequence decodes.
_ESCAPED = re.compile("[\udc80-\udcff]")


def _unescape(match: re.Match[str]) -> str:
    """Map one escaped byte back to its Latin-1 character."""
    return chr(ord(match.group()) - 0xDC00)


def _check_start(head: bytes) -> None:
    """Reject encodings X12 cannot be in (wide Unicode), with a precise message."""
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            raise X12EncodingError(
                f"the file is {name} encoded (byte-order mark {bom.hex(' ')}); X12 needs a "
                "single-byte encoding: export it again as ASCII or UTF-8",
                segment_position=1,
            )
    if _is_ebcdic(head):
        raise X12EncodingError(
            "this file is EBCDIC (its first bytes read 'ISA' or 'ST' in code page 037): X12 "
            "here must be ASCII or UTF-8; convert it (for example with iconv -f CP037 -t "
            "ASCII) or ask the partner to send ASCII",
            segment_position=1,
        )
    if b"\x00" in head[:8]:
        raise X12EncodingError(
            "the file contains NUL bytes at its start: it is binary or UTF-16 without a "
            "byte-order mark, not X12 text",
            segment_position=1,
        )


def _is_ebcdic(head: bytes) -> bool:
    """Tell whether the file starts with 'ISA' or 'ST' encoded in EBCDIC (code page 037)."""
    body = head.lstrip(_EBCDIC_SPACE)
    return body.startswith(_EBCDIC_ISA) or body.startswith(_EBCDIC_ST)


def _byte_chunks(source: Source, chunk_size: int) -> Iterator[bytes]:
    """Yield raw byte chunks of the source."""
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), chunk_size):
            yield bytes(view[start:start + chunk_size])
        return
    while True:
        chunk = source.read(chunk_size)  # type: ignore[union-attr]
        if not chunk:
            return
        yield chunk


def _with_checked_head(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Check the first bytes for a wide encoding, drop a UTF-8 BOM, pass the rest through."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 8:
            break
    _check_start(head)
    yield head[len(_UTF8_BOM):] if head.startswith(_UTF8_BOM) else head
    yield from chunks


def iter_text(source: Source, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[str]:
    """Yield the source as decoded text chunks (UTF-8, falling back to Latin-1 per byte)."""
    if isinstance(source, str):
        text = source[1:] if source.startswith("\ufeff") else source
        for start in range(0, len(text), chunk_size):
            yield text[start:start + chunk_size]
        return
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    for chunk in _with_checked_head(_byte_chunks(source, chunk_size)):
        text = decoder.decode(chunk)
        if text:
            yield _ESCAPED.sub(_unescape, text) if _ESCAPED.search(text) else text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield _ESCAPED.sub(_unescape, tail)
