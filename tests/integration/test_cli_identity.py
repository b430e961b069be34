"""`ordex user`, `ordex token`, `ordex demo-users` and the secret check of `ordex serve`, as a
user runs them: real processes, exit codes, one-line errors, a token printed once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ORDEX = [sys.executable, "-m", "ordex"]


def ordex(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "ORDEX_POLICY_FILE")}
    return subprocess.run([*ORDEX, *args], capture_output=True, text=True, timeout=120,
                          env={**keep, "HOME": "/tmp", **env})


def test_serve_refuses_a_missing_default_or_short_secret_with_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    for env in ({}, {"ORDEX_SECRET_KEY": "change-me"}, {"ORDEX_SECRET_KEY": "short"}):
        run = ordex("serve", "--db", db, "--port", "1", **env)
        assert run.returncode != 0
        assert len(run.stderr.strip().splitlines()) == 1 and "ORDEX_SECRET_KEY" in run.stderr


def test_a_token_is_printed_once_listed_without_its_secret_and_revoked(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    made = ordex("token", "create", "--name", "acme-edi", "--scope", "ingest", "--expires-in",
                 "90d", "--db", db)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("odx_") and len(secret) == 47
    listed = ordex("token", "list", "--format", "json", "--db", db)
    [row] = json.loads(listed.stdout)
    assert row["name"] == "acme-edi" and row["scopes"] == ["ingest"] and row["expires_at"]
    assert secret not in listed.stdout and row["revoked_at"] is None
    assert ordex("token", "revoke", "acme-edi", "--db", db).returncode == 0
    assert json.loads(ordex("token", "list", "--format", "json", "--db", db).stdout
                      )[0]["revoked_at"]
    again = ordex("token", "revoke", "acme-edi", "--db", db)
    assert again.returncode != 0 and "no unrevoked token named acme-edi" in again.stderr
    for bad, said in ((["--scope", "root"], "unknown role 'root'"),
                      (["--scope", "viewer", "--expires-in", "soon"], "--expires-in")):
        run = ordex("token", "create", "--name", "x", *bad, "--db", db)
        assert run.returncode != 0 and said in run.stderr


def test_users_are_added_listed_and_disabled_with_clear_errors(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    add = ["user", "add", "ann", "--name", "Ann Lee", "--email", "ann@example.com", "--roles",
           "credit_analyst", "--queues", "credit", "--regions", "midwest", "--time-zone",
           "America/Chicago", "--hours", "mon,tue 07:00-15:30", "--db", db]
    assert ordex(*add, ORDEX_PASSWORD="ann-password").returncode == 0
    [ann] = json.loads(ordex("user", "list", "--format", "json", "--db", db).stdout)
    assert ann["roles"] == ["credit_analyst"] and ann["time_zone"] == "America/Chicago"
    assert ann["working_hours"] == "mon,tue 07:00-15:30" and ann["active"] is True
    twice = ordex(*add, ORDEX_PASSWORD="ann-password")
    assert twice.returncode != 0 and "already exists" in twice.stderr
    zone = ordex(*add[:-4], "--time-zone", "Chicago", "--db", db, ORDEX_PASSWORD="x" * 9)
    assert zone.returncode != 0 and "IANA" in zone.stderr
    assert ordex("user", "disable", "ann", "--db", db).returncode == 0
    assert json.loads(ordex("user", "list", "--format", "json", "--db", db).stdout
                      )[0]["active"] is False
    assert "no user bob" in ordex("user", "disable", "bob", "--db", db).stderr


def test_demo_users_exist_only_in_demo_mode_one_per_role(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    refused = ordex("demo-users", "--db", db)
    assert refused.returncode != 0 and "demo mode" in refused.stderr
    made = ordex("demo-users", "--db", db, ORDEX_DEMO="true")
    assert made.returncode == 0, made.stderr
    assert "credit-analyst" in made.stdout and "demo-credit_analyst" in made.stdout
    users = json.loads(ordex("user", "list", "--format", "json", "--db", db).stdout)
    assert len(users) == 9 and {u["roles"][0] for u in users} >= {"viewer", "admin"}
    assert ordex("demo-users", "--db", db, ORDEX_DEMO="true").returncode == 0  # idempotent
