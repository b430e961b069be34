"""The promise date of REVISE_PROMISE (CLI `ordex resolve --promise-date`) is YYYY-MM-DD only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ordex.domain.errors import ActionParameterError
from ordex.orchestrate.resolution_params import promise_date
from ordex.sense.orders import validate_order

ROOT = Path(__file__).resolve().parents[2]
ORDER = validate_order(json.loads((ROOT / "examples" / "orders.ndjson").read_text()
                                  .splitlines()[0]), channel="api")
NONE: Any = None


@pytest.mark.parametrize("value", ["20261205", "2026-W49-2", "2026-12-05T00:00:00", "1796083200"])
def test_a_promise_date_not_written_yyyy_mm_dd_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(ActionParameterError) as caught:
        promise_date(NONE, ORDER, NONE, value)
    assert caught.value.details["field"] == "promise_date"


def test_a_yyyy_mm_dd_promise_date_is_taken() -> None:
    assert promise_date(NONE, ORDER, NONE, "2026-12-31") == {"promise_date": "2026-12-31"}
