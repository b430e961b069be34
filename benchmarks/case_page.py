"""Server time of the case page on a simulated period: p50 / p95 / max over sampled cases.

    .venv/bin/python -m benchmarks.case_page --db sqlite:///week.db [--cases 200]

The database is one `ordex simulate` filled (the default week: 60,000 orders). Cases are
sampled across codes and states, the busiest orders' among them; each page is fetched once to
warm the process, then timed in the app (an ASGI wrapper around the application, so the
client's own time is not counted). Prints JSON; figures, never assertions (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ordex.adapters.db import tables as t
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.entrypoints.api.app import create_app


def sample(app: Any, n: int) -> list[str]:
    """Case ids: spread over codes and states, plus the cases of the orders with most cases."""
    c = t.cases.c
    with app.engine.connect() as conn:
        groups = conn.execute(select(c.code, c.state).group_by(c.code, c.state)).all()
        per = max(n // max(len(groups), 1), 1)
        ids = [r[0] for code, state in groups for r in conn.execute(
            select(c.case_id).where(c.code == code, c.state == state).limit(per))]
        busy = conn.execute(select(c.order_id).where(c.order_id.is_not(None))
                            .group_by(c.order_id).order_by(func.count().desc()).limit(5))
        ids += [r[0] for o in busy for r in conn.execute(
            select(c.case_id).where(c.order_id == o[0]))]
    return list(dict.fromkeys(ids))[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()
    app = bootstrap(Settings(database_url=args.db))
    app.migrate()  # a database an older ordex simulated is brought up to date first
    api = create_app(app)
    token = app.identity.create_token(f"bench-{time.time_ns()}", ("admin",), expires_at=None,
                                      now=app.clock(), by="bench")
    spent: list[float] = []
    inner = api.build_middleware_stack()

    async def timed(scope: Any, receive: Any, send: Any) -> None:
        start = time.perf_counter()
        await inner(scope, receive, send)
        if scope["type"] == "http":  # not the lifespan, which lasts the whole run
            spent.append((time.perf_counter() - start) * 1000)

    api.middleware_stack = timed  # type: ignore[assignment]
    ids = sample(app, args.cases)
    with TestClient(api, headers={"Authorization": f"Bearer {token}"}) as http:
        for case_id in ids[:5]:
            http.get(f"/ui/cases/{case_id}")
        spent.clear()
        for case_id in ids:
            assert http.get(f"/ui/cases/{case_id}").status_code == 200, case_id
    ordered = sorted(spent)
    slowest = sorted(zip(spent, ids, strict=True), reverse=True)[:3]
    print(json.dumps({"pages": len(ordered), "p50_ms": round(statistics.median(ordered), 1),
                      "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1),
                      "max_ms": round(ordered[-1], 1), "database": args.db.split(":")[0],
                      "slowest": [[case_id, round(ms, 1)] for ms, case_id in slowest]}))


if __name__ == "__main__":
    main()
