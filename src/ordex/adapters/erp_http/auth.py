"""Credentials of the HTTP connector: a static header, or an OAuth2 client-credentials token.

Secrets come from environment variables the mapping names; a missing one is refused when the
connector is built. A token is cached until `refresh_margin_seconds` before it expires, and
fetched again when the ERP answers 401.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

import httpx

from ordex.adapters.erp_http.mapping import HeaderAuth, NoAuth, OAuth2Auth
from ordex.domain.errors import ConfigurationError
from ordex.orchestrate.work import SendFailure


class AuthFailedError(Exception):
    """The credentials could not be had; carries how delivery should treat it."""

    def __init__(self, failure: SendFailure) -> None:
        super().__init__(failure.error)
        self.failure = failure


def secret(env: Mapping[str, str], name: str, *, key: str) -> str:
    """The value of an environment variable the mapping names, or a clear refusal."""
    value = env.get(name, "")
    if not value:
        raise ConfigurationError(f"erp mapping {key}: the environment variable {name} is not "
                                 "set", key=key)
    return value


class StaticHeader:
    """One header, the same on every request."""

    def __init__(self, auth: HeaderAuth | NoAuth, env: Mapping[str, str]) -> None:
        self.headers: dict[str, str] = {}
        if isinstance(auth, HeaderAuth):
            value = secret(env, auth.value_env, key="auth.value_env")
            self.headers = {auth.header: auth.prefix + value}

    def header(self) -> dict[str, str]:
        return self.headers

    def invalidate(self) -> bool:
        """Nothing to renew: a 401 stands."""
        return False


class ClientCredentials:
    """OAuth2 client credentials (RFC 6749 4.4): client id and secret in the form body."""

    def __init__(self, auth: OAuth2Auth, env: Mapping[str, str], client: httpx.Client, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.auth, self.client, self.clock = auth, client, clock
        self.client_secret = secret(env, auth.client_secret_env, key="auth.client_secret_env")
        self.token: str | None = None
        self.expires_at = 0.0
        self.fetched = 0
        """Tokens fetched so far (the tests count them)."""
        self._lock = threading.Lock()

    def header(self) -> dict[str, str]:
        with self._lock:
            if self.token is None or self.clock() >= self.expires_at:
                self._fetch()
            return {"Authorization": f"Bearer {self.token}"}

    def invalidate(self) -> bool:
        """Forget the token (the ERP refused it); True: a new one is worth a try."""
        with self._lock:
            self.token = None
        return True

    def _fetch(self) -> None:
        form = {"grant_type": "client_credentials", "client_id": self.auth.client_id,
                "client_secret": self.client_secret}
        if self.auth.scope:
            form["scope"] = self.auth.scope
        try:
            answer = self.client.post(self.auth.token_url, data=form)
        except httpx.TransportError as exc:
            raise AuthFailedError(SendFailure(f"token endpoint unreachable: "
                                              f"{type(exc).__name__}: {exc}")) from None
        if answer.status_code >= 500 or answer.status_code == 429:
            raise AuthFailedError(SendFailure(f"token endpoint answered {answer.status_code}"))
        try:
            body = answer.json()
            token, lifetime = str(body["access_token"]), float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise AuthFailedError(SendFailure(
                f"token endpoint refused the client credentials: HTTP {answer.status_code} "
                f"{answer.text[:200]}", permanent=True)) from None
        if answer.status_code >= 400:
            raise AuthFailedError(SendFailure(
                f"token endpoint answered HTTP {answer.status_code}", permanent=True))
        self.token, self.fetched = token, self.fetched + 1
        self.expires_at = self.clock() + max(0.0, lifetime - self.auth.refresh_margin_seconds)
