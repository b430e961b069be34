"""`ordex subscribe` as a user runs it: real processes, JSON on stdout, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ORDEX = [sys.executable, "-m", "ordex"]


def ordex(*args: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "ORDEX_POLICY_FILE")}
    return subprocess.run([*ORDEX, *args], capture_output=True, text=True, timeout=120,
                          env={**keep, "HOME": "/tmp"})


def test_subscriptions_are_added_listed_and_removed(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    made = ordex("subscribe", "add", "--event", "order.changed", "--customer", "C-ACME",
                 "--to", "https://acme.example/hooks", "--secret-env", "ACME_SECRET",
                 "--db", db, "--format", "json")
    assert made.returncode == 0, made.stderr
    sub = json.loads(made.stdout)
    assert sub["event"] == "order.changed" and sub["customer"] == "C-ACME"
    digest = ordex("subscribe", "add", "--event", "sla.at_risk", "--queue", "credit", "--to",
                   "mailto:credit-team@acme.example", "--digest", "daily", "--db", db)
    assert digest.returncode == 0 and digest.stdout.startswith("subscription sub-")
    listed = json.loads(ordex("subscribe", "list", "--db", db, "--format", "json").stdout)
    assert [(r["event"], r["queue"], r["customer"], r["digest"], r["secret_env"])
            for r in listed] == [("order.changed", None, "C-ACME", None, "ACME_SECRET"),
                                 ("sla.at_risk", "credit", None, "daily", None)]
    assert ordex("subscribe", "remove", sub["subscription_id"], "--db", db).returncode == 0
    listed = json.loads(ordex("subscribe", "list", "--db", db, "--format", "json").stdout)
    assert [r["event"] for r in listed] == ["sla.at_risk"]
    again = ordex("subscribe", "remove", sub["subscription_id"], "--db", db)
    assert again.returncode == 2 and "no subscription" in again.stderr


def test_bad_subscription_input_is_one_line_naming_the_option(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    for args, word in ((["--event", "case.closed", "--to", "mailto:a@b.com"], "event:"),
                       (["--event", "case.assigned", "--to", "a@b.com"], "to:"),
                       (["--event", "case.assigned", "--to", "mailto:a@b.com", "--digest",
                         "weekly"], "digest:"),
                       (["--event", "case.assigned", "--to", "mailto:a@b.com",
                         "--secret-env", "X"], "secret-env:")):
        run = ordex("subscribe", "add", *args, "--db", db)
        assert run.returncode == 2 and run.stdout == ""
        assert len(run.stderr.strip().splitlines()) == 1 and word in run.stderr
    off = ordex("subscribe", "personal", "ghost", "--off", "--db", db)
    assert off.returncode == 2 and "no user 'ghost'" in off.stderr
    stats = json.loads(ordex("subscribe", "stats", "--db", db, "--format", "json").stdout)
    assert stats == {"notifications": {}, "deliveries": {}}
