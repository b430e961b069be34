"""Property tests: any input gives results or ParseError subclasses, never another exception."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordex.domain.errors import ParseError
from ordex.sense.x12 import ResultStatus, TransactionResult, iter_transactions, result_to_dict

SEEDS = Path(__file__).resolve().parents[2] / "fuzz" / "x12_seeds"
SEED_BYTES = {p.name: p.read_bytes() for p in sorted(SEEDS.glob("*.edi"))}
PUBLIC = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "edi"
# Mutations start from the seeds and, when present, from every public sample (a mutated
# public sample found a crash on a multi-character ISA11 during development).
CORPUS = {**SEED_BYTES, **{str(p): p.read_bytes() for p in sorted(PUBLIC.rglob("*.edi"))}}


def _check(data: bytes, chunk_size: int = 1 << 20, *,
           strict: bool = False) -> list[TransactionResult]:
    """Parse and assert the contract: results only, errors are ParseErrors, JSON-ready."""
    results = list(iter_transactions(io.BytesIO(data), chunk_size=chunk_size,
                                     strict_totals=strict))
    assert results, "every input yields at least one result"
    for result in results:
        assert all(isinstance(e, ParseError) and e.message for e in result.errors)
        assert (result.status is ResultStatus.ERROR) == bool(result.errors)
        json.dumps(result_to_dict(result))
    return results


def test_seed_corpus_is_present() -> None:
    assert 10 <= len(SEED_BYTES) <= 20


@pytest.mark.parametrize("name", sorted(SEED_BYTES))
def test_seeds_behave_as_named(name: str) -> None:
    # a CTT disagreement is only noted by default: the seed is an error for a strict partner
    statuses = {r.status for r in _check(SEED_BYTES[name], strict=name.startswith("bad_ctt"))}
    if name.startswith("valid_"):
        assert ResultStatus.ERROR not in statuses
    else:
        assert ResultStatus.ERROR in statuses


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600), chunk=st.integers(min_value=1, max_value=64))
def test_random_bytes_never_crash(data: bytes, chunk: int) -> None:
    _check(data, chunk)


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from([b"ISA*", b"ST*850*1~", b"\xef\xbb\xbfISA*", b"  \nISA|"]),
       rest=st.binary(max_size=300))
def test_plausible_starts_with_junk_never_crash(prefix: bytes, rest: bytes) -> None:
    _check(prefix + rest)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    """Take a seed and apply a few byte-level edits (replace, delete, insert, duplicate)."""
    data = bytearray(CORPUS[draw(st.sampled_from(sorted(CORPUS)))])
    alphabet = st.sampled_from(list(b"*~>^:|!\r\n 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-\x00\xff"))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if not data:
            break
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        action = draw(st.sampled_from(["replace", "delete", "insert", "duplicate"]))
        if action == "replace":
            data[at] = draw(alphabet)
        elif action == "delete":
            del data[at:at + draw(st.integers(min_value=1, max_value=20))]
        elif action == "insert":
            data.insert(at, draw(alphabet))
        else:
            data[at:at] = data[at:at + draw(st.integers(min_value=1, max_value=40))]
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_mutated(), chunk=st.sampled_from([3, 17, 256, 1 << 20]))
def test_mutated_seeds_never_crash(data: bytes, chunk: int) -> None:
    _check(data, chunk)


@settings(max_examples=100, deadline=None)
@given(data=_mutated())
def test_chunking_never_changes_the_outcome(data: bytes) -> None:
    def summary(chunk: int) -> list[tuple[str, str | None]]:
        return [(r.status.value, r.error.message if r.error else None)
                for r in _check(data, chunk)]
    assert summary(5) == summary(1 << 20)



def test_non_ascii_digits_in_control_numbers_are_errors_not_crashes() -> None:
    """Found by atheris: '²'.isdigit() is True in Python, but int('0²0000101') fails."""
    crash = (Path(__file__).resolve().parents[2] / "fuzz" / "x12_seeds"
             / "crash-superscript-digit-in-iea02.edi").read_bytes()
    results = list(iter_transactions(crash, file="crash"))
    assert results
    assert all(isinstance(e, ParseError) for r in results for e in r.errors)
    from ordex.sense.x12.envelope import same_control
    assert same_control("0²0000101", "000000101") is False
    assert same_control("3438", "000003438") is True
