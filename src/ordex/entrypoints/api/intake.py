"""The HTTP answer to POST /orders: one result, or one per order of a batch."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from ordex.orchestrate.intake import Outcome
from ordex.sense.safe_text import printable

UNREAD = {"field": "(body)", "reason": "the order could not be read"}


def orders_answer(body: bytes, outcomes: list[Outcome]) -> JSONResponse:
    """201 created, 200 all replayed, 422 (an ErrorBody with the results) if any was rejected."""
    results = [{**o.result, "replayed": o.replayed} for o in outcomes]
    rejected = [o for o in outcomes if o.rejected]
    status = 422 if rejected else (200 if all(o.replayed for o in outcomes) else 201)
    single = len(results) == 1 and not body.lstrip().startswith((b"[", b'{"orders"'))
    payload: dict[str, Any] = results[0] if single else {"results": results}
    if rejected:
        detail = [{"field": printable(str(e["field"])), "reason": printable(str(e["reason"]))}
                  for o in rejected for e in o.result["errors"] or [UNREAD]]
        first = f"{detail[0]['field']}: {detail[0]['reason']}"
        message = first if single else (f"{len(rejected)} of {len(outcomes)} orders rejected; "
                                        f"{first}")
        payload = {**payload, "detail": detail, "message": message}
    return JSONResponse(payload, status_code=status)
