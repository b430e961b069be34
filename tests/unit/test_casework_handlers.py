"""Working a case through the handlers on the fake unit of work: assign, comment, attach,
accept, choose, override, request approval, approve, reject, cancel, reopen."""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Any

import pytest

from ordex.bootstrap import HANDLERS
from ordex.domain import commands as c
from ordex.domain.approvals import ApprovalState
from ordex.domain.cases import Case, CaseState
from ordex.domain.errors import (
    ApprovalNotNeededError,
    AuthorityExceededError,
    IllegalTransitionError,
    NoRecommendationError,
    ReasonRequiredError,
    SegregationOfDutiesError,
    UnknownUserError,
)
from ordex.domain.events import HoldLines, ReleaseLines
from ordex.orchestrate.bus import MessageBus

from builders import NOW, decide_pipeline, line, order, sourcing_reference
from fakes import FakeDirectory, FakeUnitOfWork

CREDIT = "O-1:CREDIT_LIMIT_EXCEEDED"
PEOPLE = {"rep": ["cs_rep"], "ana": ["credit_analyst"], "amy": ["credit_analyst"],
          "max": ["credit_manager"], "mia": ["credit_manager"], "fin": ["finance_director"]}


def _wired(handler: Any, directory: FakeDirectory) -> Any:
    given = {"directory": directory} if "directory" in inspect.signature(handler).parameters \
        else {}
    return lambda command, unit: handler(command, unit, now=NOW, **given)


def desk(value: str) -> tuple[MessageBus, FakeUnitOfWork, Case]:
    """A credit case of `value` (a one-line order of WIDGET at 10.00) on the fake unit."""
    pipeline = decide_pipeline(sourcing_reference(home="100000", limit="1"))
    qty = Decimal(value) / Decimal(10)
    pipeline.accept(order(line(1, qty=str(qty), price="10.00")), raw_id="r1", key=None, now=NOW)
    uow = FakeUnitOfWork(pipeline)
    uow.commit(pipeline.take_changes())
    directory = FakeDirectory(PEOPLE)
    wanted = {k: h for k, h in HANDLERS.items()
              if set(inspect.signature(h).parameters) <= {"cmd", "uow", "now", "directory"}}
    bus = MessageBus(uow=lambda: uow, handlers={k: _wired(h, directory)
                                                 for k, h in wanted.items()})
    case = uow.cases.get(CREDIT)
    assert case is not None and case.value_at_risk == Decimal(value)
    return bus, uow, case


def working(value: str, actor: str = "ana") -> tuple[MessageBus, FakeUnitOfWork, Case]:
    bus, uow, case = desk(value)
    bus.handle(c.TakeCase(CREDIT, actor))
    return bus, uow, case


def sent(uow: FakeUnitOfWork, kind: type) -> list[Any]:
    return [m.command for w in uow.written for m in w.outbox if isinstance(m.command, kind)]


def test_assign_then_reassign_to_known_users_is_audited_and_unknown_users_are_refused() -> None:
    bus, _uow, case = desk("100")
    bus.handle(c.AssignCase(CREDIT, "rep", "ana"))
    assert (case.state, case.assignee) == (CaseState.ASSIGNED, "ana")
    bus.handle(c.AssignCase(CREDIT, "rep", "amy", "ana is away"))
    assert case.assignee == "amy" and [e.action for e in case.history[-2:]] == [
        "assign", "reassign"]
    assert case.history[-1].reason == "ana is away"
    with pytest.raises(UnknownUserError, match="assignee: no user ghost"):
        bus.handle(c.AssignCase(CREDIT, "rep", "ghost"))
    assert case.assignee == "amy"


