"""A small client of Tryton's JSON-RPC API (`POST /<database>/rpc/`), over httpx.

Tryton encodes what JSON lacks as objects with a `__class__` (Decimal, date, datetime); both
directions are translated here, so callers see Python values. A session is opened with
`common.db.login` and sent as `Authorization: Session base64(login:user_id:session)`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from ordex.domain.errors import OrdexError


class TrytonError(OrdexError):
    """Tryton refused a call or could not be reached."""


class TrytonUnreachableError(TrytonError):
    """Tryton could not be reached (connection refused, timeout, HTTP error)."""


class TrytonLoginError(TrytonError):
    """Tryton refused the configured user or password."""


class TrytonUserError(TrytonError):
    """Tryton refused the call (a user error: the record's state or content forbids it)."""


class TrytonUserWarning(TrytonError):
    """Tryton asks the user to confirm a warning first (credit limit, stock, missing origin)."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(message, warning=name)


class _SessionExpiredError(TrytonUnreachableError):
    """Tryton no longer knows the session (answered 401)."""


def _encode(value: object) -> object:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, datetime):
        return {"__class__": "datetime", "year": value.year, "month": value.month,
                "day": value.day, "hour": value.hour, "minute": value.minute,
                "second": value.second, "microsecond": value.microsecond}
    if isinstance(value, date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot send {type(value).__name__} to Tryton")


_DECODERS: dict[str, Callable[[dict[str, Any]], object]] = {
    "Decimal": lambda d: Decimal(d["decimal"]),
    "date": lambda d: date(d["year"], d["month"], d["day"]),
    "datetime": lambda d: datetime(d["year"], d["month"], d["day"], d["hour"], d["minute"],
                                   d["second"], d["microsecond"]),
    "timedelta": lambda d: timedelta(seconds=d["seconds"]),
    "bytes": lambda d: base64.b64decode(d["base64"]),
}


def _decode(obj: dict[str, Any]) -> object:
    decoder = _DECODERS.get(str(obj.get("__class__", "")))
    return decoder(obj) if decoder else obj


def dumps(payload: object) -> str:
    """JSON as Tryton reads it."""
    return json.dumps(payload, default=_encode)


def loads(text: str | bytes) -> Any:
    """JSON as Tryton writes it, with its Decimal, date and datetime objects decoded."""
    return json.loads(text, object_hook=_decode)


class TrytonRpc:
    """One logged-in session on one Tryton database; `call` runs a method with the context."""

    def __init__(self, url: str, database: str, *, user: str, password: str,
                 timeout: float = 30.0, client: httpx.Client | None = None) -> None:
        self.endpoint = f"{url.rstrip('/')}/{database}/rpc/"
        self.user, self.password = user, password
        self.http = client or httpx.Client(timeout=timeout)
        self.context: dict[str, Any] = {}
        self._auth: str | None = None
        self._ids = 0

    def login(self) -> None:
        """Open a session and load the user's preferences (company, language) as context."""
        result = self._post("common.db.login", [self.user, {"password": self.password}, "en"])
        user_id, session = result[0], result[1]
        token = base64.b64encode(f"{self.user}:{user_id}:{session}".encode()).decode()
        self._auth = f"Session {token}"
        self.context = self._post("model.res.user.get_preferences", [True, {}])

    def call(self, method: str, *args: object, context: dict[str, Any] | None = None) -> Any:
        """`model.<model>.<method>` (or any method) with these arguments and the context."""
        if self._auth is None:
            self.login()
        try:
            return self._post(method, [*args, {**self.context, **(context or {})}])
        except _SessionExpiredError:
            self.login()  # once: a session that expires again is an error
            return self._post(method, [*args, {**self.context, **(context or {})}])

    def model(self, name: str, method: str, *args: object,
              context: dict[str, Any] | None = None) -> Any:
        """Shorthand for `call("model.<name>.<method>", ...)`."""
        return self.call(f"model.{name}.{method}", *args, context=context)

    def _post(self, method: str, params: list[object]) -> Any:
        self._ids += 1
        headers = {"Content-Type": "application/json"}
        if self._auth:
            headers["Authorization"] = self._auth
        body = dumps({"id": self._ids, "method": method, "params": params})
        try:
            response = self.http.post(self.endpoint, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TrytonUnreachableError(f"Tryton at {self.endpoint} unreachable: {exc}") \
                from None
        if method == "common.db.login" and response.status_code in (401, 403):
            raise TrytonLoginError(f"Tryton refused the login of {self.user!r} on "
                                   f"{self.endpoint}", user=self.user)
        if response.status_code == 401 and self._auth:
            raise _SessionExpiredError(f"Tryton session expired ({method})")
        if response.status_code != 200:
            raise TrytonUnreachableError(
                f"Tryton answered HTTP {response.status_code} to {method}")
        answer = loads(response.content)
        if answer.get("error"):
            raise _error(method, answer["error"])
        return answer.get("result")


def _error(method: str, error: Any) -> TrytonError:
    """The error Tryton reported, as ordex names it."""
    if isinstance(error, list) and error:
        kind, detail = error[0], error[1] if len(error) > 1 else []
        if kind == "UserWarning" and isinstance(detail, list) and len(detail) >= 2:
            return TrytonUserWarning(str(detail[0]), str(detail[1]))
        if kind == "UserError" and isinstance(detail, list) and detail:
            return TrytonUserError(f"{method}: {detail[0]}", method=method)
        return TrytonError(f"{method}: {kind} {detail}", method=method)
    return TrytonError(f"{method}: {error}", method=method)
