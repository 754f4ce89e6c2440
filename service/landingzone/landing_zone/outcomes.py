"""How a landing zone ends when it does not complete: rejected, or failed in some stage.

Before the point of no return (the project repository pushed) a failure undoes what this
landing zone made; after it, or when the platform's failure policy says "keep", everything is
kept and `/retry` resumes. Either way the requester hears of it once.
"""

from __future__ import annotations

from landingzone.integrations.base import ApprovalRecord, IntegrationError
from landingzone.landing_zone import runtime, steps
from landingzone.landing_zone.compensation import compensate
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.notifications import outcome_message
from landingzone.landing_zone.portal import notify_in_portal
from landingzone.landing_zone.progress import Run, note, set_status, skip_remaining
from landingzone.landing_zone.service import Plan
from landingzone.landing_zone.stages import StageFailed


def finish_rejected(
    run: Run, plan: Plan, record: ApprovalRecord, status_url: str, refusal: str | None = None
) -> str:
    """Rejected in ServiceNow, expired, or an approval the service refuses (`refusal`)."""
    reason = refusal or (
        "approval expired" if record.decision == "cancelled" else "rejected by the approver"
    )
    skip_remaining(run)
    set_status(run, Status.REJECTED, ("approve", reason))
    links = {"approval": record.url}
    message = outcome_message(plan, "rejected", links, status_url, reason, run_number=run.number)
    steps.send_mail(run, "approve", message)
    notify_in_portal(run, "approve", plan, "rejected", links, status_url, reason)
    return Status.REJECTED.value


def finish_failed(run: Run, plan: Plan, failure: StageFailed, status_url: str) -> None:
    resources = steps.current_resources(run)
    if resources.get(steps.PROJECT_PUSHED) or plan.failure_policy == "keep":
        reason = f"{failure.message} (everything created is kept; a retry resumes here)"
    else:
        left = compensate(
            run,
            failure.stage,
            f"Provisioning failed in {failure.stage}: {failure.message}",
            cancelled=False,
        )
        reason = failure.message + (f" (could not remove: {', '.join(left)})" if left else "")
    set_status(run, Status.FAILED, (failure.stage, reason))
    tell_it_failed(run, plan, reason, status_url)


def tell_it_failed(run: Run, plan: Plan, reason: str, status_url: str) -> None:
    """The requester and the platform team hear of a failure once, in one email."""
    team = runtime.current().configuration.settings.platform_team_email
    message = outcome_message(
        plan, "failed", {}, status_url, reason, run_number=run.number, copy_to=team
    )
    try:
        steps.send_mail(run, "notify", message)
    except IntegrationError:
        note(run, "failure-mail", "notify", "could not email the requester about the failure", {})
    links = steps.current_links(run)
    notify_in_portal(run, "notify", plan, "failed", links, status_url, reason)
