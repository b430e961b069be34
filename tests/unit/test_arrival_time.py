"""An order's arrival time comes from the order, never from the clock of a dry run."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordex import bootstrap
from ordex.domain.errors import InvalidPayloadError
from ordex.entrypoints.files import check_orders
from ordex.sense.orders import validate_order

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "examples" / "reference"


def example(**changes: object) -> dict:
    first = json.loads((ROOT / "examples" / "orders.ndjson").read_text().splitlines()[0])
    return {**first, "ship_via": "UPSN-2DA", **changes}  # UPSN-2DA: same-day cutoff 15:00


def check_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: datetime,
             *orders: dict) -> list[dict]:
    monkeypatch.setattr(bootstrap, "utcnow", lambda: clock)
    path = tmp_path / "orders.ndjson"
    path.write_text("".join(json.dumps(o) + "\n" for o in orders))
    return check_orders(path, REFERENCE)


def codes(report: list[dict]) -> list[set[str]]:
    return [{f["code"] for f in entry["findings"]} for entry in report]


def test_order_placed_yesterday_for_today_is_not_judged_by_tonights_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o = example(order_date="2026-11-23", requested_ship_date="2026-11-24")
    late_evening = check_at(tmp_path, monkeypatch, datetime(2026, 11, 24, 23, tzinfo=UTC), o)
    morning = check_at(tmp_path, monkeypatch, datetime(2026, 11, 24, 8, tzinfo=UTC), o)
    assert "SHIPMENT_CONSTRAINT" not in codes(late_evening)[0]
    assert late_evening == morning


def test_the_same_file_gives_the_same_findings_at_any_hour(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    same_day = example(order_date="2026-11-24", requested_ship_date="2026-11-24")
    runs = [check_at(tmp_path, monkeypatch, datetime(2026, 11, 24, h, tzinfo=UTC), same_day)
            for h in (0, 8, 16, 23)]
    assert all(r == runs[0] for r in runs)


def test_received_at_after_the_cutoff_on_the_ship_date_is_a_finding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    late = example(order_date="2026-11-24", requested_ship_date="2026-11-24",
                   received_at="2026-11-24T10:30:00-05:00")  # 15:30 UTC, after 15:00
    early = {**late, "order_id": "EX-E", "customer_po": "P-E",
             "received_at": "2026-11-24T09:59:00-05:00"}
    report = check_at(tmp_path, monkeypatch, datetime(2030, 1, 1, tzinfo=UTC), late, early)
    [shipment] = [f for f in report[0]["findings"] if f["code"] == "SHIPMENT_CONSTRAINT"]
    assert "15:30 UTC" in shipment["reason"]
    assert "SHIPMENT_CONSTRAINT" not in codes(report)[1]


def test_received_at_is_read_as_utc_and_must_carry_an_offset() -> None:
    order = validate_order(example(received_at="2026-11-24T10:30:00-05:00"), channel="api")
    assert order.received_at == datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    with pytest.raises(InvalidPayloadError) as err:
        validate_order(example(received_at="2026-11-24T10:30:00"), channel="api")
    assert err.value.errors[0]["field"] == "received_at"
    assert validate_order(example(), channel="api").received_at is None
