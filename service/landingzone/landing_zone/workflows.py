"""A landing zone's control flow: the eight stages of the design, in order.

    plan -> approve -> render -> repository | environment -> pipelines -> record -> notify

`landing_zone_workflow` plans and gets the approval, then hands over to `provision_workflow`
on the bounded provisioning queue; the environment repository is made by a workflow of its own,
side by side with the project repository, and within a stage the calls that do not depend on
each other go out side by side too (together.py). Every side effect happens in a step (steps.py,
progress.py). Whatever goes wrong ends in a terminal status (outcomes.py): a failure before the
point of no return (the project repository pushed) undoes what this landing zone made; after
it, everything is kept and `/retry` resumes.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbos import DBOS, SetWorkflowID, WorkflowHandle

from landingzone.integrations.base import Repository
from landingzone.integrations.pipelines import QueuedBuild
from landingzone.landing_zone import runtime, steps, workspace
from landingzone.landing_zone.approval import stage_approve
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.notifications import outcome_message
from landingzone.landing_zone.outcomes import finish_failed, finish_rejected, tell_it_failed
from landingzone.landing_zone.portal import notify_in_portal, register_in_catalog
from landingzone.landing_zone.progress import Run, add_links, note, set_status
from landingzone.landing_zone.service import Plan
from landingzone.landing_zone.stages import StageFailed, failure_message, is_engine_control, stage
from landingzone.landing_zone.together import side, together
from landingzone.landing_zone.workspace import Rendered
from landingzone.promotion.credentials import issue_promotion_credential

INTAKE_QUEUE = "intake"
PROVISIONING_QUEUE = "provisioning"
FIRST_BUILD_POLL_CEILING_S = 10.0
# The landing zone's workflow waits for its provisioning only to report a failure: a success is
# recorded by provisioning itself. Each look is a read of the system database, and under load
# dozens of landing zones wait at once, so they look once a second, not at the queue's pace.
PROVISIONING_RESULT_POLL_S = 1.0


def workflow_id(landing_zone_id: str, run_number: int) -> str:
    return landing_zone_id if run_number == 0 else f"{landing_zone_id}:run-{run_number}"


def provisioning_id(landing_zone_id: str, run_number: int) -> str:
    return f"{landing_zone_id}:provision-{run_number}"


def environment_id(landing_zone_id: str, run_number: int) -> str:
    return f"{landing_zone_id}:environment-{run_number}"


@dataclass(frozen=True)
class Ticket:
    """The ServiceNow request provisioning reports to: what child workflows need of it."""

    sys_id: str
    number: str


# ---------------------------------------------------------------- the workflows


@DBOS.workflow()
def landing_zone_workflow(
    run: Run, status_url: str, approval_poll_s: float, expiry_s: float
) -> str:
    plan = stage_plan(run, status_url)
    if plan is None:
        return Status.FAILED.value
    try:
        decided = stage_approve(run, plan, status_url, approval_poll_s, expiry_s)
        record = decided.record
        if not decided.approved:
            return finish_rejected(run, plan, record, status_url, decided.refusal)
        set_status(run, Status.PROVISIONING)
        _provision_on_queue(run, plan, Ticket(record.sys_id, record.number), status_url)
        return Status.COMPLETED.value
    except StageFailed as failure:
        finish_failed(run, plan, failure, status_url)
    except Exception as error:
        if is_engine_control(error):
            raise
        interrupted = StageFailed(steps.active_stage(run), failure_message(error))
        finish_failed(run, plan, interrupted, status_url)
    return Status.FAILED.value


@DBOS.workflow()
def provision_workflow(run: Run, plan: Plan, ticket: Ticket, status_url: str) -> None:
    rendered = stage_render(run, plan, ticket)
    with SetWorkflowID(environment_id(run.landing_zone_id, run.number)):
        environment = DBOS.start_workflow(environment_workflow, run, plan, rendered)
    try:
        repository = stage_repository(run, plan, rendered)
        environment_repository = environment.get_result()
    except StageFailed:
        _settle(environment)  # let it finish before anyone looks at what exists
        workspace.discard(run)
        raise
    workspace.discard(run)  # both trees are pushed
    stage_pipelines(run, plan, repository, environment_repository)
    links = stage_record(run, ticket)
    stage_notify(run, plan, links, status_url)
    set_status(run, Status.COMPLETED)


@DBOS.workflow()
def environment_workflow(run: Run, plan: Plan, rendered: Rendered) -> Repository:
    return stage_environment(run, plan, rendered)


# ---------------------------------------------------------------- the stages, in order


def stage_plan(run: Run, status_url: str) -> Plan | None:
    """Validate the request against the platform, derive the names, check they are free."""
    plan: Plan | None = None
    try:
        with stage(run, "plan") as current:
            plan = steps.load_plan(run)
            names = plan.names
            for repository in (names.repository, names.environment_repository):
                steps.check_repository_free(run, current.name, repository.project, repository.slug)
            steps.check_folder_free(run, current.name, names.jenkins_folder)
            steps.check_group_known(run, current.name, plan.owner_group)
            current.finished(f"plan: names {names.repository.project}/{plan.name} are free")
    except StageFailed as failure:
        set_status(run, Status.FAILED, ("plan", failure.message))
        if plan is not None:
            tell_it_failed(run, plan, failure.message, status_url)
        return None
    return plan


def stage_render(run: Run, plan: Plan, ticket: Ticket) -> Rendered:
    """Both repositories rendered once, for the addresses Bitbucket will serve them at."""
    with stage(run, "render") as current:
        addresses = steps.locate_repositories(run, current.name, plan)
        rendered = steps.render(run, plan, ticket.number, addresses)
        current.finished(f"render: {rendered.files} files from the {plan.class_id} template")
    return rendered


def stage_repository(run: Run, plan: Plan, rendered: Rendered) -> Repository:
    """The project repository: created, pushed (the point of no return), protected, hooked."""
    name = plan.names.repository
    with stage(run, "repository") as current:
        repository = steps.ensure_repository(
            run, current.name, name.project, name.slug, plan.description
        )
        add_links(run, {"repository": repository.browse_url, "clone": repository.clone_url})
        head = steps.push_project(run, current.name, plan, repository, rendered)
        together(
            run,
            current.name,
            side(steps.set_default_branch, plan, repository),
            side(steps.restrict_branches, plan, repository),
            side(steps.grant_owner, plan, repository),
            side(steps.ensure_push_hook, repository),
        )
        add_links(run, steps.catalog_links(plan, repository))
        current.finished(f"repository: {name.project}/{name.slug} at {head[:12]}")
    return repository


def stage_environment(run: Run, plan: Plan, rendered: Rendered) -> Repository:
    """The "<name>-env" repository with the plan's environments."""
    name = plan.names.environment_repository
    with stage(run, "environment") as current:
        repository = steps.ensure_repository(
            run, current.name, name.project, name.slug, f"Environments of {plan.name}"
        )
        steps.push_environment(run, current.name, plan, repository, rendered)
        together(
            run,
            current.name,
            side(steps.set_default_branch, plan, repository),
            side(steps.restrict_branches, plan, repository),
            side(steps.grant_owner, plan, repository),
        )
        add_links(run, {"environment_repository": repository.browse_url})
        environments = ", ".join(plan.environments)
        current.finished(f"environment: {name.project}/{name.slug} with {environments}")
    return repository


