"""Errors raised or reported while reading ANSI X12; each names where in the file it happened.

Every error carries the position data a support engineer needs to find the fault (file,
interchange / group / transaction control numbers, segment position in the file and in the
transaction, segment id, element) plus the standard X12 acknowledgment codes that a 997
reports for it (AK3-04 segment code, AK4-03 element code, AK5-02 transaction code, AK9-05
group code).
"""

from __future__ import annotations

from typing import Any

from ordex.domain.errors import ParseError

_FIELDS = (
    "file",
    "interchange_control",
    "group_control",
    "transaction_control",
    "segment_position",
    "transaction_segment_position",
    "segment_id",
    "element",
)


class X12Error(ParseError):
    """The X12 input could not be read."""

    def __init__(
        self,
        message: str | None = None,
        *,
        file: str | None = None,
        interchange_control: str | None = None,
        group_control: str | None = None,
        transaction_control: str | None = None,
        segment_position: int | None = None,
        transaction_segment_position: int | None = None,
        segment_id: str | None = None,
        element: str | None = None,
        segment_code: str | None = None,
        element_code: str | None = None,
        transaction_code: str | None = None,
        group_code: str | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message, **details)
        self.file = file
        self.interchange_control = interchange_control
        self.group_control = group_control
        self.transaction_control = transaction_control
        self.segment_position = segment_position
        self.transaction_segment_position = transaction_segment_position
        self.segment_id = segment_id
        self.element = element
        self.segment_code = segment_code
        self.element_code = element_code
        self.transaction_code = transaction_code
        self.group_code = group_code
        self._sync_details()

    def _sync_details(self) -> None:
        """Mirror the position fields into `details` so generic handlers see them."""
        for name in _FIELDS:
            self.details[name] = getattr(self, name)

    def locate(self, **fields: Any) -> X12Error:
        """Fill position fields that are still unknown; return self for chaining."""
        for name, value in fields.items():
            if name not in _FIELDS:
                raise TypeError(f"unknown X12 error field {name!r}")
            if getattr(self, name) is None:
                setattr(self, name, value)
        self._sync_details()
        return self

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description of the error."""
        data: dict[str, Any] = {"kind": type(self).__name__, "message": self.message}
        data.update({name: getattr(self, name) for name in _FIELDS})
        return data


class X12EncodingError(X12Error):
    """The file is not in a single-byte character encoding that X12 allows."""


class X12SyntaxError(X12Error):
    """The X12 text is malformed (ISA header, separators, segment structure)."""


class X12EnvelopeError(X12Error):
    """An ISA/IEA, GS/GE or ST/SE envelope is missing, mismatched or miscounted."""


class X12ContentError(X12Error):
    """A segment of the transaction set has a missing, malformed or invalid element."""


class X12Note(X12Error):
    """Something the reader tolerated and reports (ISA padding, bytes after the last IEA)."""
