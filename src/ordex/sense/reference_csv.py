"""Reads one reference CSV file against its schema, collecting every problem with its place."""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ordex.domain.errors import ReferenceDataError
from ordex.sense.reference_schema import FileSchema

MAX_SHOWN = 100
"""Problems listed in one error; the rest are counted."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a reference folder, as `file:line:column: reason`."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        place = ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None)
        return f"{place}: {self.reason}"


@dataclass
class Problems:
    """The problems found so far in one load."""

    found: list[Problem] = field(default_factory=list)

    def add(self, file: str, line: int | None, column: str | None, reason: str) -> None:
        """Record one problem."""
        self.found.append(Problem(file, line, column, reason))

    def raise_any(self) -> None:
        """Raise one ReferenceDataError listing every problem (one per line), if any."""
        if not self.found:
            return
        shown = [str(p) for p in self.found[:MAX_SHOWN]]
        if len(self.found) > MAX_SHOWN:
            shown.append(f"… and {len(self.found) - MAX_SHOWN} more problems")
        first = self.found[0]
        raise ReferenceDataError("\n".join(shown), file=first.file, line=first.line,
                                 column=first.column,
                                 problems=[vars_of(p) for p in self.found])


def vars_of(p: Problem) -> dict[str, Any]:
    """A problem as a plain dict."""
    return {"file": p.file, "line": p.line, "column": p.column, "reason": p.reason}


@dataclass(frozen=True, slots=True)
class Parsed:
    """One good row: the line it starts on and its typed values, one per column."""

    line: int
    values: dict[str, Any]


def suggest(name: str, known: Iterable[str]) -> str:
    """'; did you mean X?' when a known name is close, else ''."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def read_file(path: Path, schema: FileSchema, problems: Problems, *,
              label: str) -> list[Parsed]:
    """The good rows of one file; every problem is added (the rows of a bad header are not read)."""
    rows: list[Parsed] = []
    end = 0
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            end = reader.line_num
            if header is None:
                problems.add(label, None, None, "is empty; it needs a header line: "
                             + ",".join(schema.names))
                return rows
            if not _header_ok([h.strip() for h in header], schema, problems, label):
                return rows
            names = [h.strip() for h in header]
            for fields in reader:
                start, end = end + 1, reader.line_num
                parsed = _row(fields, names, schema, problems, label=label, line=start)
                if parsed is not None:
                    rows.append(parsed)
    except UnicodeDecodeError:
        problems.add(label, end + 1, None, "is not UTF-8 text")
    except csv.Error as exc:
        problems.add(label, end + 1, None, f"is not valid CSV ({exc})")
    _check_keys(rows, schema, problems, label)
    return rows


def _header_ok(names: list[str], schema: FileSchema, problems: Problems, label: str) -> bool:
    before = len(problems.found)
    known = schema.names
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.add(label, 1, name, "column appears twice in the header")
        elif not name:
            problems.add(label, 1, None, f"header field {i + 1} has no column name")
        elif name not in known:
            problems.add(label, 1, name, f"unknown column{suggest(name, known)} "
                         f"(the columns of {schema.name} are: {', '.join(known)})")
    for c in schema.columns:
        if c.required and c.name not in names:
            problems.add(label, 1, c.name, "required column is missing from the header")
    return len(problems.found) == before


def _row(fields: list[str], names: list[str], schema: FileSchema, problems: Problems, *,
         label: str, line: int) -> Parsed | None:
    if not any(f.strip() for f in fields):
        return None  # a blank line, or one of only commas (spreadsheets write those)
    if len(fields) != len(names):
        problems.add(label, line, None, f"has {len(fields)} fields but the header has "
                     f"{len(names)} (quote a value that holds a comma)")
        return None
    cells = dict(zip(names, fields, strict=True))
    values: dict[str, Any] = {}
    ok = True
    for column in schema.columns:
        try:
            values[column.name] = column.read(cells.get(column.name, "").strip())
        except ValueError as exc:
            problems.add(label, line, column.name, str(exc))
            ok = False
    for check in schema.checks if ok else ():
        found = check(values)
        if found is not None:
            problems.add(label, line, found[0], found[1])
            ok = False
    return Parsed(line, values) if ok else None


def _check_keys(rows: list[Parsed], schema: FileSchema, problems: Problems, label: str) -> None:
    if not schema.key:
        return
    first: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = tuple(row.values[k] for k in schema.key)
        if key in first:
            shown = ", ".join(f"{k} {v}" for k, v in zip(schema.key, key, strict=True))
            problems.add(label, row.line, schema.key[-1],
                         f"{shown} is already on line {first[key]}")
        else:
            first[key] = row.line
