"""A small model builder over HiGHS (highspy): variables, rows, one solve, silent.

Money and quantities are Decimal everywhere else; they become floats only here, at the
solver's boundary, and the callers convert the answer back.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field

import highspy

INF = highspy.kHighsInf
MIP_GAP = 1e-4
_local = threading.local()
_construct = threading.Lock()


def _solver() -> highspy.Highs:
    """This thread's HiGHS object, created once and with its start-up banner silenced.

    HiGHS prints the banner from C++ straight to file descriptor 1 when the object is created,
    before any option can be set, so descriptor 1 points at /dev/null for that one call. One
    object per thread is reused (its model cleared before each solve): creating one per solve
    would repeat the banner and the set-up cost.
    """
    h: highspy.Highs | None = getattr(_local, "highs", None)
    if h is not None:
        return h
    with _construct:
        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        try:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", MIP_GAP)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    _local.highs = h
    return h


@dataclass
class Solution:
    """Values of the variables, the objective and how long HiGHS took."""

    values: list[float]
    objective: float
    status: str
    solve_ms: float


@dataclass
class Model:
    """A linear (or mixed-integer) model built row by row, then passed to HiGHS in one go."""

    maximise: bool = False
    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def var(self, cost: float, lower: float = 0.0, upper: float = INF,
            integer: bool = False) -> int:
        """Add a variable; returns its index."""
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, terms: dict[int, float], lower: float = -INF, upper: float = INF) -> None:
        """Add a constraint lower ≤ Σ coef·var ≤ upper."""
        for idx, coef in terms.items():
            self.index.append(idx)
            self.value.append(coef)
        self.starts.append(len(self.index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def solve(self, *, time_limit: float = 30.0) -> Solution:
        """Solve with HiGHS, banner and log silenced."""
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.cost), len(self.row_lower)
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = self.cost, self.lower, self.upper
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_, lp.a_matrix_.index_ = self.starts, self.index
        lp.a_matrix_.value_ = self.value
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
        lp.sense_ = highspy.ObjSense.kMaximize if self.maximise else highspy.ObjSense.kMinimize
        if any(self.integer):
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else
                               highspy.HighsVarType.kContinuous for i in self.integer]
        h = _solver()
        h.clearModel()
        h.setOptionValue("time_limit", time_limit)
        started = time.perf_counter()
        h.passModel(lp)
        h.run()
        elapsed = (time.perf_counter() - started) * 1000
        status = h.modelStatusToString(h.getModelStatus())
        values = list(h.getSolution().col_value) if lp.num_col_ else []
        return Solution(values, h.getInfo().objective_function_value, status, elapsed)