def test_comments_and_attachments_are_recorded_and_keep_the_state() -> None:
    bus, uow, case = working("100")
    bus.handle(c.CommentCase(CREDIT, "ana", "customer promises payment Friday"))
    bus.handle(c.AttachToCase(CREDIT, "ana", "remittance.pdf", "dms://42"))
    assert case.state is CaseState.IN_PROGRESS
    comments = [x for w in uow.written for x in w.comments]
    files = [x for w in uow.written for x in w.attachments]
    assert [(x.actor, x.text) for x in comments] == [("ana", "customer promises payment Friday")]
    assert [(x.name, x.reference) for x in files] == [("remittance.pdf", "dms://42")]
    with pytest.raises(ReasonRequiredError, match="text"):
        bus.handle(c.CommentCase(CREDIT, "ana", "   "))


def test_a_person_within_their_limit_resolves_directly_at_exactly_the_limit() -> None:
    bus, uow, case = working("25000")
    bus.handle(c.ResolveCase(CREDIT, "ana", "RELEASE", "paid by wire"))
    assert case.state is CaseState.RESOLVED and sent(uow, ReleaseLines)


def test_one_cent_over_the_limit_is_refused_and_nothing_moves() -> None:
    bus, uow, case = working("25000.01")
    before = len(uow.written)
    with pytest.raises(AuthorityExceededError, match=r"beyond the authority of ana.*request"):
        bus.handle(c.ResolveCase(CREDIT, "ana", "RELEASE", "paid by wire"))
    assert case.state is CaseState.IN_PROGRESS and len(uow.written) == before


def test_a_person_without_the_role_cannot_resolve_even_a_small_credit_hold() -> None:
    bus, _uow, case = working("100", actor="rep")
    with pytest.raises(AuthorityExceededError, match="cs_rep"):
        bus.handle(c.ResolveCase(CREDIT, "rep", "RELEASE", ""))
    bus.handle(c.ResolveCase(CREDIT, "rep", "HOLD", "waiting for payment"))  # no rule on HOLD
    assert case.state is CaseState.IN_PROGRESS


def test_a_large_release_needs_two_levels_in_turn_and_the_last_applies_it() -> None:
    bus, uow, case = working("300000")
    assert bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "good payer")) == CREDIT
    assert case.state is CaseState.AWAITING_APPROVAL
    assert [(a.level, a.role, a.state) for a in case.approvals] == [
        (1, "credit_manager", ApprovalState.PENDING), (2, "finance_director",
                                                        ApprovalState.PENDING)]
    assert [(a.due_at - NOW).total_seconds() for a in case.approvals] == [8 * 3600, 16 * 3600]
    with pytest.raises(AuthorityExceededError, match="needs credit_manager"):
        bus.handle(c.ApproveCase(CREDIT, "amy", "looks fine"))  # a lower role
    bus.handle(c.ApproveCase(CREDIT, "max", "history is clean"))
    assert case.state is CaseState.AWAITING_APPROVAL and not sent(uow, ReleaseLines)
    with pytest.raises(AuthorityExceededError, match="needs finance_director"):
        bus.handle(c.ApproveCase(CREDIT, "mia", "a second manager"))
    bus.handle(c.ApproveCase(CREDIT, "fin", "within the group exposure"))
    assert case.state is CaseState.RESOLVED and case.history[-1].actor == "fin"
    assert "requested by ana, approved by max (credit_manager), fin (finance_director)" in (
        case.resolution or "")
    assert [a.state for a in case.approvals] == [ApprovalState.APPROVED] * 2
    assert [a.decided_by for a in case.approvals] == ["max", "fin"]
    assert len(sent(uow, ReleaseLines)) == 1


def test_the_requester_and_the_proposer_may_not_approve() -> None:
    bus, _uow, case = working("300000")  # amy works it, her manager max asks
    bus.handle(c.AssignCase(CREDIT, "rep", "amy"))
    bus.handle(c.TakeCase(CREDIT, "amy"))
    bus.handle(c.RequestApproval(CREDIT, "max", "RELEASE", "asked by the manager"))
    step = case.approvals[0]
    assert (step.requested_by, step.proposed_by) == ("max", "amy")
    with pytest.raises(SegregationOfDutiesError, match="max requested or proposed"):
        bus.handle(c.ApproveCase(CREDIT, "max", "mine"))
    bus.handle(c.ApproveCase(CREDIT, "mia", "checked"))
    with pytest.raises(SegregationOfDutiesError, match="amy requested or proposed"):
        bus.handle(c.ApproveCase(CREDIT, "amy", "my own proposal"))
    bus.handle(c.ApproveCase(CREDIT, "fin", "checked too"))
    assert case.state is CaseState.RESOLVED


