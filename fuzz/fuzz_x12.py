"""Coverage-guided fuzzing of the EDI X12 reader and the CSV order reader with atheris.

Run locally (not part of `make test`; `make fuzz` runs each target for a bounded time):
    cp -r tests/fuzz/x12_seeds /tmp/corpus
    .venv/bin/python fuzz/fuzz_x12.py /tmp/corpus -max_total_time=300
    .venv/bin/python fuzz/fuzz_x12.py --csv -max_total_time=120
Any exception other than the project's ParseError is a finding.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from ordex.domain.errors import ParseError
    from ordex.sense.csv_orders import DEFAULT_PROFILE, read_csv_bytes
    from ordex.sense.x12 import iter_transactions


def fuzz_x12(data: bytes) -> None:
    """Every byte string reads to results; nothing raises."""
    for _ in iter_transactions(data, file="fuzz", chunk_size=64):
        pass


HEADER = (",".join(DEFAULT_PROFILE.columns.values()) + "\n").encode()


def fuzz_csv(data: bytes) -> None:
    """Every byte string after a valid header reads to orders or a ParseError."""
    try:
        for _ in read_csv_bytes(HEADER + data, DEFAULT_PROFILE):
            pass
    except ParseError:
        pass


if __name__ == "__main__":
    target = fuzz_csv if "--csv" in sys.argv else fuzz_x12
    args = [a for a in sys.argv if a != "--csv"]
    atheris.Setup(args, target)
    atheris.Fuzz()