def stage_pipelines(run: Run, plan: Plan, repository: Repository, environment: Repository) -> None:
    """The Jenkins folder; in it, side by side, the promotion credential and the build and
    promote pipelines; then the first build."""
    with stage(run, "pipelines") as current:
        steps.ensure_folder(run, current.name, plan)
        build, promote = plan.pipelines(repository, environment)
        credential_id, build_url, promote_url = together(
            run,
            current.name,
            side(issue_promotion_credential, plan),
            side(steps.ensure_pipeline, build.full_name, build.definition),
            side(steps.ensure_pipeline, promote.full_name, promote.definition),
        )
        note(
            run,
            "promotion-credential",
            current.name,
            f"promotion credential {credential_id} issued in {plan.names.jenkins_folder}",
            {"credential_id": credential_id},
        )
        add_links(run, {"build_pipeline": build_url, "promote_pipeline": promote_url})
        queued = steps.trigger_first_build(run, current.name, plan)
        note(
            run,
            "first-build",
            current.name,
            f"first build queued (#{queued.queue_id})",
            {"queue_id": queued.queue_id},
        )
        _link_first_build(run, current.name, queued)
        current.finished(f"pipelines: {plan.names.jenkins_folder} build and promote")


def stage_record(run: Run, ticket: Ticket) -> dict[str, str]:
    """Every link written on the ServiceNow request, which is then closed; returns the links."""
    with stage(run, "record") as current:
        links = steps.current_links(run)
        summary = "Landing zone completed.\n" + "\n".join(f"{k}: {v}" for k, v in links.items())
        steps.close_request(
            run, current.name, ticket.sys_id, True, "Landing zone provisioned.", summary
        )
        current.finished(f"record: links written on {ticket.number}, request closed")
    return links


def stage_notify(run: Run, plan: Plan, links: dict[str, str], status_url: str) -> None:
    """The requester's email, the component in the Backstage catalog, a Backstage notification."""
    with stage(run, "notify") as current:
        message = outcome_message(plan, "completed", links, status_url, run_number=run.number)
        steps.send_mail(run, current.name, message)
        register_in_catalog(run, current.name, links)
        notify_in_portal(run, current.name, plan, "completed", links, status_url)
        current.finished("notify: email sent to the requester", {"to": plan.requester_email})


# ---------------------------------------------------------------- helpers


def _provision_on_queue(run: Run, plan: Plan, ticket: Ticket, status_url: str) -> None:
    queue = DBOS.retrieve_queue(PROVISIONING_QUEUE)
    if queue is None:
        raise RuntimeError(f"the {PROVISIONING_QUEUE!r} queue is not registered")
    with SetWorkflowID(provisioning_id(run.landing_zone_id, run.number)):
        handle = queue.enqueue(provision_workflow, run, plan, ticket, status_url)
    handle.get_result(polling_interval_sec=PROVISIONING_RESULT_POLL_S)


def _settle(handle: WorkflowHandle[Repository]) -> None:
    try:
        handle.get_result()
    except StageFailed:
        return


def _link_first_build(run: Run, stage_name: str, queued: QueuedBuild) -> None:
    """Link the first build once Jenkins has started it; a long queue is noted, not waited out."""
    limit = runtime.current().configuration.settings.first_build_wait_seconds
    waited, pause = 0.0, 0.25
    while True:
        url = steps.first_build_url(run, stage_name, queued)
        if url is not None:
            add_links(run, {"first_build": url})
            return
        if waited >= limit:
            note(
                run,
                "first-build-queued",
                stage_name,
                f"the first build is still queued after {waited:.0f} s; see the build pipeline",
                {"queue_id": queued.queue_id},
            )
            return
        DBOS.sleep(pause)
        waited += pause
        pause = min(pause * 2, FIRST_BUILD_POLL_CEILING_S)
