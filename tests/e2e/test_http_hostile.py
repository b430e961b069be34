"""Hostile and odd input over real HTTP (SQLite and PostgreSQL): a 4xx naming the field, never
a 500, and the raw bytes kept; filters that are supported or refused, never ignored."""

from __future__ import annotations

import json
import select as io_select
import socket
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from auth_kit import authed, raw_header
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import normalize_url

ROOT = Path(__file__).resolve().parents[2]
ORDERS = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()


def raw_bodies(db_url: str) -> list[bytes]:
    engine = create_engine(normalize_url(db_url))
    with engine.connect() as conn:
        bodies = [bytes(r[0]) for r in conn.execute(select(t.raw_payloads.c.body))]
    engine.dispose()
    return bodies


def integration_cases(db_url: str) -> int:
    engine = create_engine(normalize_url(db_url))
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(t.cases).where(
            t.cases.c.code == "INTEGRATION_FAILURE")).scalar_one()
    engine.dispose()
    return int(n)


def assert_error_body(response: httpx.Response, status: int, field: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["detail"] and all(set(d) == {"field", "reason"} for d in body["detail"])
    assert body["detail"][0]["field"] == field and f"{field}: " in body["message"]
    return body


@pytest.mark.parametrize("text", ["\u0000", "\ud800", "\x1b[2J"])
def test_unstorable_text_in_an_order_is_a_422_naming_the_field_and_the_bytes_are_kept(
        base_url: str, db_url: str, text: str) -> None:
    order = json.loads(ORDERS[0])
    order["ship_to"]["city"] = f"Chi{text}cago"
    body = json.dumps(order).encode()  # ASCII JSON with the \\u escape, as a client sends it
    with authed(base_url, timeout=30) as http:
        answer = assert_error_body(http.post("/orders", content=body), 422, "ship_to.city")
        assert "position 3" in answer["detail"][0]["reason"]
        case = http.get(f"/cases/{answer['cases'][0]}").json()
        assert case["code"] == "INTEGRATION_FAILURE"
    assert body in raw_bodies(db_url)


def test_unstorable_text_in_an_order_id_and_in_a_batch_is_refused_per_item(
        base_url: str, db_url: str) -> None:
    bad = json.loads(ORDERS[0])
    bad["order_id"] = "EX-\ud800"
    batch = json.dumps([json.loads(ORDERS[1]), bad]).encode()
    with authed(base_url, timeout=30) as http:
        answer = assert_error_body(http.post("/orders", content=batch), 422, "[1].order_id")
        assert [r["status"] for r in answer["results"]] == ["held", "rejected"]
        assert answer["results"][1]["order_id"] == "EX-\\ud800"
    assert batch in raw_bodies(db_url)


def test_json_nested_100000_deep_is_a_422_and_kept_raw(base_url: str, db_url: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with authed(base_url, timeout=60) as http:
        answer = assert_error_body(http.post("/orders", content=deep), 422, "(body)")
        assert "nested too deeply" in answer["message"]
        event = http.post("/events/payments", content=deep,
                          headers={"content-type": "application/json"})
        assert_error_body(event, 422, "(body)")
    assert deep in raw_bodies(db_url)


def test_unstorable_text_in_paths_queries_and_event_bodies_is_a_422(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        assert_error_body(http.get("/orders/EX%00"), 422, "path.order_id")
        assert_error_body(http.get("/cases", params={"customer": "AC\x00ME"}), 422,
                          "query.customer")
        take = http.post("/cases/X:Y/take", content=b'{"reason": "ann\\u0000"}',
                         headers={"content-type": "application/json"})
        assert_error_body(take, 422, "reason")
        payment = http.post("/events/payments", content=b'{"customer_id": "\\udfff", '
                            b'"amount": "1"}', headers={"content-type": "application/json"})
        assert_error_body(payment, 422, "customer_id")


def test_huge_offset_and_limit_are_422_not_500(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        assert_error_body(http.get("/cases", params={"offset": 10**30}), 422, "query.offset")
        assert_error_body(http.get("/cases", params={"offset": -1}), 422, "query.offset")
        assert_error_body(http.get("/edi/documents", params={"limit": 10**20}), 422,
                          "query.limit")
        assert http.get("/cases", params={"offset": 10_000_000}).json() == []


def test_idempotency_key_reused_with_another_body_is_a_422_and_stores_no_order(
        base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        assert http.post("/orders", content=ORDERS[0],
                         headers={"Idempotency-Key": "K-7"}).status_code == 201
        other = http.post("/orders", content=ORDERS[1], headers={"Idempotency-Key": "K-7"})
        answer = assert_error_body(other, 422, "Idempotency-Key")
        assert "different order" in answer["message"]
        assert http.get("/orders/EX-1002").status_code == 404
        same = http.post("/orders", content=ORDERS[0], headers={"Idempotency-Key": "K-7"})
        assert same.status_code == 200 and same.json()["replayed"] is True


def test_retried_post_with_a_rejected_item_opens_its_case_once(base_url: str,
                                                              db_url: str) -> None:
    bad = json.loads(ORDERS[0])
    bad["order_id"], bad["lines"][0]["quantity"] = "EX-BAD", -1
    batch = json.dumps([json.loads(ORDERS[1]), bad]).encode()
    with authed(base_url, timeout=30) as http:
        first = http.post("/orders", content=batch)
        for _ in range(4):
            again = http.post("/orders", content=batch)
        assert first.status_code == again.status_code == 422
        assert again.json()["results"][1]["cases"] == first.json()["results"][1]["cases"]
        assert again.json()["results"][0]["replayed"] is True
    assert integration_cases(db_url) == 1 and raw_bodies(db_url) == [batch]


def test_cases_filter_by_customer_code_queue_state_and_order(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        for line in ORDERS:
            http.post("/orders", content=line)
        every = http.get("/cases").json()
        assert len({c["customer_id"] for c in every}) > 1
        for name, column, value in [("customer", "customer_id", every[0]["customer_id"]),
                                    ("code", "code", "PRICE_MISMATCH"),
                                    ("queue", "queue", "planning"),
                                    ("order", "order_id", "EX-1002")]:
            found = http.get("/cases", params={name: value}).json()
            assert found and all(c[column] == value for c in found), name
            assert len(found) < len(every), name
        assert http.get("/cases", params={"state": "resolved"}).json() == []
        both = http.get("/cases", params={"order": "EX-1002", "code": "PRICE_MISMATCH"})
        assert [c["case_id"] for c in both.json()] == ["EX-1002:PRICE_MISMATCH"]
        case_id = every[0]["case_id"]
        http.post(f"/cases/{case_id}/resolve", json={"action": "ESCALATE"})
        resolved = http.post(f"/cases/{both.json()[0]['case_id']}/resolve",
                             json={"action": "ACCEPT_PRICE"})
        assert resolved.status_code == 200, resolved.text
        everything = http.get("/cases", params={"state": "all"}).json()
        assert {c["state"] for c in everything} >= {"open", "in_progress", "resolved"}
        assert len(everything) == len(every)  # active before = all now: nothing lost


@pytest.mark.parametrize(("path", "param"), [("/cases", "customer_id"), ("/cases", "sort"),
                                             ("/edi/documents", "customer"),
                                             ("/kpis", "queue")])
def test_an_unknown_query_parameter_is_a_422_naming_it(base_url: str, path: str,
                                                      param: str) -> None:
    with authed(base_url, timeout=30) as http:
        answer = assert_error_body(http.get(path, params={param: "x"}), 422, f"query.{param}")
        assert "unknown query parameter" in answer["message"]


def test_a_chunked_body_over_the_limit_is_refused_before_it_is_read(base_url: str) -> None:
    """The server stops reading: a client streaming up to 2 GiB gets its 413 after a few MB."""
    host, port = base_url.removeprefix("http://").split(":")
    frame = b"%x\r\n%s\r\n" % (65_536, b"x" * 65_536)
    sent, pending, reply = 0, b"", b""
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"POST /orders HTTP/1.1\r\nHost: x\r\n" + raw_header(base_url) +
                     b"Transfer-Encoding: chunked\r\n\r\n")
        while b"}" not in reply:
            writing = [sock] if sent < 2 * 1024**3 and b"\r\n\r\n" not in reply else []
            readable, writable, _ = io_select.select([sock], writing, [], 10)
            assert readable or writable, "the server neither answered nor read"
            if readable:
                data = sock.recv(65_536)
                assert data, f"closed without an answer after {sent} bytes"
                reply += data
            elif writable:
                try:
                    n = sock.send(pending or frame)
                except (BrokenPipeError, ConnectionResetError):
                    break
                pending = (pending or frame)[n:]
                sent += n
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    body = json.loads(reply.split(b"\r\n\r\n", 1)[1])
    assert body["detail"][0]["field"] == "(body)" and "20971520 bytes" in body["message"]
    assert sent < 20 * 1024**2 + 64 * 1024**2  # the limit plus what socket buffers hold


def test_numbers_larger_than_the_database_keeps_are_a_422_naming_the_field(
        base_url: str) -> None:
    order = json.loads(ORDERS[0])
    order["lines"][0]["quantity"] = "1000000000000000"
    pricey = json.loads(ORDERS[0])
    pricey["lines"][0]["quantity"], pricey["lines"][0]["unit_price"] = "900000", "9000000"
    with authed(base_url, timeout=30) as http:
        assert_error_body(http.post("/orders", content=json.dumps(order)), 422,
                          "lines.0.quantity")
        assert_error_body(http.post("/orders", content=json.dumps(pricey)), 422, "lines.0")
        receipt = http.post("/events/stock-receipts", json={
            "item_id": "VALVE-100", "warehouse_id": "CHI", "quantity": 1.25e308})
        assert_error_body(receipt, 422, "quantity")
