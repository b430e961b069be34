"""The group committer: what waits together runs together, each submitter gets its own answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from ordex.entrypoints.api.group_commit import GroupBounds, GroupCommitter, IntakeStoppedError

WAIT = 10.0
"""Seconds a test waits for a future at most (the machine may be busy)."""


class Gate:
    """A run function that records each group and, while closed, holds the group it runs."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.open, self.entered = threading.Event(), threading.Event()
        self.open.set()

    def __call__(self, items: list[str]) -> list[str]:
        self.groups.append(list(items))
        self.entered.set()
        assert self.open.wait(WAIT)
        if "bad" in items:
            raise ValueError("a bad item")
        return [item.upper() for item in items]

    def hold(self) -> None:
        self.open.clear()
        self.entered.clear()


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def committer(gate: Gate) -> Iterator[GroupCommitter[str, str]]:
    c = GroupCommitter(gate, size_of=len, bounds=GroupBounds(max_items=4, max_wait=0))
    yield c
    gate.open.set()
    c.close(timeout=WAIT)


def held_then(gate: Gate, committer: GroupCommitter[str, str], first: str,
              then: list[str]) -> list[str]:
    """Submit `first`, hold its group running, queue `then` behind it, release; the answers."""
    gate.hold()
    futures = [committer.submit(first)]
    assert gate.entered.wait(WAIT)
    futures += [committer.submit(item) for item in then]
    gate.open.set()
    return [f.result(WAIT) for f in futures]


def test_items_that_wait_while_a_group_runs_are_run_together_next(
        gate: Gate, committer: GroupCommitter[str, str]) -> None:
    answers = held_then(gate, committer, "a", ["b", "c", "d"])
    assert answers == ["A", "B", "C", "D"]
    assert gate.groups == [["a"], ["b", "c", "d"]]


def test_a_group_never_exceeds_max_items(gate: Gate, committer: GroupCommitter[str, str]) -> None:
    answers = held_then(gate, committer, "x", [f"i{n}" for n in range(10)])
    assert answers == ["X", *(f"I{n}" for n in range(10))]
    assert [len(g) for g in gate.groups] == [1, 4, 4, 2]


def test_a_group_stops_before_max_bytes_but_a_large_item_still_runs_alone(gate: Gate) -> None:
    c = GroupCommitter(gate, size_of=len, bounds=GroupBounds(max_bytes=5, max_wait=0))
    try:
        answers = held_then(gate, c, "x", ["aa", "bb", "cc", "toolarge", "d"])
    finally:
        c.close(timeout=WAIT)
    assert answers == ["X", "AA", "BB", "CC", "TOOLARGE", "D"]
    assert gate.groups == [["x"], ["aa", "bb"], ["cc"], ["toolarge"], ["d"]]


def test_a_group_that_fails_is_run_again_item_by_item_so_only_the_bad_item_fails(
        gate: Gate, committer: GroupCommitter[str, str]) -> None:
    gate.hold()
    first = committer.submit("a")
    assert gate.entered.wait(WAIT)
    futures = [committer.submit(item) for item in ("b", "bad", "c")]
    gate.open.set()
    assert first.result(WAIT) == "A"
    assert futures[0].result(WAIT) == "B" and futures[2].result(WAIT) == "C"
    with pytest.raises(ValueError, match="a bad item"):
        futures[1].result(WAIT)
    assert gate.groups == [["a"], ["b", "bad", "c"], ["b"], ["bad"], ["c"]]


def test_a_run_that_answers_the_wrong_number_of_results_fails_its_item_not_silently() -> None:
    c: GroupCommitter[str, str] = GroupCommitter(lambda items: [], size_of=len,
                                                 bounds=GroupBounds(max_wait=0))
    try:
        with pytest.raises(RuntimeError, match="0 results for a group of 1"):
            c.submit("a").result(WAIT)
    finally:
        c.close(timeout=WAIT)


def test_a_cancelled_submission_is_never_run(gate: Gate,
                                             committer: GroupCommitter[str, str]) -> None:
    gate.hold()
    first = committer.submit("a")
    assert gate.entered.wait(WAIT)
    gone, kept = committer.submit("gone"), committer.submit("kept")
    assert gone.cancel()
    gate.open.set()
    assert first.result(WAIT) == "A" and kept.result(WAIT) == "KEPT"
    assert gate.groups == [["a"], ["kept"]]


