"""Secrets at rest and in cookies: password hashes, API token digests, signed sessions, CSRF.

Passwords are chosen by people and guessable, so they are hashed with argon2id (pwdlib):
slow and memory-hard on purpose. API tokens are 256 random bits: nobody can guess one, so a
single SHA-256 is enough to make a stolen table useless, and it is cheap enough to check on
every request (argon2 per request would cost tens of milliseconds and a lot of memory).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

TOKEN_PREFIX = "odx_"
_HASHER = PasswordHash((Argon2Hasher(),))
_DUMMY = _HASHER.hash("a password nobody has")


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; the parameters are inside the hash)."""
    return _HASHER.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    """True when the password matches; an unknown user costs the same time as a known one."""
    if hashed is None:
        _HASHER.verify(password, _DUMMY)
        return False
    try:
        return bool(_HASHER.verify(password, hashed))
    except Exception:  # a malformed stored hash never signs anyone in
        return False


def new_token() -> str:
    """A fresh API token: 256 random bits, URL-safe, with a recognisable prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class Signer:
    """Signs and checks cookie values with the secret key (HMAC-SHA256)."""

    secret: str

    def _mac(self, purpose: str, value: str) -> str:
        key = hashlib.sha256(f"ordex:{purpose}:{self.secret}".encode()).digest()
        return _b64(hmac.new(key, value.encode(), hashlib.sha256).digest())

    def session(self, user_id: str, *, now: datetime) -> str:
        """A session cookie value: the user, when it was issued, a nonce, the signature."""
        body = f"{user_id}|{int(now.timestamp())}|{secrets.token_urlsafe(12)}"
        return f"{_b64(body.encode())}.{self._mac('session', body)}"

    def session_user(self, cookie: str, *, now: datetime, max_age_seconds: float) -> str | None:
        """The user of a valid, unexpired session cookie, else None."""
        encoded, _, mac = cookie.partition(".")
        try:
            body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
            user_id, issued, _nonce = body.split("|")
            age = now.timestamp() - int(issued)
        except (ValueError, UnicodeDecodeError):
            return None
        if not hmac.compare_digest(mac, self._mac("session", body)):
            return None
        return user_id if 0 <= age <= max_age_seconds else None

    def csrf(self) -> str:
        """A fresh CSRF value (a random nonce and its signature)."""
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._mac('csrf', nonce)}"

    def csrf_ok(self, cookie: str | None, form: str | None) -> bool:
        """The form's CSRF field equals the cookie, and the cookie is one we signed."""
        if not cookie or not form or not hmac.compare_digest(cookie, form):
            return False
        nonce, _, mac = cookie.partition(".")
        return hmac.compare_digest(mac, self._mac("csrf", nonce))
