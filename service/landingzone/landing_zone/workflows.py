"""Control flow of a landing zone; every side effect happens in a step (steps.py, progress.py)."""

from __future__ import annotations

from typing import Literal

from dbos import DBOS, SetWorkflowID, WorkflowHandle
from dbos._error import DBOSMaxStepRetriesExceeded

from landingzone.integrations.base import (
    ApprovalRecord,
    IntegrationError,
    PipelineDefinition,
    PipelineParameter,
    Repository,
)
from landingzone.landing_zone import steps
from landingzone.landing_zone.compensation import compensate
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.notifications import outcome_message
from landingzone.landing_zone.progress import (
    Run,
    add_links,
    note,
    set_status,
    stage_failed,
    stage_finished,
    stage_started,
)
from landingzone.landing_zone.service import Plan

APPROVAL_TOPIC = "approval"
INTAKE_QUEUE = "intake"
PROVISIONING_QUEUE = "provisioning"
ENVIRONMENTS = ("dev", "test", "prod")


class StageFailed(Exception):
    def __init__(self, stage: str, message: str) -> None:
        super().__init__(stage, message)  # both in args, so the error survives pickling
        self.stage = stage
        self.message = message

    def __str__(self) -> str:
        return f"{self.stage}: {self.message}"


def workflow_id(landing_zone_id: str, run_number: int) -> str:
    return landing_zone_id if run_number == 0 else f"{landing_zone_id}:run-{run_number}"


def provisioning_id(landing_zone_id: str, run_number: int) -> str:
    return f"{landing_zone_id}:provision-{run_number}"


def environment_id(landing_zone_id: str, run_number: int) -> str:
    return f"{landing_zone_id}:environment-{run_number}"


# ---------------------------------------------------------------- the landing zone


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
        return Status.FAILED.value


def _stage_plan(run: Run, status_url: str) -> Plan | None:
    stage_started(run, "plan")
    plan: Plan | None = None
    try:
        plan = steps.load_plan(run)
        steps.check_names_free(run, plan)
    except (IntegrationError, DBOSMaxStepRetriesExceeded) as error:
        message = _failure_message(error) or str(error)
        stage_failed(run, "plan", message)
        set_status(run, Status.FAILED, ("plan", message))
        if plan is not None:
            _tell_requester_it_failed(run, plan, message, status_url)
        return None
    stage_finished(run, "plan", f"plan: names {plan.names.repository.project}/{plan.name} are free")
    return plan


def _stage_approve(
    run: Run, plan: Plan, status_url: str, poll_s: float, expiry_s: float
) -> ApprovalRecord:
    stage_started(run, "approve")
    with _failing_as(run, "approve"):
        record = steps.open_request(run, plan, status_url)
        add_links(run, {"approval": record.url, "request_number": record.number})
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
                    run, record.sys_id, "Approval expired; landing zone withdrawn."
                )
                stage_failed(run, "approve", "approval expired")
                return ApprovalRecord(record.sys_id, record.number, record.url, "cancelled")
            nudge = DBOS.recv(APPROVAL_TOPIC, timeout_seconds=min(poll_s, remaining))
            record = steps.read_request(run, record.sys_id)
            checks += 1
            if nudge is not None:
                note(
                    run,
                    f"callback-{checks}",
                    "approve",
                    f"ServiceNow called back; {record.number} reads {record.decision}",
                    {"decision": record.decision},
                )
        if record.decision == "approved":
            stage_finished(run, "approve", f"approve: {record.number} approved")
        else:
            stage_failed(run, "approve", f"{record.number} {record.decision}")
        return record


def _finish_rejected(run: Run, plan: Plan, record: ApprovalRecord, status_url: str) -> str:
    reason = "approval expired" if record.decision == "cancelled" else "rejected by the approver"
    set_status(run, Status.REJECTED, ("approve", reason))
    links = {"approval": record.url}
    steps.send_mail(run, "approve", outcome_message(plan, "rejected", links, status_url, reason))
    return Status.REJECTED.value


def _finish_failed(run: Run, plan: Plan, failure: StageFailed, status_url: str) -> None:
    if plan.failure_policy == "compensate":
        compensate(
            run, f"Provisioning failed in {failure.stage}: {failure.message}", cancelled=False
        )
    set_status(run, Status.FAILED, (failure.stage, failure.message))
    _tell_requester_it_failed(run, plan, failure.message, status_url)


def _tell_requester_it_failed(run: Run, plan: Plan, reason: str, status_url: str) -> None:
    try:
        steps.send_mail(run, "notify", outcome_message(plan, "failed", {}, status_url, reason))
    except (IntegrationError, DBOSMaxStepRetriesExceeded):
        note(run, "failure-mail", "notify", "could not email the requester about the failure", {})


# ---------------------------------------------------------------- provisioning (queued)


