"""Control flow of a landing zone: plan, approve, then provisioning (provisioning.py) on its queue.

Every side effect happens in a step (steps.py, progress.py). Whatever goes wrong ends in a
terminal status: a failure before the point of no return (the project repository pushed) undoes
what this landing zone made; after it, everything is kept and `/retry` resumes.
"""

from __future__ import annotations

from dbos import DBOS, SetWorkflowID

from landingzone.integrations.base import ApprovalRecord, IntegrationError
from landingzone.landing_zone import runtime, steps
from landingzone.landing_zone.compensation import compensate
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.notifications import outcome_message
from landingzone.landing_zone.portal import notify_in_portal
from landingzone.landing_zone.progress import (
    Run,
    add_links,
    note,
    set_status,
    skip_remaining,
    stage_failed,
    stage_finished,
    stage_started,
)
from landingzone.landing_zone.provisioning import provision_workflow
from landingzone.landing_zone.service import Plan
from landingzone.landing_zone.stages import (
    StageFailed,
    failing_as,
    failure_message,
    is_engine_control,
)

APPROVAL_TOPIC = "approval"
INTAKE_QUEUE = "intake"
PROVISIONING_QUEUE = "provisioning"


def workflow_id(landing_zone_id: str, run_number: int) -> str:
    return landing_zone_id if run_number == 0 else f"{landing_zone_id}:run-{run_number}"


def provisioning_id(landing_zone_id: str, run_number: int) -> str:
    return f"{landing_zone_id}:provision-{run_number}"


@DBOS.workflow()
def landing_zone_workflow(
    run: Run, status_url: str, approval_poll_s: float, expiry_s: float
) -> str:
    plan = _stage_plan(run, status_url)
    if plan is None:
        return Status.FAILED.value
    try:
        record = _stage_approve(run, plan, status_url, approval_poll_s, expiry_s)
        if record.decision != "approved":
            return _finish_rejected(run, plan, record, status_url)
        set_status(run, Status.PROVISIONING)
        queue = DBOS.retrieve_queue(PROVISIONING_QUEUE)
        assert queue is not None, "the provisioning queue is registered at start-up"
        with SetWorkflowID(provisioning_id(run.landing_zone_id, run.number)):
            handle = queue.enqueue(provision_workflow, run, plan, record, status_url)
        handle.get_result()
        return Status.COMPLETED.value
    except StageFailed as failure:
        _finish_failed(run, plan, failure, status_url)
    except Exception as error:
        if is_engine_control(error):
            raise
        _finish_failed(
            run, plan, StageFailed(steps.active_stage(run), failure_message(error)), status_url
        )
    return Status.FAILED.value


def _stage_plan(run: Run, status_url: str) -> Plan | None:
    stage_started(run, "plan")
    plan: Plan | None = None
    try:
        with failing_as(run, "plan"):
            plan = steps.load_plan(run)
            names = plan.names
            for repository in (names.repository, names.environment_repository):
                steps.check_repository_free(run, "plan", repository.project, repository.slug)
            steps.check_folder_free(run, "plan", names.jenkins_folder)
    except StageFailed as failure:
        set_status(run, Status.FAILED, ("plan", failure.message))
        if plan is not None:
            _tell_it_failed(run, plan, failure.message, status_url)
        return None
    stage_finished(run, "plan", f"plan: names {names.repository.project}/{plan.name} are free")
    return plan


def _stage_approve(
    run: Run, plan: Plan, status_url: str, poll_s: float, expiry_s: float
) -> ApprovalRecord:
    stage_started(run, "approve")
    with failing_as(run, "approve"):
        record = steps.open_request(run, "approve", plan, status_url)
        add_links(run, approval_links(record))
        if not plan.approval_required:
            stage_finished(
                run, "approve", f"approve: {record.number} approved by policy", skipped=True
            )
            return record
        set_status(run, Status.PENDING_APPROVAL)
        note(
            run,
            "approval-requested",
            "approve",
            f"approval requested in {record.number}",
            {"request_number": record.number, "url": record.url},
        )
        deadline = steps.clock() + expiry_s
        checks = 0
        while record.decision == "pending":
            remaining = deadline - steps.clock()
            if remaining <= 0:
                steps.cancel_request(
                    run, "approve", record.sys_id, "Approval expired; landing zone withdrawn."
                )
                stage_failed(run, "approve", "approval expired")
                return ApprovalRecord(record.sys_id, record.number, record.url, "cancelled")
            nudge = DBOS.recv(APPROVAL_TOPIC, timeout_seconds=min(poll_s, remaining))
            record = steps.read_request(run, "approve", record.sys_id)
            checks += 1
            if nudge is not None:
                note(
                    run,
                    f"callback-{checks}",
                    "approve",
                    f"ServiceNow called back; {record.number} reads {record.decision}",
                    {"decision": record.decision},
                )
        by = f" by {', '.join(record.decided_by)}" if record.decided_by else ""
        if record.decision == "approved":
            stage_finished(run, "approve", f"approve: {record.number} approved{by}")
        else:
            stage_failed(run, "approve", f"{record.number} {record.decision}{by}")
        return record


def approval_links(record: ApprovalRecord) -> dict[str, str]:
    """The requested item the decision lives on and, where there is one, its request."""
    links = {"approval": record.url, "request_number": record.number}
    if record.request_number:
        links["catalog_request"] = record.request_number
    return links


def _finish_rejected(run: Run, plan: Plan, record: ApprovalRecord, status_url: str) -> str:
    reason = "approval expired" if record.decision == "cancelled" else "rejected by the approver"
    skip_remaining(run)
    set_status(run, Status.REJECTED, ("approve", reason))
    links = {"approval": record.url}
    message = outcome_message(plan, "rejected", links, status_url, reason, run_number=run.number)
    steps.send_mail(run, "approve", message)
    notify_in_portal(run, "approve", plan, "rejected", links, status_url, reason)
    return Status.REJECTED.value


def _finish_failed(run: Run, plan: Plan, failure: StageFailed, status_url: str) -> None:
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
    _tell_it_failed(run, plan, reason, status_url)


def _tell_it_failed(run: Run, plan: Plan, reason: str, status_url: str) -> None:
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
