"""Write X12 text: an ISA/GS/ST..SE/GE/IEA envelope around transaction set segments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ordex.sense.x12.isa import Separators

DEFAULT_SEPARATORS = Separators(element="*", component=">", repetition="^", segment="~")
_COMPONENT_CHOICES = ">:\\"
_REPETITION_CHOICES = "^{!"


class Sent(str):
    """A value echoed as received under the outbound separators: written unchanged.

    It was valid under those separators, so it cannot hold the element separator or the
    terminator; a component or repetition character in it is data and is kept.
    """

    __slots__ = ()


@dataclass(frozen=True)
class Outbound:
    """Who sends an outbound interchange to whom, with which control numbers and format."""

    sender: tuple[str, str]
    receiver: tuple[str, str]
    app_sender: str
    app_receiver: str
    interchange_control: int
    group_control: int
    transaction_control: str = "0001"
    version: str = "004010"
    usage: str = "P"
    separators: Separators = DEFAULT_SEPARATORS
    line_break: str = "\n"


def _pad(value: str, size: int) -> str:
    """Pad (or cut) an ISA id field to its fixed width."""
    return value[:size].ljust(size)


def _pick(sent: str | None, choices: str, used: set[str | None]) -> str:
    """Return the declared separator, else the first choice no other delimiter uses."""
    return sent or next(c for c in choices if c not in used)


def written_separators(out: Outbound) -> Separators:
    """The delimiters the interchange is written with (a 004010 ISA declares no repetition)."""
    sep = out.separators
    used = {sep.element, sep.segment, sep.component, sep.repetition}
    component = _pick(sep.component, _COMPONENT_CHOICES, used)
    repetition = None
    if out.version.startswith("005"):
        repetition = _pick(sep.repetition, _REPETITION_CHOICES, used | {component})
    return Separators(sep.element, component, repetition, sep.segment)


def _isa(out: Outbound, now: dt.datetime) -> list[str]:
    """Return the 16 ISA elements, fixed width, for the outbound interchange."""
    sep = written_separators(out)
    five, repetition = sep.repetition is not None, sep.repetition or "U"
    return ["ISA", "00", " " * 10, "00", " " * 10, _pad(out.sender[0], 2),
            _pad(out.sender[1], 15), _pad(out.receiver[0], 2), _pad(out.receiver[1], 15),
            now.strftime("%y%m%d"), now.strftime("%H%M"), repetition,
            "00501" if five else "00401", f"{out.interchange_control:09d}", "0", out.usage,
            sep.component or ">"]


def clean(value: str, sep: Separators) -> str:
    """Replace delimiter characters inside a value so the output stays parseable."""
    for char in (sep.element, sep.component, sep.repetition, sep.segment):
        if char:
            value = value.replace(char, " ")
    return value


def _safe(value: str, sep: Separators, declared: Separators) -> str:
    """Clean our own values; an echoed value keeps the separators it was read under."""
    if not isinstance(value, Sent):
        return clean(value, sep)
    picked = [c if c not in (declared.component, declared.repetition) else None
              for c in (sep.component, sep.repetition)]
    return clean(value, Separators(sep.element, picked[0], picked[1], sep.segment))


def envelope(functional_id: str, set_id: str, body: Sequence[Sequence[str]], out: Outbound,
             now: dt.datetime) -> str:
    """Wrap transaction set body segments in ST/SE, GS/GE and ISA/IEA; return the text."""
    sep = written_separators(out)
    st = ["ST", set_id, out.transaction_control]
    segments = [st, *([seg[0], *(_safe(v, sep, out.separators) for v in seg[1:])] for seg in body)]
    segments.append(["SE", str(len(segments) + 1), out.transaction_control])
    gs = ["GS", functional_id, out.app_sender, out.app_receiver, now.strftime("%Y%m%d"),
          now.strftime("%H%M"), str(out.group_control), "X", out.version]
    trailer = [["GE", "1", str(out.group_control)],
               ["IEA", "1", f"{out.interchange_control:09d}"]]
    lines = [_isa(out, now), gs, *segments, *trailer]
    end = sep.segment + ("" if sep.segment in "\r\n" else out.line_break)
    return "".join(sep.element.join(_trim(seg)) + end for seg in lines)


def _trim(seg: Sequence[str]) -> list[str]:
    """Drop trailing empty elements, as X12 requires (the ISA is fixed and kept whole)."""
    items = list(seg)
    if items[0] != "ISA":
        while len(items) > 1 and items[-1] == "":
            items.pop()
    return items
