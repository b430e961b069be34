"""Administering people (orchestrate/people.py) on a fake store: every bad field named at once,
passwords and tokens checked before anything is stored; `offers` follows `may`; the README's
demo users are the shipped roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ordex.domain.errors import InvalidUserError
from ordex.domain.identity import Principal, User
from ordex.domain.permissions import DEFAULT_ROLES, role_book
from ordex.entrypoints.cli_identity import DEMO_PASSWORD
from ordex.entrypoints.web.offers import offers
from ordex.orchestrate import people

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ROLES = role_book()
KNOWN = frozenset(ROLES) | {"ingest"}
ANN = {"user_id": "ann", "name": "Ann Lee", "email": "ann@example.com",
       "roles": "credit_analyst, viewer", "queues": "credit", "skill_codes": "PAST_DUE_HOLD",
       "segments": "gold", "regions": "", "time_zone": "America/Chicago",
       "hours": "mon,tue 07:00-15:30", "capacity": "25"}


class FakePeople:
    """Users and tokens in dictionaries."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.tokens: dict[str, tuple[tuple[str, ...], datetime | None]] = {}
        self.log: list[tuple[str, str, str]] = []

    def add_user(self, user: User, *, password: str | None, now: datetime, by: str) -> None:
        self.users[user.user_id] = user
        self.log.append(("UserAdded", user.user_id, by))

    def user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def change_user(self, user: User, *, now: datetime, by: str) -> list[str]:
        old = self.users[user.user_id]
        self.users[user.user_id] = user
        self.log.append(("UserChanged", user.user_id, by))
        return [f for f in ("roles", "time_zone") if getattr(old, f) != getattr(user, f)]

    def set_active(self, user_id: str, active: bool, *, now: datetime, by: str) -> None:
        raise AssertionError("not used here")

    def create_token(self, name: str, scopes: tuple[str, ...], *, expires_at: datetime | None,
                     now: datetime, by: str) -> str:
        self.tokens[name] = (scopes, expires_at)
        return "odx_secret"

    def revoke_token(self, name: str, *, now: datetime, by: str) -> None:
        self.tokens.pop(name)


def test_a_user_is_made_of_its_text_fields() -> None:
    ann = people.user_of(fields=ANN, known_roles=KNOWN)
    assert ann.roles == ("credit_analyst", "viewer") and ann.queues == ("credit",)
    assert ann.skills.codes == ("PAST_DUE_HOLD",) and ann.skills.regions == ()
    assert ann.capacity == 25 and str(ann.working_hours) == "mon,tue 07:00-15:30"
    assert people.user_of(fields=people.fields_of(ann), known_roles=KNOWN) == ann


def test_every_bad_field_is_named_at_once_the_first_in_the_message() -> None:
    bad = {**ANN, "user_id": "Ann!", "email": "ann", "roles": "root", "queues": "sales",
           "skill_codes": "LATE", "time_zone": "CET+1", "hours": "9-5", "capacity": "-1",
           "name": " "}
    with pytest.raises(InvalidUserError) as caught:
        people.user_of(fields=bad, known_roles=KNOWN)
    named = [e["field"] for e in caught.value.details["errors"]]
    assert named == ["user_id", "name", "email", "roles", "queues", "skill_codes",
                     "time_zone", "hours", "capacity"]
    assert caught.value.message.startswith("user_id: ")
    assert "unknown role 'root'" in str(caught.value.details["errors"][3]["reason"])


def test_no_role_at_all_is_refused_naming_roles() -> None:
    with pytest.raises(InvalidUserError, match="roles: at least one role"):
        people.user_of(fields={**ANN, "roles": " , "}, known_roles=KNOWN)


def test_a_short_password_stores_nothing() -> None:
    store = FakePeople()
    user = people.user_of(fields=ANN, known_roles=KNOWN)
    with pytest.raises(InvalidUserError, match="password: at least 8"):
        people.add_user(people=store, user=user, password="seven77", now=NOW, by="boss")
    assert store.users == {}
    people.add_user(people=store, user=user, password="eight888", now=NOW, by="boss")
    assert store.log == [("UserAdded", "ann", "boss")]


def test_a_change_keeps_the_id_and_whether_active_and_names_the_actor() -> None:
    store = FakePeople()
    store.users["ann"] = User("ann", "Ann", "ann@example.com", ("viewer",), active=False)
    changed = people.change_user(people=store, user_id="ann",
                                 fields={**ANN, "user_id": "someone-else"}, known_roles=KNOWN,
                                 now=NOW, by="boss")
    assert changed == ["roles", "time_zone"]
    assert store.users["ann"].active is False and "someone-else" not in store.users
    assert store.log == [("UserChanged", "ann", "boss")]
    with pytest.raises(InvalidUserError, match="no user bob"):
        people.change_user(people=store, user_id="bob", fields=ANN, known_roles=KNOWN,
                           now=NOW, by="boss")


def test_generated_passwords_are_long_and_differ() -> None:
    made = {people.new_password() for _ in range(20)}
    assert len(made) == 20 and all(len(p) >= 16 for p in made)


def test_a_token_is_checked_before_it_is_made() -> None:
    store = FakePeople()
    with pytest.raises(InvalidUserError) as caught:
        people.create_token(people=store, name="acme edi", scopes=("root",), expires_in="soon",
                            known_roles=KNOWN, now=NOW, by="boss")
    assert [e["field"] for e in caught.value.details["errors"]] == ["name", "scope",
                                                                    "expires_in"]
    assert store.tokens == {}
    assert people.create_token(people=store, name="acme-edi", scopes=("ingest",),
                               expires_in="12h", known_roles=KNOWN, now=NOW,
                               by="boss") == "odx_secret"
    assert store.tokens["acme-edi"] == (("ingest",), NOW + timedelta(hours=12))
    assert people.expiry("", now=NOW) is None and people.expiry(None, now=NOW) is None
    with pytest.raises(InvalidUserError):
        people.expiry("0d", now=NOW)


def test_a_page_offers_an_action_exactly_when_may_allows_it() -> None:
    analyst = Principal("ann", (ROLES["credit_analyst"],))
    small = {"queue": "credit", "value_at_risk": "25000.00"}
    assert offers(analyst, "resolve_case", small)
    assert not offers(analyst, "resolve_case", {**small, "value_at_risk": Decimal("25000.01")})
    assert offers(analyst, "take_case", {**small, "value_at_risk": "900000"})
    assert not offers(analyst, "take_case", {"queue": "pricing", "value_at_risk": "1"})
    viewer = Principal("vic", (ROLES["viewer"],))
    assert offers(viewer, "view") and not any(
        offers(viewer, p, small) for p in ("take_case", "resolve_case", "replay_case"))
    assert not offers(None, "view")
    assert offers(Principal("root", (ROLES["admin"],)), "manage_users")
    with pytest.raises(ValueError):
        offers(analyst, "resolve")  # a misspelt permission fails, it never hides a control


def test_the_readme_lists_one_demo_user_per_shipped_role_with_its_password() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z-]+)` \| `([a-z_-]+)` \| ([a-z_]+):", readme, re.M)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (role.replace("_", "-"), DEMO_PASSWORD.format(role=role), role)
        for role in DEFAULT_ROLES]