def test_close_answers_what_is_queued_then_refuses_new_items(
        gate: Gate, committer: GroupCommitter[str, str]) -> None:
    gate.hold()
    futures = [committer.submit("a")]
    assert gate.entered.wait(WAIT)
    futures += [committer.submit(item) for item in ("b", "c")]
    closing = threading.Thread(target=committer.close, kwargs={"timeout": WAIT})
    closing.start()
    time.sleep(0.05)
    with pytest.raises(IntakeStoppedError):
        committer.submit("late")
    gate.open.set()
    closing.join(WAIT)
    assert [f.result(0) for f in futures] == ["A", "B", "C"]


def test_close_gives_up_on_a_stuck_group_after_its_timeout_and_answers_it_stopped(
        gate: Gate, committer: GroupCommitter[str, str]) -> None:
    gate.hold()
    stuck = committer.submit("a")
    assert gate.entered.wait(WAIT)
    queued = committer.submit("b")
    started = time.monotonic()
    committer.close(timeout=0.2)
    assert time.monotonic() - started < WAIT
    for future in (stuck, queued):
        with pytest.raises(IntakeStoppedError):
            future.result(0)
    gate.open.set()  # the group finishing late changes no answer given
    time.sleep(0.05)
    assert isinstance(stuck.exception(0), IntakeStoppedError)


def test_the_committer_waits_up_to_max_wait_for_the_usual_group_to_gather(gate: Gate) -> None:
    c = GroupCommitter(gate, size_of=len, bounds=GroupBounds(max_wait=WAIT))
    try:
        held_then(gate, c, "x", ["a", "b", "c"])  # the usual group is now three
        late = [c.submit("d")]
        time.sleep(0.1)  # shorter than max_wait: the committer is still waiting for more
        late += [c.submit("e"), c.submit("f")]
        assert [f.result(WAIT) for f in late] == ["D", "E", "F"]
    finally:
        c.close(timeout=WAIT)
    assert gate.groups[-1] == ["d", "e", "f"]


def test_the_wait_for_a_group_is_bounded_by_max_wait(gate: Gate) -> None:
    c = GroupCommitter(gate, size_of=len, bounds=GroupBounds(max_wait=0.05))
    try:
        held_then(gate, c, "x", ["a", "b", "c"])
        started = time.monotonic()
        assert c.submit("alone").result(WAIT) == "ALONE"
        assert time.monotonic() - started >= 0.05
    finally:
        c.close(timeout=WAIT)
    assert gate.groups[-1] == ["alone"]


def test_an_idle_committer_thread_ends_and_the_next_item_starts_another(gate: Gate) -> None:
    c = GroupCommitter(gate, size_of=len, bounds=GroupBounds(max_wait=0, idle_exit=0.05),
                       name="test-committer")
    try:
        assert c.submit("a").result(WAIT) == "A"
        deadline = time.monotonic() + WAIT
        while any(t.name == "test-committer" for t in threading.enumerate()):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert c.submit("b").result(WAIT) == "B"
    finally:
        c.close(timeout=WAIT)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_dying_committer_fails_its_group_and_a_new_thread_serves_the_queue() -> None:
    calls: list[list[str]] = []
    release = threading.Event()

    def run(items: list[str]) -> list[str]:
        calls.append(items)
        if items == ["fatal"]:
            assert release.wait(WAIT)
            raise SystemExit("a handler that exits")  # not an Exception: the thread ends
        return [item.upper() for item in items]

    c = GroupCommitter(run, size_of=len, bounds=GroupBounds(max_wait=0), name="dying")
    try:
        fatal = c.submit("fatal")
        while not calls:
            time.sleep(0.01)
        [dying] = [t for t in threading.enumerate() if t.name == "dying"]
        after = c.submit("after")
        release.set()
        with pytest.raises(IntakeStoppedError):
            fatal.result(WAIT)
        assert after.result(WAIT) == "AFTER"
        dying.join(WAIT)  # its end is reported within this test
    finally:
        c.close(timeout=WAIT)
