"""A promotion's control flow, durable across crashes: change, approval, commit, outcome.

    none:     deploy -> wait for the outcome
    standard: open the change -> Scheduled -> Implement -> deploy -> outcome -> Review -> Closed
    normal:   open the change -> Assess -> Authorize, wait for the decision (callback as a
              nudge, the change read back as the truth, expiry) -> Implement -> deploy ->
              outcome -> Review -> Closed

Deploying commits the digest into the environment's overlay, once (deployment.py); the
outcome, the rollback and closing the change are outcome.py. Every side effect is a step
(steps.py); transient faults of ServiceNow or Bitbucket are waited out, never failed on.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbos import DBOS

from landingzone.audit.models import Outcome
from landingzone.integrations.changes import ChangeRecord, ChangeState
from landingzone.landing_zone.resilience import durable_clock
from landingzone.landing_zone.stages import failure_message, is_engine_control
from landingzone.promotion import steps
from landingzone.promotion.decisions import decision_entry
from landingzone.promotion.deployment import decider, deploy
from landingzone.promotion.models import Status
from landingzone.promotion.outcome import await_outcome, finish
from landingzone.promotion.plan import PromotionPlan, change_request, event_data
from landingzone.promotion.steps import STAGE, PromotionRun
from landingzone.rendering.overlays import current_digest

DECISION_TOPIC = "change-decision"  # ServiceNow's callback: look at the change now
APPROVED_STATES = (ChangeState.SCHEDULED, ChangeState.IMPLEMENT, ChangeState.REVIEW)
ENDED_STATES = (ChangeState.CLOSED, ChangeState.CANCELED)


def workflow_id(promotion_id: str) -> str:
    """One workflow per promotion: a replayed POST finds it instead of starting another."""
    return f"{promotion_id}:promote"


@dataclass(frozen=True)
class Timing:
    poll_s: float
    approval_expiry_s: float
    outcome_expiry_s: float


@DBOS.workflow()
def promotion_workflow(promotion_id: str, timing: Timing) -> str:
    plan = steps.load_promotion(promotion_id)
    run = PromotionRun(plan.landing_zone_id, 0, promotion_id)
    change: ChangeRecord | None = None
    try:
        repository = steps.environment_repository(run, STAGE, plan)
        if plan.change_type != "none":
            running = current_digest(steps.read_overlay(run, STAGE, repository, plan), plan.image)
            change = _open(run, plan, running)
            if plan.change_type == "normal":
                change = _authorize(run, plan, change, timing)
                if not _approved(change):
                    return _withdraw(run, plan, change, timing)
            else:
                change = steps.move_change(run, STAGE, change.sys_id, ChangeState.SCHEDULED)
            change = steps.move_change(run, STAGE, change.sys_id, ChangeState.IMPLEMENT)
        deployed = deploy(run, plan, repository, change)
        outcome = await_outcome(run, plan, timing.poll_s, timing.outcome_expiry_s)
        return finish(run, plan, repository, change, deployed, outcome, timing.outcome_expiry_s)
    except Exception as error:
        if is_engine_control(error):
            raise
        _fail(run, plan, change, failure_message(error))
        return Status.FAILED.value


# ---------------------------------------------------------------- the change and its approval


def _open(run: PromotionRun, plan: PromotionPlan, running: str | None) -> ChangeRecord:
    change = steps.open_change(run, STAGE, change_request(plan, running))
    steps.record_promotion(
        run,
        "change-opened",
        None,
        f"{plan.title}: {change.number} opened ({plan.change_type} change)",
        event_data(plan, change_number=change.number, change_url=change.url),
    )
    return change


def _approved(change: ChangeRecord) -> bool:
    return change.approval == "approved" and change.state in APPROVED_STATES


def _decided(change: ChangeRecord) -> bool:
    return _approved(change) or change.approval == "rejected" or change.state in ENDED_STATES


def _authorize(
    run: PromotionRun, plan: PromotionPlan, change: ChangeRecord, timing: Timing
) -> ChangeRecord:
    """Move the change to Authorize and wait, durably, for the approvers; expired -> as it is."""
    change = steps.move_change(run, STAGE, change.sys_id, ChangeState.ASSESS)
    change = steps.move_change(run, STAGE, change.sys_id, ChangeState.AUTHORIZE)
    group = plan.approval_group or "the change approvers"
    steps.change_note(
        run,
        STAGE,
        change.sys_id,
        f"Waiting in Authorize for {group}. Once approved, Landing Zone deploys {plan.digest} "
        f"to {plan.environment}.",
    )
    steps.record_promotion(
        run,
        "awaiting-approval",
        Status.AWAITING_APPROVAL,
        f"{plan.title}: {change.number} waits in Authorize for {group}",
        event_data(plan, change_number=change.number),
    )
    deadline = durable_clock() + timing.approval_expiry_s
    checks = 0
    while not _decided(change):
        remaining = deadline - durable_clock()
        if remaining <= 0:
            break
        nudge = DBOS.recv(DECISION_TOPIC, timeout_seconds=min(timing.poll_s, remaining))
        change = steps.read_change(run, STAGE, change.sys_id)
        checks += 1
        if nudge is not None:
            steps.record_promotion(
                run,
                f"callback-{checks}",
                None,
                f"{plan.title}: ServiceNow called back; {change.number} reads {change.approval}",
                event_data(plan, change_number=change.number, approval=change.approval),
            )
    return change


def _withdraw(run: PromotionRun, plan: PromotionPlan, change: ChangeRecord, timing: Timing) -> str:
    """A rejected, cancelled or expired change: nothing is deployed; the change is cancelled."""
    by = decider(change)
    if change.approval == "rejected":
        status = Status.REJECTED
        comment = change.comments[-1] if change.comments else "rejected without a comment"
        note = f"Rejected{f' by {by}' if by else ''}: {comment}. Nothing was deployed."
    elif change.state in ENDED_STATES:
        status = Status.REJECTED
        comment = f"{change.number} was {change.state.value} in ServiceNow before a decision"
        note = comment
    else:
        status = Status.EXPIRED
        hours = timing.approval_expiry_s / 3600
        comment = f"no decision within {hours:g} h"
        note = f"No decision within {hours:g} h: the promotion expired; nothing was deployed."
    if change.state not in ENDED_STATES:
        steps.cancel_change(run, STAGE, change.sys_id, note)
    outcome = Outcome.EXPIRED if status is Status.EXPIRED else Outcome.REJECTED
    steps.record_promotion(
        run,
        "withdrawn",
        status,
        f"{plan.title}: {status.value.replace('_', ' ')}: {comment}",
        event_data(plan, change_number=change.number, decided_by=by),
        decided_by=by,
        comment=comment,
        audit_entry=decision_entry(plan, change, outcome),
    )
    return status.value


# ---------------------------------------------------------------- a permanent failure


def _fail(run: PromotionRun, plan: PromotionPlan, change: ChangeRecord | None, reason: str) -> None:
    """A permanent failure: the promotion says why; its change is cancelled or closed."""
    steps.record_promotion(
        run,
        "failed",
        Status.FAILED,
        f"{plan.title}: failed: {reason}",
        event_data(plan, change_number=change.number if change else None),
        comment=reason,
    )
    if change is None:
        return
    try:
        current = steps.read_change(run, STAGE, change.sys_id)
        if current.state in ENDED_STATES:
            return
        note = f"Landing Zone could not complete the promotion: {reason}"
        if current.state in (ChangeState.IMPLEMENT, ChangeState.REVIEW):
            steps.move_change(run, STAGE, change.sys_id, ChangeState.REVIEW)
            steps.close_change(run, STAGE, change.sys_id, "unsuccessful", note)
        else:
            steps.cancel_change(run, STAGE, change.sys_id, note)
    except Exception as error:
        if is_engine_control(error):
            raise
        steps.record_promotion(
            run,
            "change-left-open",
            None,
            f"{plan.title}: {change.number} could not be ended: {failure_message(error)}",
            event_data(plan, change_number=change.number),
        )
