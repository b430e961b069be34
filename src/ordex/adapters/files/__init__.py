"""Order files read as channels."""

from ordex.adapters.files.ndjson import NdjsonFileChannel

__all__ = ["NdjsonFileChannel"]
