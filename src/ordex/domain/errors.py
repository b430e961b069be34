"""One error root for ordex; every error is named after the business fact it reports.

The class docstring is the default message; errors carry the data a caller needs to
answer well (an API maps them to HTTP status codes, the CLI to one clear line).
"""

from __future__ import annotations

from typing import Any


class OrdexError(Exception):
    """Something went wrong in ordex."""

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or (self.__doc__ or type(self).__name__).strip()
        self.details = details
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidPayloadError(OrdexError):
    """The payload is not a valid order."""

    def __init__(self, message: str | None = None, *, errors: list[dict[str, str]] | None = None,
                 **details: Any) -> None:
        self.errors = errors or []
        super().__init__(message, **details)


class ParseError(OrdexError):
    """The input could not be parsed."""


class UnknownOrderError(OrdexError):
    """No order with that id."""


class UnknownCaseError(OrdexError):
    """No exception case with that id."""


class IllegalTransitionError(OrdexError):
    """That case cannot move to the requested state."""


class ReferenceDataError(OrdexError):
    """The reference data is incomplete or malformed."""


class ConfigurationError(OrdexError):
    """The configuration is invalid."""


class SimulationInFutureError(OrdexError):
    """The simulated period starts after now: there is nothing to play yet."""


class UnknownReferenceError(OrdexError):
    """The event names a customer, item, warehouse or inbound PO the reference data lacks."""

    def __init__(self, message: str | None = None, *, errors: list[dict[str, str]] | None = None,
                 **details: Any) -> None:
        self.errors = errors or []
        super().__init__(message, **details)


class UnknownInboundPOError(UnknownReferenceError):
    """No open inbound PO with that id."""


class ActionNotAllowedError(OrdexError):
    """That action does not resolve a case of this code."""


class ActionParameterError(OrdexError):
    """The action's parameter is missing or invalid."""


class WorkConflictError(OrdexError):
    """Concurrent work collided (a deadlock between workers); the work is run again."""


class CaseChangedError(OrdexError):
    """The case changed since it was read: someone else acted on it first."""


class AuthorityExceededError(OrdexError):
    """The action on a case of this value is beyond the person's authority: request approval."""


class SegregationOfDutiesError(OrdexError):
    """Whoever requested or proposed an action, or approved it already, may not approve it."""


class ReasonRequiredError(OrdexError):
    """This action needs a reason."""


class ApprovalNotNeededError(OrdexError):
    """The action needs no approval for this person: resolve the case directly."""


class NoRecommendationError(OrdexError):
    """The case has no recommended action (or no alternative of that rank)."""
class InvalidUserError(OrdexError):
    """The user's details are not valid."""


class UnknownUserError(OrdexError):
    """No user with that id or e-mail."""


class UnknownTokenError(OrdexError):
    """No API token with that name."""


class NotSignedInError(OrdexError):
    """A credential is required: a Bearer token, or a session (sign in at /login)."""


class NotPermittedError(OrdexError):
    """The signed-in user or token may not do that."""

    def __init__(self, message: str | None = None, *, errors: list[dict[str, str]] | None = None,
                 **details: Any) -> None:
        self.errors = errors or []
        super().__init__(message, **details)
class UnknownOutboxMessageError(OrdexError):
    """No outbox message with that id (nor a dead-letter case naming one)."""
