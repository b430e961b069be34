"""A fake Tryton JSON-RPC server behind httpx.MockTransport: sales, lines, notes, workflow.

It speaks the wire format (Tryton's `__class__` objects, the Session header) so the unit
tests exercise the real client; its sale workflow follows Tryton's transitions for the calls
the connector makes.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from ordex.adapters.erp_tryton.rpc import TrytonRpc, dumps, loads

TRANSITIONS = {"quote": ({"draft"}, "quotation"), "confirm": ({"quotation"}, "confirmed"),
               "draft": ({"quotation", "confirmed", "cancelled"}, "draft"),
               "cancel": ({"draft", "quotation"}, "cancelled")}


class FakeTryton:
    """An in-memory Tryton with one database; `calls` lists every (model.method) it served."""

    def __init__(self, *, password: str = "secret") -> None:
        self.password = password
        self.sales: dict[int, dict[str, Any]] = {}
        self.lines: dict[int, dict[str, Any]] = {}
        self.notes: list[dict[str, Any]] = []
        self.addresses: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.fail_next: list[tuple[str, Any]] = []
        """(method, error) pairs: the next call of that method answers the error once."""
        self.sessions: set[str] = set()

    def rpc(self) -> TrytonRpc:
        return TrytonRpc("http://tryton.test", "db", user="admin", password=self.password,
                         client=httpx.Client(transport=httpx.MockTransport(self.handle)))

    def add_sale(self, sale_id: int, *, number: str, state: str = "confirmed",
                 lines: list[dict[str, Any]] | None = None, **fields: Any) -> None:
        self.sales[sale_id] = {"id": sale_id, "number": number, "state": state,
                               "shipments": [], "warehouse": 5, "shipping_date": None, "party": 5,
                               "write_date": datetime(2026, 11, 2, 9, 0, sale_id),
                               "create_date": datetime(2026, 11, 2, 8, 0), **fields}
        for n, line in enumerate(lines or [], start=1):
            line_id = sale_id * 100 + n
            self.lines[line_id] = {"id": line_id, "sale": sale_id, "type": "line",
                                   "sequence": n, **line}

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = loads(request.content)
        method, params = body["method"], body["params"]
        if method == "common.db.login":
            if params[1].get("password") != self.password:
                return httpx.Response(401)
            self.sessions.add("s1")
            return self._ok(body, [1, "s1", None])
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Session ") or base64.b64decode(auth[8:]).decode() not in {
                f"admin:1:{s}" for s in self.sessions}:
            return httpx.Response(401)
        self.calls.append(method)
        for i, (name, error) in enumerate(self.fail_next):
            if name == method:
                del self.fail_next[i]
                return httpx.Response(200, content=dumps({"id": body["id"], "error": error}))
        return self._ok(body, self._serve(method, params[:-1]))

    def _ok(self, body: dict[str, Any], result: Any) -> httpx.Response:
        return httpx.Response(200, content=dumps({"id": body["id"], "result": result}))

    def _serve(self, method: str, args: list[Any]) -> Any:
        if method == "model.res.user.get_preferences":
            return {"company": 1, "language": "en"}
        _, model_dot_method = method.split(".", 1)
        model, name = model_dot_method.rsplit(".", 1)
        table = {"sale.sale": self.sales, "sale.line": self.lines}.get(model)
        if model == "ir.note":
            return self._note(name, args)
        if model == "res.user.warning":
            return None
        if model == "stock.location":
            return [{"id": 7, "code": "WH2"}] if args[0][0][2] == "WH2" else []
        if model == "product.product":
            return [{"id": 31, "code": "WIDGET-B"}] if args[0][0][2] == "WIDGET-B" else []
        if model == "country.country":
            return [{"id": 2, "code": "US"}] if args[0][0][2] == "US" else []
        if model == "country.subdivision":
            return [{"id": 3, "code": args[0][0][2]}] if args[0][0][2] == "US-IL" else []
        if model == "party.address":
            self.addresses.extend(args[0])
            return [100 + len(self.addresses)]
        assert table is not None, method
        if name == "search_read":
            return [dict(r) for r in table.values() if _match(r, args[0])]
        if name == "search_count":
            return sum(1 for r in table.values() if _match(r, args[0]))
        if name == "write":
            for record_id in args[0]:
                table[record_id].update(args[1])
            return None
        if name == "process":
            for record_id in args[0]:
                sale = self.sales[record_id]
                if sale["state"] == "confirmed":
                    sale["state"] = "processing"
                    sale["shipments"] = [900 + record_id]
            return None
        allowed, target = TRANSITIONS[name]
        for record_id in args[0]:
            if self.sales[record_id]["state"] in allowed:
                self.sales[record_id]["state"] = target
        return None

    def _note(self, name: str, args: list[Any]) -> Any:
        if name == "create":
            self.notes.extend(args[0])
            return [len(self.notes)]
        return [{"id": i, "message": n["message"]} for i, n in enumerate(self.notes)
                if _match(n, args[0])]


def _match(record: dict[str, Any], domain: list[Any]) -> bool:
    for field, op, value in domain:
        have = record.get(field)
        if op == "=" and have != value:
            return False
        if op == "in" and have not in value:
            return False
    return True


def sale_row(sale_id: int = 1, **overrides: Any) -> dict[str, Any]:
    """A search_read row of a sale as the poller reads it."""
    row: dict[str, Any] = {
        "id": sale_id, "number": str(sale_id), "reference": "PO-77", "state": "confirmed",
        "sale_date": date(2026, 11, 2), "shipping_date": date(2026, 11, 9),
        "create_date": datetime(2026, 11, 2, 8, 30), "write_date": datetime(2026, 11, 2, 9, 0),
        "party.": {"id": 5, "code": "ACME", "name": "Acme Supply"},
        "warehouse.": {"id": 5, "code": "WH"}, "currency.": {"id": 1, "code": "USD"},
        "shipment_address.": {"id": 9, "party_name": None,
                              "street": "100 Main Street\nDock 4", "city": "Springfield",
                              "postal_code": "62701",
                              "subdivision.": {"id": 3, "code": "US-IL"},
                              "country.": {"id": 2, "code": "US"}}}
    row.update(overrides)
    return row


def line_row(line_id: int, *, sale: int = 1, code: str = "WIDGET", quantity: float = 10.0,
             price: str = "150", sequence: int | None = None, kind: str = "line"
             ) -> dict[str, Any]:
    return {"id": line_id, "sale": sale, "type": kind, "sequence": sequence,
            "product.": {"id": 3, "code": code} if kind == "line" else None,
            "quantity": quantity, "unit.": {"id": 1, "symbol": "u"},
            "unit_price": Decimal(price)}
