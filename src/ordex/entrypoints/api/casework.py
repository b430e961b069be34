"""The routes people work cases with: assign, comment, attach, accept, choose, override,
request approval, approve, reject, cancel, reopen; and the approvers' queue.

Every route hands one command to the bus through `acted` (the case as it now stands, or 409
when it changed since `expected_version`); the actor comes from `actor_of` in app.py, the one
place that says who is acting (docs/casework.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from ordex.domain import commands as c
from ordex.domain.codes import Action
from ordex.entrypoints.api.app import Actor, CaseAction, OrdexApp, Version, acted
from ordex.entrypoints.api.errors import documented

router = APIRouter()
ANSWERS = documented(403, 404, 409, 413, 422)
Reason = Annotated[str, Field(min_length=1, max_length=2000, description="Why (required)")]


class Acting(BaseModel):
    """The case version the person saw; who acts is the signed-in user (`actor` is refused)."""

    actor: SkipJsonSchema[None] = Field(None, exclude=True)
    expected_version: Version = None

    @field_validator("actor", mode="before")
    @classmethod
    def no_actor(cls, _value: Any) -> None:
        """Who acts is the credential's, never a name the caller sends."""
        raise PydanticCustomError("actor_refused", "not accepted: the actor is the signed-in "
                                  "user or token")


class AssignBody(Acting):
    """Give the case to a user."""

    assignee: str = Field(min_length=1, max_length=100)
    reason: str = Field("", max_length=2000)


class CommentBody(Acting):
    """A note on the case."""

    text: str = Field(min_length=1, max_length=5000)


class AttachBody(Acting):
    """A reference to a file kept elsewhere (never the bytes)."""

    name: str = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=2000, description="URL or document id")


class ReasonBody(Acting):
    """An action that needs a reason (approve, reject, cancel)."""

    reason: Reason


class ReopenBody(ReasonBody):
    """Reopen a closed case, to a user (else its last owner, else its queue)."""

    assignee: str | None = Field(None, min_length=1, max_length=100)


class ChooseBody(CaseAction):
    """Resolve with a ranked alternative: by `rank` (1 is the best) or by `action`."""

    rank: int | None = Field(None, ge=1, le=100)


@router.post("/cases/{case_id}/assign", summary="Assign or reassign a case to a user",
             responses=ANSWERS)
def assign(case_id: str, body: AssignBody, app: OrdexApp, actor: Actor) -> JSONResponse:
    return acted(app, case_id, c.AssignCase(case_id, actor, body.assignee, body.reason,
                                            body.expected_version))


@router.post("/cases/{case_id}/comment", summary="Add a comment", responses=ANSWERS)
def comment(case_id: str, body: CommentBody, app: OrdexApp, actor: Actor) -> JSONResponse:
    return acted(app, case_id, c.CommentCase(case_id, actor, body.text, body.expected_version))


@router.post("/cases/{case_id}/attach", summary="Attach a file reference", responses=ANSWERS)
def attach(case_id: str, body: AttachBody, app: OrdexApp, actor: Actor) -> JSONResponse:
    return acted(app, case_id, c.AttachToCase(case_id, actor, body.name, body.reference,
                                              body.expected_version))


@router.post("/cases/{case_id}/accept", summary="Resolve with the recommended action",
             responses=ANSWERS)
def accept(case_id: str, body: CaseAction, app: OrdexApp, actor: Actor) -> JSONResponse:
    return acted(app, case_id, c.AcceptRecommendation(case_id, actor, body.reason,
                                                      body.expected_version))


@router.post("/cases/{case_id}/choose", summary="Resolve with one of the ranked alternatives",
             responses=ANSWERS)
def choose(case_id: str, body: ChooseBody, app: OrdexApp, actor: Actor) -> JSONResponse:
    if body.rank is None and body.action is None:
        return _missing("rank", "rank or action is required")
    return acted(app, case_id, c.ChooseAlternative(
        case_id, actor, body.rank, body.action.value if body.action else None, body.reason,
        body.params(), body.expected_version))


@router.post("/cases/{case_id}/override", summary="Resolve with another action, with a reason "
             "(recorded as an override)", responses=ANSWERS)
def override(case_id: str, body: CaseAction, app: OrdexApp, actor: Actor) -> JSONResponse:
    if body.action is None:
        return _missing("action", "required to override")
    return acted(app, case_id, c.OverrideRecommendation(
        case_id, actor, body.action.value, body.reason, body.params(), body.expected_version))


@router.post("/cases/{case_id}/request-approval", summary="Ask the approvers the authority "
             "matrix names to approve an action (default: the recommended one)",
             responses=ANSWERS)
def request_approval(case_id: str, body: CaseAction, app: OrdexApp,
                     actor: Actor) -> JSONResponse:
    action: Action | None = body.action
    return acted(app, case_id, c.RequestApproval(
        case_id, actor, action.value if action else None, body.reason, body.params(),
        body.expected_version))


@router.post("/cases/{case_id}/approve", summary="Approve the pending level of the chain",
             responses=ANSWERS)
def approve(case_id: str, body: ReasonBody, app: OrdexApp, actor: Actor) -> JSONResponse:
    return acted(app, case_id, c.ApproveCase(case_id, actor, body.reason,
                                             body.expected_version))


@router.post("/cases/{case_id}/reject", summary="Reject the pending approval (back to "
             "in_progress)", responses=ANSWERS)
def reject(case_id: str, body: ReasonBody, app: OrdexApp, actor: Actor) -> JSONResponse:
    return acted(app, case_id, c.RejectCase(case_id, actor, body.reason, body.expected_version))


@router.post("/cases/{case_id}/cancel", summary="Cancel a case that no longer applies",
             responses=ANSWERS)
def cancel(case_id: str, body: ReasonBody, app: OrdexApp, actor: Actor) -> JSONResponse:
    return acted(app, case_id, c.CancelCase(case_id, actor, body.reason, body.expected_version))


@router.post("/cases/{case_id}/reopen", summary="Reopen a closed case", responses=ANSWERS)
def reopen(case_id: str, body: ReopenBody, app: OrdexApp, actor: Actor) -> JSONResponse:
    return acted(app, case_id, c.ReopenCase(case_id, actor, body.reason, body.assignee,
                                            body.expected_version))


@router.get("/approvals", summary="Pending approvals whose turn it is, most overdue first",
            responses=documented(413, 422))
def approvals(app: OrdexApp,
              role: Annotated[str | None, Query(min_length=1, max_length=50,
                                                description="The approver's role")] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100,
              offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[dict[str, Any]]:
    return app.queries.pending_approvals(role=role, limit=limit, offset=offset)


def _missing(name: str, reason: str) -> JSONResponse:
    return JSONResponse({"detail": [{"field": name, "reason": reason}],
                         "message": f"{name}: {reason}"}, status_code=422)
