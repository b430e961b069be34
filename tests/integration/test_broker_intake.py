"""Orders published to NATS JetStream reach cases: `ordex consume` stores and queues them,
`ordex worker` judges them; a message the broker delivers twice is judged once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from feed import feed
from nats_support import MakeBroker, _publish
from ordex.adapters.db import tables as t
from ordex.bootstrap import bootstrap
from ordex.config import Settings


def _ordex(*args: str, env: dict[str, str]) -> dict[str, object]:
    run = subprocess.run([sys.executable, "-m", "ordex", *args],
                         env={**os.environ, **env}, capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    return json.loads(run.stdout) if run.stdout.strip() else {}


def test_published_orders_become_judged_orders_once_each(
        make_broker: MakeBroker, tmp_path: Path) -> None:
    config = make_broker(ack_wait=5.0)
    url = f"sqlite:///{tmp_path / 'broker.db'}"
    app = bootstrap(Settings(database_url=url))
    app.migrate()
    data = feed(120, seed=7)
    app.save_reference(data.ref)
    ids = [f"order-{n}" for n in range(len(data.bodies))]
    _publish(config, [*data.bodies, b'{"order_id": "broken", "lines": ['], [*ids, None])
    _publish(config, data.bodies[:10], ids[:10])  # a resend inside the broker's window
    _publish(config, data.bodies[10:15], None)  # the same orders again, without a message id
    env = {"ORDEX_BROKER_URL": config.url, "ORDEX_BROKER_STREAM": config.stream,
           "ORDEX_BROKER_SUBJECT": config.subject, "ORDEX_BROKER_CONSUMER": config.consumer}
    consumed = _ordex("consume", "--db", url, "--drain", "--batch", "50", "--format", "json",
                      env=env)
    _ordex("worker", "--db", url, "--once", env=env)
    with app.engine.connect() as conn:
        orders = conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
        raws = conn.execute(select(func.count()).select_from(t.raw_payloads)).scalar_one()
        failed = conn.execute(select(t.cases.c.case_id).where(
            t.cases.c.code == "INTEGRATION_FAILURE")).scalars().all()
        left = conn.execute(select(func.count()).select_from(t.work_items).where(
            t.work_items.c.kind == "intake", t.work_items.c.state != "done")).scalar_one()
    assert consumed["acknowledged"] == 126  # 120 + the broken one + 5 resent without an id
    assert orders == 120 and left == 0
    assert raws == 121  # identical bytes are stored once
    assert len(failed) == 1  # the unreadable payload is stored raw and becomes a case
    app.engine.dispose()
