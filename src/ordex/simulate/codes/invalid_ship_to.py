"""INVALID_SHIP_TO in the simulator: a city or street left out, an unknown or foreign ZIP."""

from __future__ import annotations

import random

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import (
    CodeSimulation,
    Desk,
    Draft,
    Facts,
    Injection,
    Kit,
    Stream,
)
from ordex.simulate.truth import SimOrder


def _corrupt(d: Draft, kit: Kit, rng: random.Random) -> bool:
    """Break the payload's address in one of four ways."""
    address, zips = d.address, kit.world.zips
    kind = rng.choice(("missing_city", "unknown_zip", "wrong_state", "missing_line1"))
    if kind == "missing_city":
        address["city"] = ""
    elif kind == "missing_line1":
        address["line1"] = " "
    elif kind == "unknown_zip":
        # below 00501 no US ZIP code exists (PO-box and unique ZIPs fill much of the rest,
        # so a random "unknown" ZIP may well be real)
        address["postal_code"] = f"{rng.randint(0, 500):05d}"
    else:
        z, _c, state = rng.choice(zips)
        while state == address["state"]:
            z, _c, state = rng.choice(zips)
        address["postal_code"] = z
    return True


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Only injected addresses are bad (the world's own are valid)."""
    return "INVALID_SHIP_TO" in facts.injected


SIMULATION = CodeSimulation(
    ExceptionCode.INVALID_SHIP_TO, truth=_truth,
    injection=Injection("ship_to", Stream.ORDER, 30, _corrupt),
    desk=Desk("cs-rep", "CORRECT_ADDRESS"))
