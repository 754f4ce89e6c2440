"""A promotion's outcome: waiting for the pipeline's report, the rollback, closing the change."""

from __future__ import annotations

from typing import Any

from dbos import DBOS

from landingzone.integrations.base import Repository
from landingzone.integrations.changes import ChangeRecord, ChangeState, CloseCode
from landingzone.landing_zone.resilience import durable_clock
from landingzone.promotion import steps
from landingzone.promotion.deployment import Deployed, commit_digest
from landingzone.promotion.models import Status
from landingzone.promotion.plan import PromotionPlan, event_data
from landingzone.promotion.steps import STAGE, PromotionRun

OUTCOME_TOPIC = "promotion-outcome"  # the pipeline reported the outcome


def await_outcome(
    run: PromotionRun, plan: PromotionPlan, poll_s: float, expiry_s: float
) -> dict[str, Any] | None:
    """What the pipeline reported (the route stores it, then nudges), or None once expired."""
    deadline = durable_clock() + expiry_s
    while True:
        outcome = steps.reported_outcome(plan.promotion_id)
        if outcome is not None:
            return outcome
        remaining = deadline - durable_clock()
        if remaining <= 0:
            return None
        DBOS.recv(OUTCOME_TOPIC, timeout_seconds=min(poll_s, remaining))


def finish(
    run: PromotionRun,
    plan: PromotionPlan,
    repository: Repository,
    change: ChangeRecord | None,
    deployed: Deployed,
    outcome: dict[str, Any] | None,
    expiry_s: float,
) -> str:
    result = outcome["result"] if outcome else None
    notes = str(outcome.get("notes") or "") if outcome else ""
    build = str(outcome.get("build_url") or plan.build_url) if outcome else plan.build_url
    code: CloseCode = "unsuccessful"
    if result == "success":
        status, code = Status.SUCCEEDED, "successful"
        summary = (
            f"Deployed {plan.version} ({plan.digest}) to {plan.environment}; verified by {build}."
        )
    elif result == "rolled_back":
        status = Status.ROLLED_BACK
        summary = _roll_back(run, plan, repository, change, deployed, build)
    elif result == "failure":
        status = Status.FAILED
        summary = f"The deployment of {plan.version} to {plan.environment} failed ({build})."
    else:
        status = Status.FAILED
        notes = f"no outcome reported within {expiry_s / 3600:g} h"
        summary = f"The promote pipeline reported no outcome: {notes}."
    closing = f"{summary}\n{notes}".strip()
    if change is not None:
        steps.move_change(run, STAGE, change.sys_id, ChangeState.REVIEW)
        steps.close_change(run, STAGE, change.sys_id, code, closing)
    steps.record_promotion(
        run,
        "finished",
        status,
        f"{plan.title}: {status.value.replace('_', ' ')}"
        + (f"; {change.number} closed {code}" if change else ""),
        event_data(plan, change_number=change.number if change else None, result=result),
        comment=notes or None,
    )
    return status.value


def _roll_back(
    run: PromotionRun,
    plan: PromotionPlan,
    repository: Repository,
    change: ChangeRecord | None,
    deployed: Deployed,
    build: str,
) -> str:
    previous = deployed.previous_digest
    if previous is None:
        return f"Rolled back ({build}); no earlier digest was pinned, so nothing was committed."
    number = change.number if change else None
    under = f"under {number}" if number else "(no change required)"
    first_line = f"Roll back {plan.component} in {plan.environment} to {previous[:19]}… {under}"
    _, head, url = commit_digest(run, plan, repository, previous, first_line, change)
    steps.record_promotion(
        run,
        "rolled-back",
        None,
        f"{plan.title}: rolled back to {previous[:19]}… ({head[:12]})",
        event_data(plan, change_number=number, commit=head),
    )
    return (
        f"Rolled back ({build}): {previous} committed back to {plan.overlay} ({head[:12]}, {url})."
    )