def test_one_person_never_signs_two_levels_of_a_chain() -> None:
    bus, _uow, case = working("300000")
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "good payer"))
    bus.handle(c.ApproveCase(CREDIT, "fin", "level one by the director"))
    with pytest.raises(SegregationOfDutiesError, match="fin already signed"):
        bus.handle(c.ApproveCase(CREDIT, "fin", "and level two"))
    assert case.state is CaseState.AWAITING_APPROVAL
    assert [a.state for a in case.approvals] == [ApprovalState.APPROVED, ApprovalState.PENDING]


@pytest.mark.parametrize("command", [c.ApproveCase, c.RejectCase])
def test_approvals_and_rejections_need_a_reason(command: type) -> None:
    bus, _uow, case = working("100000")
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "good payer"))
    with pytest.raises(ReasonRequiredError, match="reason"):
        bus.handle(command(CREDIT, "max", "  "))
    assert case.approvals[0].state is ApprovalState.PENDING


def test_a_rejection_ends_the_chain_and_returns_the_case_to_its_owner() -> None:
    bus, uow, case = working("300000")
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "good payer"))
    bus.handle(c.RejectCase(CREDIT, "max", "exposure too high"))
    assert (case.state, case.assignee) == (CaseState.IN_PROGRESS, "ana")
    assert [a.state for a in case.approvals] == [ApprovalState.REJECTED, ApprovalState.VOID]
    assert case.approvals[0].decision_reason == "exposure too high"
    assert not sent(uow, ReleaseLines)
    with pytest.raises(IllegalTransitionError, match="no approval is pending"):
        bus.handle(c.ApproveCase(CREDIT, "fin", "too late"))
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "paid half"))  # a second chain
    assert [a.chain_id for a in case.approvals][-2:] == [f"{CREDIT}#2"] * 2


def test_an_approval_is_not_asked_when_the_person_may_decide_or_nothing_needs_one() -> None:
    bus, _uow, case = working("20000")
    with pytest.raises(ApprovalNotNeededError, match="resolve it"):
        bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", ""))
    with pytest.raises(ApprovalNotNeededError):
        bus.handle(c.RequestApproval(CREDIT, "ana", "HOLD", ""))
    assert case.state is CaseState.IN_PROGRESS and case.approvals == []


def test_approval_is_asked_from_in_progress_only_and_resolve_waits_for_the_chain() -> None:
    bus, _uow, case = desk("100000")
    with pytest.raises(IllegalTransitionError, match="from open to awaiting_approval"):
        bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", ""))
    bus.handle(c.TakeCase(CREDIT, "ana"))
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", ""))
    with pytest.raises(IllegalTransitionError, match="awaiting_approval"):
        bus.handle(c.ResolveCase(CREDIT, "fin", "RELEASE", "I can"))
    with pytest.raises(IllegalTransitionError, match="approve, reject or cancel"):
        bus.handle(c.TakeCase(CREDIT, "fin"))
    with pytest.raises(IllegalTransitionError, match="from awaiting_approval to assigned"):
        bus.handle(c.AssignCase(CREDIT, "rep", "fin"))
    assert case.state is CaseState.AWAITING_APPROVAL


def test_accepting_the_recommendation_records_no_override() -> None:
    bus, uow, case = working("100")
    assert case.evidence["recommendation"]["action"] == "HOLD"
    bus.handle(c.AcceptRecommendation(CREDIT, "ana"))
    assert case.history[-1].action == "HOLD"
    assert [o for w in uow.written for o in w.overrides] == []


