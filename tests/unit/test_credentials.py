"""Passwords (argon2), token digests, signed sessions and CSRF values; users' details."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from ordex.adapters.credentials import (
    Signer,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from ordex.domain.errors import InvalidUserError
from ordex.domain.identity import ApiToken, User, WorkingHours

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_a_password_verifies_only_against_its_own_argon2_hash() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert verify_password("correct horse", hashed)
    assert not verify_password("correct hors", hashed)
    assert not verify_password("correct horse", None)  # unknown user: refused, same work
    assert not verify_password("correct horse", "not a hash")
    assert hash_password("correct horse") != hashed  # salted


def test_tokens_are_256_random_bits_stored_as_sha256() -> None:
    token = new_token()
    assert token.startswith("odx_") and len(token) == 4 + 43
    assert token_digest(token) == token_digest(token) and len(token_digest(token)) == 64
    assert token not in token_digest(token) and new_token() != token


def test_a_session_is_read_back_until_it_expires_and_never_when_tampered() -> None:
    signer = Signer("k" * 40)
    cookie = signer.session("ann", now=NOW)
    assert signer.session_user(cookie, now=NOW, max_age_seconds=3600) == "ann"
    later = NOW + timedelta(seconds=3600)
    assert signer.session_user(cookie, now=later, max_age_seconds=3600) == "ann"
    assert signer.session_user(cookie, now=later + timedelta(seconds=1),
                               max_age_seconds=3600) is None
    assert Signer("other" * 8).session_user(cookie, now=NOW, max_age_seconds=3600) is None
    body, mac = cookie.split(".")
    forged = Signer("k" * 40).session("bob", now=NOW).split(".")[0]
    assert signer.session_user(f"{forged}.{mac}", now=NOW, max_age_seconds=3600) is None
    assert signer.session_user("garbage", now=NOW, max_age_seconds=3600) is None
    assert signer.session_user(f"{body}.", now=NOW, max_age_seconds=3600) is None


def test_csrf_needs_the_form_field_to_equal_a_cookie_we_signed() -> None:
    signer = Signer("k" * 40)
    value = signer.csrf()
    assert signer.csrf_ok(value, value)
    assert not signer.csrf_ok(value, signer.csrf())
    assert not signer.csrf_ok(value, None) and not signer.csrf_ok(None, value)
    invented = "abc.def"
    assert not signer.csrf_ok(invented, invented)  # equal but not signed by us
    assert not Signer("x" * 40).csrf_ok(value, value)


def test_a_token_is_usable_until_it_expires_or_is_revoked() -> None:
    token = ApiToken("edi", ("integration",), NOW, expires_at=NOW + timedelta(days=90))
    assert token.usable(now=NOW + timedelta(days=90) - timedelta(microseconds=1))
    assert not token.usable(now=NOW + timedelta(days=90))
    assert not ApiToken("edi", (), NOW, revoked_at=NOW).usable(now=NOW)
    assert ApiToken("edi", (), NOW).usable(now=NOW + timedelta(days=10_000))


@pytest.mark.parametrize(("change", "field"), [
    ({"time_zone": "Mars/Olympus"}, "time_zone"), ({"time_zone": "../etc"}, "time_zone"),
    ({"time_zone": "America"}, "time_zone"),
    ({"email": "ann"}, "email"), ({"user_id": "Ann Lee"}, "user_id"), ({"roles": ()}, "roles"),
    ({"capacity": -1}, "capacity"), ({"name": " "}, "name"),
])
def test_a_user_with_bad_details_names_the_field(change: dict, field: str) -> None:
    fields = {"user_id": "ann", "name": "Ann", "email": "ann@example.com",
              "roles": ("viewer",), **change}
    with pytest.raises(InvalidUserError) as caught:
        User(**fields)
    assert caught.value.details["field"] == field


def test_working_hours_parse_days_and_window_and_refuse_an_empty_one() -> None:
    hours = WorkingHours.parse("mon,wed 07:30-16:00")
    assert hours == WorkingHours(time(7, 30), time(16), ("mon", "wed"))
    assert WorkingHours.parse(str(hours)) == hours
    assert WorkingHours.parse("09:00-17:00").days == ("mon", "tue", "wed", "thu", "fri")
    for bad in ("17:00-09:00", "mon 9-5", "funday 09:00-17:00"):
        with pytest.raises(InvalidUserError):
            WorkingHours.parse(bad)
    assert User("ann", "Ann", "a@b.co", ("viewer",), time_zone="America/Chicago").time_zone


def test_the_secret_key_is_refused_when_missing_default_or_short_outside_demo_mode() -> None:
    from pydantic import ValidationError

    from ordex.config import Settings
    assert "not set" in (Settings(secret_key="change-me").secret_problem() or "")
    assert "not set" in (Settings(secret_key="  ").secret_problem() or "")
    assert "shorter than 32" in (Settings(secret_key="x" * 31).secret_problem() or "")
    assert Settings(secret_key="x" * 32).secret_problem() is None
    assert Settings(secret_key="change-me", demo=True).secret_problem() is None
    with pytest.raises(ValidationError, match="ORDEX_DEMO"):
        Settings(environment="production", secret_key="x" * 40, demo=True)
