"""Provisioning on its bounded queue: render, repositories, pipelines, record, notify."""

from __future__ import annotations

from dataclasses import replace

from dbos import DBOS, SetWorkflowID, WorkflowHandle

from landingzone.integrations.base import (
    ApprovalRecord,
    PipelineDefinition,
    PipelineParameter,
    QueuedBuild,
    Repository,
)
from landingzone.landing_zone import runtime, steps
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.notifications import outcome_message
from landingzone.landing_zone.portal import notify_in_portal, register_in_catalog
from landingzone.landing_zone.progress import (
    Run,
    add_links,
    note,
    set_status,
    stage_finished,
    stage_started,
)
from landingzone.landing_zone.service import Plan
from landingzone.landing_zone.stages import StageFailed, failing_as

ENVIRONMENTS = ("dev", "test", "prod")
FIRST_BUILD_POLL_CEILING_S = 10.0


def environment_id(landing_zone_id: str, run_number: int) -> str:
    return f"{landing_zone_id}:environment-{run_number}"


@DBOS.workflow()
def provision_workflow(run: Run, plan: Plan, record: ApprovalRecord, status_url: str) -> None:
    stage_started(run, "render")
    with failing_as(run, "render"):
        files = steps.render_files(run, plan, record.number)
    stage_finished(run, "render", f"render: {len(files)} files from the {plan.class_id} template")

    # The two repositories do not depend on each other: create them side by side.
    with SetWorkflowID(environment_id(run.landing_zone_id, run.number)):
        environment = DBOS.start_workflow(environment_workflow, run, plan, record)
    try:
        repository = _stage_repository(run, plan, record)
    except StageFailed:
        _settle(environment)  # let it finish before anyone looks at what exists
        raise
    _stage_pipelines(run, plan, repository, environment.get_result())

    stage_started(run, "record")
    with failing_as(run, "record"):
        links = steps.current_links(run)
        summary = "Landing zone completed.\n" + "\n".join(f"{k}: {v}" for k, v in links.items())
        steps.add_work_note(run, "record", record.sys_id, summary)
        steps.close_request(run, "record", record.sys_id, True, "Landing zone provisioned.")
    stage_finished(run, "record", f"record: links written on {record.number}, request closed")

    stage_started(run, "notify")
    with failing_as(run, "notify"):
        message = outcome_message(plan, "completed", links, status_url, run_number=run.number)
        steps.send_mail(run, "notify", message)
    register_in_catalog(run, "notify", links)
    notify_in_portal(run, "notify", plan, "completed", links, status_url)
    stage_finished(run, "notify", f"notify: email sent to {plan.requester_email}")
    set_status(run, Status.COMPLETED)


def _stage_repository(run: Run, plan: Plan, record: ApprovalRecord) -> Repository:
    stage = "repository"
    stage_started(run, stage)
    name = plan.names.repository
    with failing_as(run, stage):
        repository = steps.ensure_repository(run, stage, name.project, name.slug, plan.description)
        add_links(run, {"repository": repository.browse_url, "clone": repository.clone_url})
        head = steps.push_project(run, stage, plan, repository, record.number)
        steps.set_default_branch(run, stage, plan, repository)
        steps.restrict_branches(run, stage, plan, repository)
        steps.grant_owner(run, stage, plan, repository)
        steps.ensure_push_hook(run, stage, repository)
        backstage = runtime.current().configuration.settings.backstage_url
        add_links(
            run,
            {
                "catalog_info": steps.catalog_info_url(plan, repository),
                "catalog_entity": f"{backstage}/catalog/default/component/{plan.name}",
            },
        )
    stage_finished(run, stage, f"repository: {name.project}/{name.slug} at {head[:12]}")
    return repository


@DBOS.workflow()
def environment_workflow(run: Run, plan: Plan, record: ApprovalRecord) -> Repository:
    stage = "environment"
    stage_started(run, stage)
    name = plan.names.environment_repository
    with failing_as(run, stage):
        repository = steps.ensure_repository(
            run, stage, name.project, name.slug, f"Environments of {plan.name}"
        )
        steps.push_environment(run, stage, plan, repository, record.number)
        steps.set_default_branch(run, stage, plan, repository)
        steps.restrict_branches(run, stage, plan, repository)
        steps.grant_owner(run, stage, plan, repository)
        add_links(run, {"environment_repository": repository.browse_url})
    stage_finished(run, stage, f"environment: {name.project}/{name.slug} with dev, test, prod")
    return repository


def _settle(handle: WorkflowHandle[Repository]) -> None:
    try:
        handle.get_result()
    except StageFailed:
        return


def _stage_pipelines(run: Run, plan: Plan, repository: Repository, env: Repository) -> None:
    stage = "pipelines"
    stage_started(run, stage)
    with failing_as(run, stage):
        steps.ensure_folder(run, stage, plan)
        build = PipelineDefinition(
            clone_url=repository.clone_url,
            credentials_id=plan.credentials_id,
            branch=plan.default_branch,
            script_path="Jenkinsfile",
            description=f"Builds, tests and publishes {plan.image}",
        )
        promote = replace(
            build,
            script_path="Jenkinsfile.promote",
            description=f"Promotes {plan.image} to {', '.join(ENVIRONMENTS)} ({env.browse_url})",
            parameters=(
                PipelineParameter("VERSION", "Image version to promote"),
                PipelineParameter("TARGET_ENVIRONMENT", "Where to deploy", choices=ENVIRONMENTS),
            ),
        )
        build_url = steps.ensure_pipeline(run, stage, plan.names.build_job, build)
        promote_url = steps.ensure_pipeline(run, stage, plan.names.promote_job, promote)
        add_links(run, {"build_pipeline": build_url, "promote_pipeline": promote_url})
        queued = steps.trigger_first_build(run, stage, plan)
        note(
            run,
            "first-build",
            stage,
            f"first build queued (#{queued.queue_id})",
            {"queue_id": queued.queue_id},
        )
        _link_first_build(run, queued)
    stage_finished(run, stage, f"pipelines: {plan.names.jenkins_folder} build and promote")


def _link_first_build(run: Run, queued: QueuedBuild) -> None:
    """Link the first build once Jenkins has started it; a long queue is noted, not waited out."""
    limit = runtime.current().configuration.settings.first_build_wait_seconds
    waited, pause = 0.0, 0.25
    while True:
        url = steps.first_build_url(run, "pipelines", queued)
        if url is not None:
            add_links(run, {"first_build": url})
            return
        if waited >= limit:
            note(
                run,
                "first-build-queued",
                "pipelines",
                f"the first build is still queued after {waited:.0f} s; see the build pipeline",
                {"queue_id": queued.queue_id},
            )
            return
        DBOS.sleep(pause)
        waited += pause
        pause = min(pause * 2, FIRST_BUILD_POLL_CEILING_S)
