"""Text that can be stored and answered: no control characters, no lone surrogates.

JSON can carry both (`"\\u0000"`, `"\\ud800"`), Python decodes them without complaint, and then
PostgreSQL refuses a NUL in a text column and UTF-8 cannot encode a lone surrogate, so the
whole unit of work would fail. Such text is refused at the edge with the field named.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
"""C0 control characters except tab, line feed and carriage return; DEL; UTF-16 surrogates."""

MAX_PROBLEMS = 20
"""Problems reported per payload: enough to fix it, bounded for a hostile one."""


def printable(text: str) -> str:
    """The text with every refused character written as a backslash-u escape such as `\\u0000`
    (four hex digits; safe to store)."""
    return REFUSED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def refused_reason(text: str) -> str | None:
    """Why this text is refused (the first bad character and its offset), or None."""
    found = REFUSED.search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = "a lone UTF-16 surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"contains {kind} (U+{code:04X}) at position {found.start()}"


MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
"""Digits of a JSON integer Python reads (longer ones are refused, naming the field)."""


class LongNumber(Decimal):
    """A JSON integer too long to read as an int; the decoder keeps it so the field is named."""


def read_int(text: str) -> int | LongNumber:
    """A JSON integer, or a LongNumber when it has more digits than Python converts."""
    return LongNumber(text) if len(text.lstrip("-")) > MAX_INT_DIGITS else int(text)


def storable(values: Iterable[str]) -> set[str]:
    """Only the strings that can be stored and looked up (the others are refused at intake)."""
    return {v for v in values if not refused_reason(v)}


def text_problems(value: Any, *, prefix: str = "") -> list[dict[str, str]]:
    """Every refused string (key or value) in decoded JSON, as {field, reason}; iterative."""
    problems: list[dict[str, str]] = []
    stack: list[tuple[str, Any]] = [(prefix, value)]
    while stack and len(problems) < MAX_PROBLEMS:
        path, item = stack.pop()
        if isinstance(item, str):
            reason = refused_reason(item)
            if reason:
                problems.append({"field": path or "(body)", "reason": reason})
        elif isinstance(item, LongNumber):
            problems.append({"field": path or "(body)", "reason": (
                f"a number with {len(str(item).lstrip('-'))} digits "
                f"(at most {MAX_INT_DIGITS} are read)")})
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                name = printable(str(key))
                if refused_reason(str(key)):
                    problems.append({"field": _join(path, name),
                                     "reason": f"field name {refused_reason(str(key))}"})
                stack.append((_join(path, name), child))
        elif isinstance(item, list):
            stack.extend((_join(path, str(i)), child)
                         for i, child in reversed(list(enumerate(item))))
    return problems[:MAX_PROBLEMS]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
