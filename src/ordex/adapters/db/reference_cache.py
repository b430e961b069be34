"""Static reference data kept between units of work, valid while the reference version holds.

Loading a group's customers, items, contracts, history and the rest cost about half of a small
unit of work (docs/scaling.md, "Reference cache"). The cache keeps what `load_reference` reads
that intake itself never writes, per customer and per item as first asked for, and serves it
to every later unit of work of the process. Stock, inbound POs and receivables (what intake
and signals change) are read afresh every time.

It is correct across processes because every write of a cached table replaces the token of
`reference_version` in the writing transaction (triggers of migration 0016, whoever writes).
A unit of work reads the token on its own connection, after its transaction began; a token
other than the one the cache was filled under empties the cache before anything is served.
Without the row (a database wiped by hand) nothing is cached.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.reference_repo import (
    CUSTOMER_LISTS,
    ITEM_LISTS,
    SHARED_LISTS,
    load_live,
    load_of_customers,
    load_of_items,
    load_reference,
    load_shared,
    only_items,
)
from ordex.domain.reference import ReferenceData

CACHED_TABLES = ("customers", "ship_tos", "items", "uom_conversions", "warehouses",
                 "price_contracts", "carriers", "tax_rules", "tax_exemptions",
                 "customer_licences", "carrier_services", "item_cross_references",
                 "order_history", "item_substitutes", "freight_lanes", "service_terms",
                 "policies")
"""The tables whose every write replaces the reference token (migration 0016's triggers)."""
Part = dict[str, list[Any]]
"""One customer's or item's rows, by the name of their `ReferenceData` list (absent: none)."""
MAX_KEYS = 200_000
"""Customers plus items kept at most; past it the cache starts again from empty."""


def reference_token(conn: Connection) -> str | None:
    """The reference data's current token as this transaction sees it; None without one."""
    v = t.reference_version
    return conn.execute(select(v.c.token).where(v.c.id == 1)).scalar_one_or_none()


@dataclass
class _Filled:
    """What the cache holds under one token."""

    token: str | None = None
    customers: dict[str, Part] = field(default_factory=dict)
    items: dict[str, Part] = field(default_factory=dict)
    shared: ReferenceData | None = None


class ReferenceCache:
    """A process's reference cache; thread-safe, shared by every unit of work of the process."""

    def __init__(self, *, max_keys: int = MAX_KEYS) -> None:
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._filled = _Filled()
        self.loads = 0
        """Units of work that had to read some static reference data (misses)."""

    def load(self, conn: Connection, *, customers: Collection[str],
             items: Collection[str]) -> ReferenceData:
        """What `load_reference(conn, customers=..., items=...)` returns, from the cache where
        the token allows."""
        token = reference_token(conn)
        if token is None:
            return load_reference(conn, customers=customers, items=items)
        with self._lock:  # one filler at a time: what is stored is read under `token`
            filled = self._current(token)
            self._fill(conn, filled, customers, items)
            ref = _assemble(filled, customers, items)
        load_live(conn, ref, customers=customers, items=items)
        return ref

    def prime(self, engine: Engine) -> int:
        """Read every customer's and item's static reference data now; how many were read.

        `ordex serve` primes in the background at start, so its first orders find what they
        need here instead of reading it inside their unit of work. The reading happens outside
        the cache's lock (units of work go on meanwhile); what was read is kept only if the
        cache still holds the token it was read under (or nothing yet).
        """
        with engine.connect() as conn:
            token = reference_token(conn)
            customers = sorted(r[0] for r in conn.execute(select(t.customers.c.customer_id)))
            items = sorted(r[0] for r in conn.execute(select(t.items.c.item_id)))
            if token is None or len(customers) + len(items) > self.max_keys:
                return 0
            read = _Filled(token, _split(load_of_customers(conn, customers), CUSTOMER_LISTS,
                                         "customer_id", customers),
                           _split(load_of_items(conn, items), ITEM_LISTS, "item_id", items),
                           load_shared(conn))
        with self._lock:
            filled = self._filled
            if filled.token not in (None, token):
                return 0  # reference data changed meanwhile: what was read is stale
            if filled.token is None:
                self._filled = read
            else:  # units of work filled some under the same token: theirs are as good
                for mine, theirs in ((read.customers, filled.customers),
                                     (read.items, filled.items)):
                    theirs.update({k: v for k, v in mine.items() if k not in theirs})
                filled.shared = filled.shared or read.shared
        return len(customers) + len(items)

    def clear(self) -> None:
        """Forget everything (the next unit of work reads afresh)."""
        with self._lock:
            self._filled = _Filled()

    def _current(self, token: str) -> _Filled:
        filled = self._filled
        if filled.token != token or len(filled.customers) + len(filled.items) > self.max_keys:
            filled = self._filled = _Filled(token)
        return filled

    def _fill(self, conn: Connection, filled: _Filled, customers: Collection[str],
              items: Collection[str]) -> None:
        """Read whatever of these customers and items the cache does not hold yet."""
        new_customers = sorted(set(customers) - filled.customers.keys())
        new_items = sorted(set(items) - filled.items.keys())
        if not (new_customers or new_items or filled.shared is None):
            return
        self.loads += 1
        if filled.shared is None:
            filled.shared = load_shared(conn)
        if new_customers:  # an unknown id is kept too (empty): asked again, it costs nothing
            filled.customers.update(_split(load_of_customers(conn, new_customers),
                                           CUSTOMER_LISTS, "customer_id", new_customers))
        if new_items:
            filled.items.update(_split(load_of_items(conn, new_items), ITEM_LISTS, "item_id",
                                       new_items))


def _split(ref: ReferenceData, lists: tuple[str, ...], key: str,
           keys: Iterable[str]) -> dict[str, Part]:
    """Each key's rows of `lists`."""
    parts: dict[str, Part] = {k: {} for k in keys}
    for name in lists:
        for row in getattr(ref, name):
            parts[getattr(row, key)].setdefault(name, []).append(row)
    return parts


def _assemble(filled: _Filled, customers: Collection[str],
              items: Collection[str]) -> ReferenceData:
    """A fresh ReferenceData of the customers' and items' rows (the cached objects are frozen;
    the lists are new, so a pipeline may add to them)."""
    ref = ReferenceData()
    for name in CUSTOMER_LISTS:
        setattr(ref, name, _joined(filled.customers, sorted(customers), name))
    ref.contracts = only_items(ref.contracts, items)
    ref.order_history = only_items(ref.order_history, items)
    for name in ITEM_LISTS:
        setattr(ref, name, _joined(filled.items, sorted(items), name))
    for name in SHARED_LISTS:
        setattr(ref, name, list(getattr(filled.shared, name)))
    return ref


def _joined(parts: dict[str, Part], keys: list[str], name: str) -> list[Any]:
    out: list[Any] = []
    for k in keys:
        out.extend(parts[k].get(name, ()))
    return out
