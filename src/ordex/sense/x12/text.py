"""Character tests the X12 reader needs, narrower than Python's Unicode-aware ones."""

from __future__ import annotations


def is_digits(text: str | None) -> bool:
    """True for a non-empty string of ASCII digits only ('²' or '٣' are not X12 digits)."""
    return bool(text) and text.isascii() and text.isdigit()  # type: ignore[union-attr]
