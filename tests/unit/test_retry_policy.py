"""The backoff policy: exponential steps with equal jitter, a cap, and a point of giving up."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordex.domain.errors import ConfigurationError
from ordex.orchestrate.retry import RetryPolicy

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
POLICY = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(seconds=60), max_attempts=5)


def test_steps_double_from_the_base_until_the_cap() -> None:
    steps = [POLICY.step(n).total_seconds() for n in range(1, 9)]
    assert steps == [2, 4, 8, 16, 32, 60, 60, 60]


def test_equal_jitter_waits_at_least_half_the_step_and_at_most_the_step() -> None:
    assert POLICY.delay(3, rand=0.0) == timedelta(seconds=4)
    assert POLICY.delay(3, rand=0.5) == timedelta(seconds=6)
    assert POLICY.delay(3, rand=1.0) == timedelta(seconds=8)


def test_retry_time_is_now_plus_the_delay_until_the_policy_gives_up() -> None:
    assert POLICY.retry_at(attempts=1, now=NOW, rand=0.0) == NOW + timedelta(seconds=1)
    assert POLICY.retry_at(attempts=4, now=NOW, rand=1.0) == NOW + timedelta(seconds=16)
    assert POLICY.retry_at(attempts=5, now=NOW, rand=0.3) is None
    assert POLICY.gives_up(5) and POLICY.gives_up(6) and not POLICY.gives_up(4)


def test_a_huge_attempt_count_waits_the_cap_without_overflowing() -> None:
    assert RetryPolicy().step(10**9) == RetryPolicy().cap


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"base": timedelta(0)}, "base must be positive"),
    ({"base": timedelta(minutes=10), "cap": timedelta(minutes=1)}, "shorter than its base"),
    ({"max_attempts": 0}, "at least 1"),
])
def test_a_policy_that_cannot_work_is_refused_naming_the_problem(
        kwargs: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_a_random_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="rand"):
        POLICY.delay(1, rand=1.5)


@given(st.integers(min_value=1, max_value=200), st.floats(min_value=0, max_value=1))
def test_delays_never_shrink_as_failures_grow_and_never_pass_the_cap(
        attempts: int, rand: float) -> None:
    delay = POLICY.delay(attempts, rand=rand)
    assert POLICY.step(attempts) / 2 <= delay <= POLICY.step(attempts) <= POLICY.cap
    assert POLICY.delay(attempts + 1, rand=0.0) >= POLICY.delay(attempts, rand=0.0)


FULL = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(seconds=60), max_attempts=5,
                   jitter="full")


def test_full_jitter_waits_anywhere_from_nothing_to_the_whole_step() -> None:
    assert FULL.delay(3, rand=0.0) == timedelta(0)
    assert FULL.delay(3, rand=0.25) == timedelta(seconds=2)
    assert FULL.delay(3, rand=1.0) == timedelta(seconds=8)
    assert FULL.delay(40, rand=1.0) == timedelta(seconds=60)  # never past the cap


@given(attempts=st.integers(min_value=1, max_value=200),
       rand=st.floats(min_value=0.0, max_value=1.0))
def test_full_jitter_stays_within_zero_and_the_capped_step(attempts: int, rand: float) -> None:
    wait = FULL.delay(attempts, rand=rand)
    assert timedelta(0) <= wait <= FULL.step(attempts) <= FULL.cap


def test_a_seeded_generator_gives_the_same_full_jitter_waits_every_run() -> None:
    import random
    runs = []
    for _ in range(2):
        rng = random.Random(42)
        runs.append([FULL.delay(n, rand=rng.random()) for n in range(1, 8)])
    assert runs[0] == runs[1]
    assert len(set(runs[0])) == 7  # spread, not one fixed wait


def test_an_unknown_jitter_is_refused_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="jitter must be 'equal' or 'full', not 'half'"):
        RetryPolicy(jitter="half")  # type: ignore[arg-type]
