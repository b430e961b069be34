"""INTEGRATION_FAILURE in the simulator: the order factory breaks some payloads (orders.py)
and labels them itself; integration support retries once the sender has resent."""

from __future__ import annotations

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import CodeSimulation, Desk

SIMULATION = CodeSimulation(ExceptionCode.INTEGRATION_FAILURE,
                            desk=Desk("integration-support", "RETRY"))