@DBOS.workflow()
def provision_workflow(run: Run, plan: Plan, record: ApprovalRecord, status_url: str) -> None:
    stage_started(run, "render")
    with _failing_as(run, "render"):
        files = steps.render_files(run, plan, record.number)
    stage_finished(run, "render", f"render: {len(files)} files from the {plan.class_id} template")

    # The two repositories do not depend on each other: create them side by side.
    with SetWorkflowID(environment_id(run.landing_zone_id, run.number)):
        environment = DBOS.start_workflow(environment_workflow, run, plan, record)
    try:
        repository = _stage_repository(run, plan, record)
    except StageFailed:
        _settle(environment)  # let it finish before compensation looks at what exists
        raise
    _stage_pipelines(run, plan, repository, environment.get_result())

    stage_started(run, "record")
    with _failing_as(run, "record"):
        links = steps.current_links(run)
        summary = "Landing zone completed.\n" + "\n".join(f"{k}: {v}" for k, v in links.items())
        steps.add_work_note(run, "record", record.sys_id, summary)
        steps.close_request(run, "record", record.sys_id, True, "Landing zone provisioned.")
    stage_finished(run, "record", f"record: links written on {record.number}, request closed")

    stage_started(run, "notify")
    with _failing_as(run, "notify"):
        steps.send_mail(run, "notify", outcome_message(plan, "completed", links, status_url))
    stage_finished(run, "notify", f"notify: email sent to {plan.requester_email}")
    set_status(run, Status.COMPLETED)


def _stage_repository(run: Run, plan: Plan, record: ApprovalRecord) -> Repository:
    stage_started(run, "repository")
    name = plan.names.repository
    with _failing_as(run, "repository"):
        repository = steps.ensure_repository(
            run, "repository", name.project, name.slug, plan.description[:255]
        )
        add_links(run, {"repository": repository.browse_url, "clone": repository.clone_url})
        head = steps.push_project(run, plan, repository, record.number)
        steps.set_default_branch(run, "repository", plan, repository)
        steps.restrict_branches(run, "repository", plan, repository)
        steps.grant_owner(run, "repository", plan, repository)
        steps.ensure_jenkins_webhook(run, repository)
        add_links(run, {"catalog_info": steps.catalog_info_url(plan, repository)})
    stage_finished(run, "repository", f"repository: {name.project}/{name.slug} at {head[:12]}")
    return repository


@DBOS.workflow()
def environment_workflow(run: Run, plan: Plan, record: ApprovalRecord) -> Repository:
    return _stage_environment(run, plan, record)


def _settle(handle: WorkflowHandle[Repository]) -> None:
    try:
        handle.get_result()
    except StageFailed:
        return


def _stage_environment(run: Run, plan: Plan, record: ApprovalRecord) -> Repository:
    stage_started(run, "environment")
    name = plan.names.environment_repository
    with _failing_as(run, "environment"):
        repository = steps.ensure_repository(
            run, "environment", name.project, name.slug, f"Environments of {plan.name}"
        )
        steps.push_environment(run, plan, repository, record.number)
        steps.set_default_branch(run, "environment", plan, repository)
        steps.restrict_branches(run, "environment", plan, repository)
        steps.grant_owner(run, "environment", plan, repository)
        add_links(run, {"environment_repository": repository.browse_url})
    stage_finished(
        run, "environment", f"environment: {name.project}/{name.slug} with dev, test, prod"
    )
    return repository


def _stage_pipelines(run: Run, plan: Plan, repository: Repository, env: Repository) -> None:
    stage_started(run, "pipelines")
    with _failing_as(run, "pipelines"):
        steps.ensure_folder(run, plan)
        build = PipelineDefinition(
            clone_url=repository.clone_url,
            credentials_id=plan.credentials_id,
            branch=plan.default_branch,
            script_path="Jenkinsfile",
            description=f"Builds, tests and publishes {plan.image}",
        )
        promote = PipelineDefinition(
            clone_url=repository.clone_url,
            credentials_id=plan.credentials_id,
            branch=plan.default_branch,
            script_path="Jenkinsfile.promote",
            description=f"Promotes {plan.image} to {', '.join(ENVIRONMENTS)} ({env.browse_url})",
            parameters=(
                PipelineParameter("VERSION", "Image version to promote"),
                PipelineParameter("TARGET_ENVIRONMENT", "Where to deploy", choices=ENVIRONMENTS),
            ),
        )
        build_url = steps.ensure_pipeline(run, plan.names.build_job, build)
        promote_url = steps.ensure_pipeline(run, plan.names.promote_job, promote)
        add_links(run, {"build_pipeline": build_url, "promote_pipeline": promote_url})
        queued = steps.trigger_first_build(run, plan)
    note(
        run,
        "first-build",
        "pipelines",
        f"first build queued (#{queued.queue_id})",
        {"queue_id": queued.queue_id},
    )
    stage_finished(run, "pipelines", f"pipelines: {plan.names.jenkins_folder} build and promote")


class _failing_as:
    """Turn an integration error inside a stage into StageFailed, recording the failure."""

    def __init__(self, run: Run, stage: str) -> None:
        self.run = run
        self.stage = stage

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> Literal[False]:
        message = _failure_message(error)
        if message is None:
            return False
        stage_failed(self.run, self.stage, message)
        raise StageFailed(self.stage, message) from error


def _failure_message(error: BaseException | None) -> str | None:
    if isinstance(error, IntegrationError):
        return str(error)
    if isinstance(error, DBOSMaxStepRetriesExceeded):
        last = error.errors[-1] if error.errors else error
        return f"{last} (gave up after {error.max_retries} attempts)"
    return None
