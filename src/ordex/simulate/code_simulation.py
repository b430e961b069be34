"""The plug-in shape of a code in the simulator: how it is injected, how truth is read, who
works it.

A code's registration names its simulation (`simulation="ordex.simulate.codes.X:SIMULATION"`);
the order factory runs the injections, ground truth applies the rules and the simulated people
work the desks, all found through the registry (docs/extending.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING

from ordex.domain.codes import ExceptionCode
from ordex.domain.model import Customer, Item
from ordex.interpret.exception_type import resolve
from ordex.interpret.registry import PLUGINS
from ordex.interpret.settings import DetectionSettings
from ordex.simulate.truth import Book, SimLine, SimOrder

if TYPE_CHECKING:
    from ordex.simulate.ground_truth import WorldIndex
    from ordex.simulate.world import World

CENT = Decimal("0.01")


class Stream(Enum):
    """Which random stream an injection draws from, and so when it runs."""

    ORDER = "order"
    """The order factory's stream, right after the order's lines are drawn."""
    CONTENT = "content"
    """The stream of the content injections, after every ORDER injection."""
    OWN = "own"
    """A stream of the code's own, after the others: adding such a code changes no other
    code's draws (the right choice for a new code)."""


@dataclass
class Draft:
    """An order being generated: what an injection may change."""

    order: SimOrder
    address: dict[str, str]
    """The ship-to address the payload will carry."""
    injected: set[str] = field(default_factory=set)


@dataclass
class Kit:
    """What injections may read: the world, the simulator's book and handy indexes."""

    world: World
    book: Book
    customers: dict[str, Customer]
    items: dict[str, Item]
    history: dict[tuple[str, str], int]
    """Earlier order lines per (customer, item)."""

    @classmethod
    def of(cls, world: World, book: Book) -> Kit:
        """The kit for a world and its book."""
        history: dict[tuple[str, str], int] = {}
        for h in world.ref.order_history:
            history[(h.customer_id, h.item_id)] = history.get((h.customer_id, h.item_id), 0) + 1
        return cls(world, book, {c.customer_id: c for c in world.ref.customers},
                   {i.item_id: i for i in world.ref.items}, history)

    def fair_price(self, order: SimOrder, ln: SimLine) -> Decimal:
        """The price the customer should pay for a line, to the cent."""
        exact = self.book.price(order.customer_id, ln.item_id, ln.uom, ln.quantity,
                                order.order_date)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


Apply = Callable[[Draft, Kit, random.Random], bool]


@dataclass(frozen=True)
class Injection:
    """How often and how a code is injected into generated orders."""

    rate: str
    """The `InjectionRates` field (or `extra` key) giving the share of orders that get it."""
    stream: Stream
    at: int
    """Order within the stream (lower first)."""
    apply: Apply
    """Changes the draft; True when the code was injected (drawn once the rate is hit)."""
    default_rate: float = 0.0
    """The rate when `InjectionRates` has no field and no `extra` entry of that name."""


@dataclass
class Facts:
    """What a ground-truth rule may read about an order."""

    book: Book
    index: WorldIndex
    settings: DetectionSettings
    injected: set[str]
    labels: set[str] = field(default_factory=set)
    """The codes found so far (a rule that `follows` sees all the others)."""


@dataclass(frozen=True, slots=True)
class Desk:
    """How people answer one exception code."""

    actor: str
    action: str


@dataclass(frozen=True)
class CodeSimulation:
    """One code in the simulator: its injection, its ground-truth rule and its desk."""

    code: ExceptionCode
    truth: Callable[[SimOrder, Facts], bool] | None = None
    """Whether an order deserves the code, read from the documented rule (None: labelled where
    the payload is made, as for a broken one)."""
    injection: Injection | None = None
    follows: bool = False
    """The rule reads the other labels: applied after them."""
    desk: Desk | None = None
    """Who works a case still open after intake, with which action (None: nobody)."""


@cache
def simulations() -> tuple[CodeSimulation, ...]:
    """Every registered code's simulation, in registry order."""
    found = []
    for code, kind in PLUGINS.items():
        if kind.simulation is None:
            continue
        sim = resolve(kind.simulation)
        if not isinstance(sim, CodeSimulation) or sim.code is not code:
            raise TypeError(f"{kind.simulation} is not the CodeSimulation of {code.value}")
        found.append(sim)
    return tuple(found)


@cache
def desks() -> dict[str, Desk]:
    """Who works the cases of each code people work (docs/decide.md, "People's actions")."""
    return {s.code.value: s.desk for s in simulations() if s.desk is not None}