def test_choosing_a_ranked_alternative_is_recorded_with_what_was_recommended() -> None:
    bus, uow, case = working("100")
    ranked = list(case.evidence["recommendation"]["alternatives"])
    assert ranked[0] == "HOLD" and "RELEASE" in ranked
    with pytest.raises(NoRecommendationError, match=r"rank: .* not 9"):
        bus.handle(c.ChooseAlternative(CREDIT, "ana", rank=9))
    bus.handle(c.ChooseAlternative(CREDIT, "ana", rank=ranked.index("RELEASE") + 1))
    [override] = [o for w in uow.written for o in w.overrides]
    assert (override.recommended, override.chosen, override.kind, override.actor,
            override.queue) == ("HOLD", "RELEASE", "alternative", "ana", "credit")
    assert case.state is CaseState.RESOLVED


def test_an_override_needs_a_reason_and_is_recorded_by_whom_and_why() -> None:
    bus, uow, case = desk("100")
    bus.handle(c.TakeCase(CREDIT, "ana"))
    case.evidence["recommendation"]["alternatives"].pop("RELEASE", None)  # only HOLD ranked
    with pytest.raises(ReasonRequiredError, match="reason"):
        bus.handle(c.OverrideRecommendation(CREDIT, "ana", "RELEASE", ""))
    bus.handle(c.OverrideRecommendation(CREDIT, "ana", "RELEASE", "customer prepaid"))
    [override] = [o for w in uow.written for o in w.overrides]
    assert (override.recommended, override.chosen, override.kind, override.reason,
            override.code) == ("HOLD", "RELEASE", "override", "customer prepaid",
                               "CREDIT_LIMIT_EXCEEDED")


def test_an_approved_override_is_recorded_for_the_requester_when_it_applies() -> None:
    bus, uow, _case = working("100000")
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "customer prepaid"))
    assert [o for w in uow.written for o in w.overrides] == []
    bus.handle(c.ApproveCase(CREDIT, "max", "ok"))
    [override] = [o for w in uow.written for o in w.overrides]
    assert (override.actor, override.chosen) == ("ana", "RELEASE")


def test_cancel_withdraws_pending_approvals_and_releases_the_hold() -> None:
    bus, uow, case = working("100000")
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "good payer"))
    with pytest.raises(ReasonRequiredError):
        bus.handle(c.CancelCase(CREDIT, "ana", ""))
    bus.handle(c.CancelCase(CREDIT, "ana", "order settled by phone"))
    assert case.state is CaseState.CANCELLED
    assert [(a.state, a.decided_by) for a in case.approvals] == [
        (ApprovalState.WITHDRAWN, "ana")]
    assert case.approvals[0].decision_reason == (
        "case moved awaiting_approval → cancelled by cancel: order settled by phone")
    assert sent(uow, ReleaseLines)


def test_a_payment_withdraws_the_chain_in_the_same_commit_and_reopen_leaves_it() -> None:
    bus, uow, case = working("100000")
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "good payer"))
    before = len(uow.written)
    bus.handle(c.PostPayment("ACME", Decimal("1000000"), NOW))
    assert case.state is CaseState.AUTO_RESOLVED
    [written] = uow.written[before:]
    [withdrawn] = written.approvals
    assert (withdrawn.state, withdrawn.decided_by) == (ApprovalState.WITHDRAWN, "ordex")
    assert "awaiting_approval → auto_resolved by close: payment of 1000000" in (
        withdrawn.decision_reason or "")
    [note] = [e for e in written.audit if e.action == "withdraw_approvals"]
    assert note.reason.startswith(f"{CREDIT}#1.1 withdrawn: ")
    bus.handle(c.ReopenCase(CREDIT, "rep", "payment bounced"))
    assert [a.state for a in case.approvals] == [ApprovalState.WITHDRAWN]
    with pytest.raises(IllegalTransitionError):
        bus.handle(c.ApproveCase(CREDIT, "max", "too late"))  # nothing pending to sign


def test_the_last_approval_withdraws_nothing() -> None:
    bus, uow, case = working("100000")
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "good payer"))
    bus.handle(c.ApproveCase(CREDIT, "max", "ok"))
    assert case.state is CaseState.RESOLVED
    assert [a.state for a in case.approvals] == [ApprovalState.APPROVED]
    assert not [e for w in uow.written for e in w.audit if e.action == "withdraw_approvals"]


