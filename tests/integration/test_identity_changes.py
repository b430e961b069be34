"""Changing a user in the database (SQLite and PostgreSQL): only what changed is written and
audited, a taken e-mail is refused naming `email`, sign-ins are remembered per user, and the
audit chain stays whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ordex.adapters.db.audit_repo import history, verify
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.identity_repo import SqlIdentity
from ordex.adapters.db.migrate import upgrade
from ordex.domain.errors import InvalidUserError, UnknownUserError
from ordex.domain.identity import Skills, User, WorkingHours

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
ANN = User("ann", "Ann Lee", "ann@example.com", ("credit_analyst",), ("credit",),
           Skills(("PAST_DUE_HOLD",), ("gold",), ()), "America/Chicago",
           WorkingHours.parse("mon,tue 07:00-15:30"), 25)


def test_a_change_writes_and_audits_only_the_changed_fields(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    people = SqlIdentity(engine)
    people.add_user(ANN, password=None, now=NOW, by="boss")
    people.add_user(replace(ANN, user_id="bob", email="bob@example.com"), password=None,
                    now=NOW, by="boss")
    assert people.change_user(ANN, now=NOW, by="boss") == []  # the same details: nothing
    moved = replace(ANN, roles=("credit_manager", "viewer"), skills=Skills(("PAST_DUE_HOLD",),
                    ("gold", "silver"), ("midwest",)), capacity=30)
    assert people.change_user(moved, now=NOW, by="boss") == ["roles", "skills", "capacity"]
    assert people.user("ann") == moved
    with pytest.raises(InvalidUserError) as taken:
        people.change_user(replace(moved, email="BOB@example.com"), now=NOW, by="boss")
    assert taken.value.details["field"] == "email"
    assert people.user("ann").email == "ann@example.com"
    with pytest.raises(UnknownUserError):
        people.change_user(replace(ANN, user_id="zed"), now=NOW, by="boss")
    trail = [(e["actor"], e["action"], e["reason"]) for e in history(engine, "people")]
    changed = [e for e in trail if e[1] == "UserChanged"]
    assert len(changed) == 1 and changed[0][0] == "boss"
    assert "roles_before=['credit_analyst']" in changed[0][2] and "capacity=30" in changed[0][2]
    assert "time_zone" not in changed[0][2]
    assert verify(engine).broken is None
    engine.dispose()


def test_the_last_sign_in_of_each_user_is_remembered(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    people = SqlIdentity(engine)
    assert people.last_sign_ins() == {}
    for minutes, who in ((0, "ann"), (5, "bob"), (9, "ann")):
        people.signed_in(who, now=NOW + timedelta(minutes=minutes))
    assert people.last_sign_ins() == {"ann": NOW + timedelta(minutes=9),
                                      "bob": NOW + timedelta(minutes=5)}
    assert verify(engine).broken is None
    engine.dispose()
