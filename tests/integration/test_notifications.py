"""Notification delivery on SQLite and PostgreSQL, against a real SMTP server (aiosmtpd) and
a real webhook receiver that fails on purpose and checks every signature."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from notify_kit import smtp_server, webhook_server
from ordex.adapters.db import subscriptions_repo as subs
from ordex.adapters.db import tables as t
from ordex.adapters.db.notifications_repo import SqlNotifications, delivery_stats
from ordex.bootstrap import App, bootstrap, notifier
from ordex.config import Settings
from ordex.domain.identity import User
from ordex.orchestrate.changes import Changes, Notification
from ordex.orchestrate.notify import route
from ordex.orchestrate.notify_delivery import deliver_notifications
from ordex.orchestrate.retry import RetryPolicy

NOW = datetime(2026, 3, 2, 10, 20, tzinfo=UTC)
SECRET = "whsec-test-0123456789"
FAST = RetryPolicy(base=timedelta(seconds=1), cap=timedelta(seconds=4), max_attempts=4,
                   jitter="full")


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    ordex = bootstrap(Settings(database_url=db_url), clock=lambda: NOW)
    ordex.migrate()
    for uid, roles in (("ana", ("credit_analyst",)), ("max", ("credit_manager",)),
                       ("kim", ("credit_manager",))):
        ordex.identity.add_user(User(uid, uid.title(), f"{uid}@example.com", roles),
                                password="password-123", now=NOW, by="test")
    yield ordex
    ordex.engine.dispose()


def notify(app: App, *notes: Notification) -> None:
    app.store.save(Changes(notifications=list(notes)))


def assigned(case_id: str, to: str = "ana", reason: str = "yours") -> Notification:
    return Notification(to, "case.assigned", case_id, NOW, {"by": "lead", "reason": reason,
                                                            "code": "CREDIT_LIMIT_EXCEEDED"},
                        "credit", "CUST-1", "SO-1")


def run(app: App, settings: Settings, *, at: datetime, worker: str = "w1") -> int:
    return deliver_notifications(SqlNotifications(app.engine), notifier(
        settings, clock=lambda: at, env={"HOOK_SECRET": SECRET}), worker=worker, now=at,
        limit=100, policy=FAST, rand=lambda: 1.0)


def states(app: App) -> dict[str, tuple[str, int]]:
    return {r["delivery_key"]: (r["state"], r["attempts"])
            for r in SqlNotifications(app.engine).deliveries()}


def test_email_reaches_the_smtp_server_once_after_it_was_down(app: App, tmp_path: Path,
                                                             db_url: str) -> None:
    from notify_kit import free_port
    port = free_port()
    settings = Settings(database_url=db_url, notify_smtp_host="127.0.0.1",
                        notify_smtp_port=port, notify_from="ordex@acme.example",
                        notify_smtp_timeout_seconds=5)
    notify(app, assigned("C-1", reason="<b>big</b> order"))
    run(app, settings, at=NOW)  # nothing listens yet: a transient failure
    assert states(app) == {"1:mailto:ana@example.com": ("pending", 1)}
    with smtp_server(tmp_path, port) as smtp:
        run(app, settings, at=NOW)  # not due again yet
        assert smtp.messages() == []
        for _ in range(2):
            run(app, settings, at=NOW + timedelta(seconds=5))
        [msg] = smtp.messages()
    assert msg["To"] == "ana@example.com" and msg["From"] == "ordex@acme.example"
    assert msg["Subject"] == "[ordex] Case C-1 assigned to you"
    assert msg["X-Ordex-Delivery-Key"] == "1:mailto:ana@example.com"
    text, html = (p.get_payload(decode=True).decode() for p in msg.get_payload())
    assert "<b>big</b> order" in text and "&lt;b&gt;big&lt;/b&gt; order" in html
    assert states(app) == {"1:mailto:ana@example.com": ("sent", 1)}


def test_approval_waiting_mails_each_role_holder_and_respects_opt_out(
        app: App, tmp_path: Path, db_url: str) -> None:
    subs.set_opt_out(app.engine, "kim", True)
    with smtp_server(tmp_path) as smtp:
        settings = Settings(database_url=db_url, notify_smtp_host="127.0.0.1",
                            notify_smtp_port=smtp.port)
        notify(app, Notification("role:credit_manager", "approval.waiting", "C-2", NOW, {
            "level": 1, "role": "credit_manager", "action": "RELEASE", "amount": "30000"},
            "credit"))
        run(app, settings, at=NOW)
        assert [m["To"] for m in smtp.messages()] == ["max@example.com"]
        assert "waits for your approval" in smtp.messages()[0].get_payload()[0].get_payload(
            decode=True).decode()
    with pytest.raises(subs.NotificationError, match="user"):
        subs.set_opt_out(app.engine, "nobody", True)


def test_webhook_is_signed_retried_and_accepted_once_per_event(app: App, tmp_path: Path,
                                                               db_url: str) -> None:
    with webhook_server(tmp_path, SECRET) as hook:
        for name, queue in (("credit", "credit"), ("gone", "pricing")):
            subs.add(app.engine, subs.new_subscription(
                event="case.assigned", to=f"{hook.url}/hook/{name}", queue=queue,
                secret_env="HOOK_SECRET"), now=NOW, by="test")
        hook.plan(credit=["500", "429:2", "drop", "ok"], gone=["410"])
        notify(app, assigned("C-1"), assigned("C-2"),
               Notification("nobody", "case.assigned", "C-3", NOW, {}, "pricing"))
        settings = Settings(database_url=db_url)  # no SMTP: personal e-mails wait
        at = NOW
        for _ in range(12):
            run(app, settings, at=at)
            at += timedelta(seconds=5)
        record = hook.record()
    hooks = {k: v for k, v in states(app).items() if "mailto" not in k}
    credit = [k for k in hooks if k.startswith(("1:", "2:"))]
    assert record["bad_signatures"] == 0
    # the dropped answer came after the receiver accepted: the resend carries the same id,
    # which is how the receiver drops it; every other event was accepted once
    assert sorted(record["accepted"][k] for k in credit) == [1, 2]
    assert sorted(record["requests"][k] for k in credit) == [2, 3]  # 500, 429, drop, ok, ok
    assert all(hooks[k][0] == "sent" for k in credit)
    gone = next(k for k in hooks if k.startswith("3:"))
    assert hooks[gone] == ("failed", 1) and gone not in record["accepted"]
    event = record["events"][credit[0]]
    assert event["specversion"] == "1.0" and event["type"] == "io.ordex.case.assigned"
    assert event["id"] == credit[0] and event["data"]["queue"] == "credit"


def test_dropped_answer_after_acceptance_is_resent_with_the_same_id(app: App, tmp_path: Path,
                                                                   db_url: str) -> None:
    with webhook_server(tmp_path, SECRET) as hook:
        subs.add(app.engine, subs.new_subscription(
            event="sla.at_risk", to=f"{hook.url}/hook/ops", secret_env="HOOK_SECRET"),
            now=NOW, by="test")
        hook.plan(ops=["drop", "ok"])
        notify(app, Notification("queue:credit", "escalation", "C-9", NOW, {
            "step": 0, "at_pct": 50, "sla_due_at": NOW.isoformat(), "state": "open",
            "queue": "credit"}, "credit"))
        for i in range(3):
            run(app, Settings(database_url=db_url), at=NOW + timedelta(seconds=5 * i))
        record = hook.record()
    [key] = states(app)
    assert record["requests"][key] == 2 and states(app)[key] == ("sent", 1)
    assert record["events"][key]["type"] == "io.ordex.sla.at_risk"


def test_without_a_secret_a_webhook_fails_for_good(app: App, db_url: str) -> None:
    subs.add(app.engine, subs.new_subscription(
        event="case.assigned", to="https://h.example/hook", secret_env="UNSET_SECRET_VAR"),
        now=NOW, by="test")
    notify(app, assigned("C-1", to="queue:credit"))
    run(app, Settings(database_url=db_url), at=NOW)
    [state] = states(app).values()
    assert state == ("failed", 1)
    with app.engine.connect() as conn:
        error = conn.execute(select(t.notification_deliveries.c.last_error)).scalar_one()
    assert "UNSET_SECRET_VAR" in error


def test_a_digest_due_while_no_worker_ran_sends_once(app: App, tmp_path: Path,
                                                     db_url: str) -> None:
    subs.add(app.engine, subs.new_subscription(
        event="sla.at_risk", to="mailto:credit-team@example.com", queue="credit",
        digest="hourly"), now=NOW, by="test")
    notify(app, *(Notification(None, "sla.at_risk", f"C-{i}", NOW, {"step": 0}, "credit")
                  for i in range(3)))
    with smtp_server(tmp_path) as smtp:
        settings = Settings(database_url=db_url, notify_smtp_host="127.0.0.1",
                            notify_smtp_port=smtp.port)
        run(app, settings, at=NOW)  # routed into the 10:00 digest; nothing sent yet
        assert smtp.messages() == []
        later = NOW + timedelta(hours=5)  # no worker ran at 11:00
        for worker in ("w1", "w2"):
            run(app, settings, at=later, worker=worker)
        [msg] = smtp.messages()
    body = msg.get_payload()[0].get_payload(decode=True).decode()
    assert all(f"C-{i}" in body for i in range(3)) and "3 sla.at_risk" in msg["Subject"]
    assert {s for s, _n in states(app).values()} == {"sent"}
    assert delivery_stats(app.engine)["deliveries"]["sla.at_risk"] == {"sent": 4}


def test_routing_twice_writes_each_delivery_once(app: App, db_url: str) -> None:
    subs.add(app.engine, subs.new_subscription(event="case.assigned",
                                               to="https://h.example/a"), now=NOW, by="t")
    notify(app, *(assigned(f"C-{i}") for i in range(20)))
    store = SqlNotifications(app.engine)
    routed: list[int] = []
    threads = [threading.Thread(target=lambda: routed.append(
        store.route_pending(route, limit=7, now=NOW))) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    while n := store.route_pending(route, limit=7, now=NOW):
        routed.append(n)
    assert sum(routed) == 20 and len(store.deliveries()) == 40
    with app.engine.begin() as conn:  # a row routed again (a crash before it was marked)
        conn.execute(update(t.notifications).values(state="pending"))
    store.route_pending(route, limit=100, now=NOW)
    assert len(store.deliveries()) == 40
    claimed: list[list[str]] = []
    workers = [threading.Thread(target=lambda w=w: claimed.append([
        c.notice.delivery_key for c in store.claim_deliveries(
            worker=w, limit=15, lease=timedelta(minutes=1), now=NOW)])) for w in ("a", "b")]
    for th in workers:
        th.start()
    for th in workers:
        th.join()
    keys = [k for batch in claimed for k in batch]
    assert len(keys) == len(set(keys)) == 30  # disjoint claims, each at most once


def test_migration_0019_matches_the_tables_and_downgrades(db_url: str) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ordex.adapters.db.dialect import make_engine
    from ordex.adapters.db.migrate import alembic_config, upgrade

    engine, cfg = make_engine(db_url), alembic_config()
    upgrade(engine)
    ours = {"notifications", "subscriptions", "notification_deliveries", "users"}
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, kind, *_: (
                name in ours if kind == "table" else obj.table.name in ours)}), t.metadata)
    assert drift == [], "migration 0019 and tables.py disagree"
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
    with engine.connect() as conn:
        assert not engine.dialect.has_table(conn, "subscriptions")
    upgrade(engine)
    with engine.connect() as conn:
        assert engine.dialect.has_table(conn, "notification_deliveries")
    engine.dispose()


def test_ordex_worker_delivers_notifications_in_its_round(app: App, tmp_path: Path,
                                                         db_url: str) -> None:
    from ordex.entrypoints.worker import main as worker_main

    notify(app, assigned("C-5"))
    with smtp_server(tmp_path) as smtp:
        settings = Settings(database_url=db_url, notify_smtp_host="127.0.0.1",
                            notify_smtp_port=smtp.port)
        assert worker_main(settings, worker_id="w-test", once=True, clock=lambda: NOW) == 0
        assert [m["Subject"] for m in smtp.messages()] == ["[ordex] Case C-5 assigned to you"]
    assert states(app) == {"1:mailto:ana@example.com": ("sent", 0)}


def test_the_api_reports_notification_stats_to_a_viewer_only_signed_in(app: App) -> None:
    import httpx

    from auth_kit import authed
    from live_server import serving

    notify(app, assigned("C-1"))
    SqlNotifications(app.engine).route_pending(route, limit=10, now=NOW)
    with serving(app) as url:
        assert httpx.get(f"{url}/notifications/stats").status_code == 401
        with authed(url, role="viewer") as viewer:
            stats = viewer.get("/notifications/stats").json()
    assert stats == {"notifications": {"routed": 1},
                     "deliveries": {"case.assigned": {"pending": 1}}}


def test_starttls_is_used_when_configured_and_the_server_requires_it(
        app: App, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from notify_kit import self_signed

    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the test's own CA, for this process
    notify(app, assigned("C-6"))
    with smtp_server(tmp_path, tls=(cert, key)) as smtp:
        plain = Settings(database_url=db_url, notify_smtp_host="127.0.0.1",
                         notify_smtp_port=smtp.port)
        run(app, plain, at=NOW)  # the server refuses mail before STARTTLS
        assert smtp.messages() == []
        [(state, attempts)] = states(app).values()
        assert (state, attempts) == ("pending", 1)
        tls = plain.model_copy(update={"notify_smtp_starttls": True})
        run(app, tls, at=NOW + timedelta(seconds=5))
        [msg] = smtp.messages()
    assert msg["Subject"] == "[ordex] Case C-6 assigned to you"
    assert list(states(app).values()) == [("sent", 1)]


def test_one_mailer_keeps_its_connection_and_reconnects_after_a_server_restart(
        tmp_path: Path) -> None:
    from notify_kit import free_port
    from ordex.adapters.notify.smtp import SmtpConfig, SmtpNotifier
    from ordex.orchestrate.notify import Event, Notice

    port, event = free_port(), Event(1, "case.assigned", NOW, {}, "ana", "C-1", "credit")
    mailer = SmtpNotifier(SmtpConfig("127.0.0.1", port, timeout=5))
    for run_no in range(2):  # the second server is a new process on the same port
        (tmp_path / str(run_no)).mkdir()
        with smtp_server(tmp_path / str(run_no), port) as smtp:
            for i in range(2):
                notice = Notice(f"{run_no}{i}:mailto:a@b.com", "case.assigned",
                                "mailto:a@b.com", (event,))
                assert mailer.send(notice) is None
            assert len(smtp.messages()) == 2
    mailer.close()