def test_reopen_returns_a_closed_case_to_its_owner_and_holds_its_order_again() -> None:
    bus, uow, case = working("100")
    bus.handle(c.ResolveCase(CREDIT, "ana", "RELEASE", "paid"))
    with pytest.raises(ReasonRequiredError):
        bus.handle(c.ReopenCase(CREDIT, "rep", ""))
    bus.handle(c.ReopenCase(CREDIT, "rep", "customer called back: payment bounced"))
    assert (case.state, case.assignee, case.closed_at, case.resolution) == (
        CaseState.ASSIGNED, "ana", None, None)
    holds = sent(uow, HoldLines)
    assert holds[-1].case_id == CREDIT and "reopened" in holds[-1].reason
    with pytest.raises(IllegalTransitionError, match="not closed"):
        bus.handle(c.ReopenCase(CREDIT, "rep", "again"))
    bus.handle(c.TakeCase(CREDIT, "ana"))
    bus.handle(c.ResolveCase(CREDIT, "ana", "RELEASE", "paid for real"))
    assert case.state is CaseState.RESOLVED


def test_a_case_that_never_had_an_owner_reopens_to_its_queue() -> None:
    bus, _uow, case = desk("100")
    bus.handle(c.CancelCase(CREDIT, "rep", "entered twice"))
    bus.handle(c.ReopenCase(CREDIT, "rep", "it was not twice"))
    assert (case.state, case.assignee) == (CaseState.OPEN, None)


def test_a_stale_version_is_refused_on_every_casework_command() -> None:
    from ordex.domain.errors import CaseChangedError
    bus, _uow, case = working("100")
    stale = case.version - 1
    for command in (c.CommentCase(CREDIT, "ana", "x", stale),
                    c.AssignCase(CREDIT, "ana", "amy", "", stale),
                    c.CancelCase(CREDIT, "ana", "x", stale)):
        with pytest.raises(CaseChangedError, match=f"changed since version {stale}"):
            bus.handle(command)
    assert case.state is CaseState.IN_PROGRESS


def test_a_plain_resolve_against_the_recommendation_is_recorded_without_asking_a_reason() -> None:
    bus, uow, case = working("100")
    bus.handle(c.ResolveCase(CREDIT, "ana", "RELEASE", ""))
    [override] = [o for w in uow.written for o in w.overrides]
    assert (override.recommended, override.chosen, override.reason) == ("HOLD", "RELEASE", "")
    assert case.state is CaseState.RESOLVED


def notices(uow: FakeUnitOfWork) -> list[tuple[str | None, str]]:
    return [(n.recipient, n.kind) for w in uow.written for n in w.notifications]


def test_assigning_a_case_notifies_the_assignee_but_taking_it_oneself_does_not() -> None:
    bus, uow, _case = desk("100")
    bus.handle(c.TakeCase(CREDIT, "ana"))
    assert notices(uow) == []
    bus.handle(c.AssignCase(CREDIT, "rep", "amy", "ana is away"))
    assert notices(uow) == [("amy", "case.assigned")]
    [note] = [n for w in uow.written for n in w.notifications]
    assert (note.queue, note.case_id, note.payload["reason"]) == ("credit", CREDIT,
                                                                  "ana is away")


def test_each_pending_approval_level_notifies_its_role_in_turn() -> None:
    bus, uow, _case = working("300000")
    bus.handle(c.RequestApproval(CREDIT, "ana", "RELEASE", "good payer"))
    assert notices(uow) == [("role:credit_manager", "approval.waiting")]
    bus.handle(c.ApproveCase(CREDIT, "max", "history is clean"))
    assert notices(uow)[-1] == ("role:finance_director", "approval.waiting")
    bus.handle(c.ApproveCase(CREDIT, "fin", "within the group exposure"))
    assert len(notices(uow)) == 2  # the last signature resolves: nobody else waits
