"""Workflow steps: each makes one external call, retried with backoff when the fault is transient.

Every step is safe to replay: the adapters look before they create, and what a step created is
remembered on the landing zone so compensation knows exactly what to undo.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dbos import DBOS

from landingzone.integrations.base import (
    ApprovalRecord,
    ApprovalRequest,
    BranchRestriction,
    InitialCommit,
    MailMessage,
    PermanentError,
    PipelineDefinition,
    QueuedBuild,
    Repository,
    TransientError,
)
from landingzone.landing_zone import runtime, workspace
from landingzone.landing_zone.models import LandingZoneRequest
from landingzone.landing_zone.progress import Run, count_retry
from landingzone.landing_zone.service import Plan, RequestRejected, make_plan


def _transient(error: BaseException) -> bool:
    return isinstance(error, TransientError)


RETRIES = {
    "retries_allowed": True,
    "max_attempts": 5,
    "interval_seconds": 1.0,
    "backoff_rate": 2.0,
    "should_retry": _transient,
}


@DBOS.step()
def load_plan(run: Run) -> Plan:
    rt = runtime.current()
    record = rt.store.get(run.landing_zone_id)
    if record is None:
        raise PermanentError("landing-zone", f"landing zone {run.landing_zone_id} is gone")
    request = LandingZoneRequest.model_validate(
        {k: v for k, v in record.request.items() if k != "__hash__"}
    )
    try:
        return make_plan(run.landing_zone_id, request, rt.configuration.platform, rt.classes)
    except RequestRejected as error:
        raise PermanentError("landing-zone", str(error)) from error


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def check_names_free(run: Run, plan: Plan) -> None:
    count_retry(run, "plan")
    rt = runtime.current()
    ours = rt.store.get(run.landing_zone_id)
    owned = set((ours.resources if ours else {}).get("repositories", []))
    for name in (plan.names.repository, plan.names.environment_repository):
        key = f"{name.project}/{name.slug}"
        if key not in owned and rt.repositories.find_repository(name.project, name.slug):
            raise PermanentError("bitbucket", f"repository {key} already exists")


# ---------------------------------------------------------------- approvals


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def open_request(run: Run, plan: Plan, link: str) -> ApprovalRecord:
    count_retry(run, "approve")
    description = (
        f"Landing zone '{plan.name}' ({plan.class_id}) for tenant {plan.tenant}.\n"
        f"Owner: {plan.owner_ref}\nRequested by: {plan.requester_name} <{plan.requester_email}>\n"
        f"Repository: {plan.names.repository.project}/{plan.names.repository.slug}\n"
        f"Pipelines: {plan.names.jenkins_folder}\n\n{plan.description}\n\nTrack it: {link}"
    )
    rt = runtime.current()
    record = rt.approvals.ensure_request(
        ApprovalRequest(
            correlation_id=plan.landing_zone_id,
            short_description=f"Landing zone {plan.tenant}/{plan.name} ({plan.class_id})",
            description=description,
            requested_for_email=plan.requester_email,
            needs_approval=plan.approval_required,
            approval_group=plan.approval_group,
        )
    )
    rt.store.merge(run.landing_zone_id, "resources", {"request_sys_id": record.sys_id})
    return record


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def read_request(run: Run, sys_id: str) -> ApprovalRecord:
    count_retry(run, "approve")
    return runtime.current().approvals.get_request(sys_id)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def add_work_note(run: Run, stage: str, sys_id: str, text: str) -> None:
    count_retry(run, stage)
    runtime.current().approvals.add_work_note(sys_id, text)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def close_request(run: Run, stage: str, sys_id: str, succeeded: bool, text: str) -> None:
    count_retry(run, stage)
    runtime.current().approvals.close_request(sys_id, succeeded=succeeded, note=text)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def cancel_request(run: Run, sys_id: str, text: str) -> None:
    runtime.current().approvals.cancel_request(sys_id, text)


@DBOS.step()
def current_links(run: Run) -> dict[str, str]:
    record = runtime.current().store.get(run.landing_zone_id)
    return dict(record.links) if record else {}


@DBOS.step()
def current_resources(run: Run) -> dict[str, Any]:
    record = runtime.current().store.get(run.landing_zone_id)
    return dict(record.resources) if record else {}


@DBOS.step()
def clock() -> float:
    return time.time()


# ---------------------------------------------------------------- rendering and repositories


@DBOS.step()
def render_files(run: Run, plan: Plan, request_number: str) -> list[str]:
    with workspace.scratch("render") as scratch:
        return workspace.render_project(plan, request_number, scratch).files


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def ensure_repository(run: Run, stage: str, project: str, slug: str, about: str) -> Repository:
    count_retry(run, stage)
    rt = runtime.current()
    repository = rt.repositories.ensure_repository(project, slug, about)
    rt.store.add_to_list(run.landing_zone_id, "resources", "repositories", f"{project}/{slug}")
    return repository


def _commit(plan: Plan, source: Path, message: str) -> InitialCommit:
    created = runtime.current().store.get(plan.landing_zone_id)
    stamp = int(created.created_at.timestamp()) if created else 0
    return InitialCommit(
        source_dir=source,
        branch=plan.default_branch,
        message=message,
        author_name=plan.requester_name,
        author_email=plan.requester_email,
        timestamp=stamp,
    )


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def push_project(run: Run, plan: Plan, repository: Repository, request_number: str) -> str:
    count_retry(run, "repository")
    with workspace.scratch("push") as scratch:
        rendered = workspace.render_project(plan, request_number, scratch)
        commit = _commit(plan, rendered.root, f"Initial {plan.class_id} project from Landing Zone")
        return runtime.current().repositories.push_initial_commit(repository, commit)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def push_environment(run: Run, plan: Plan, repository: Repository, request_number: str) -> str:
    count_retry(run, "environment")
    with workspace.scratch("environment") as scratch:
        rendered = workspace.render_environment(plan, request_number, scratch)
        commit = _commit(plan, rendered.root, "Environments dev, test and prod")
        return runtime.current().repositories.push_initial_commit(repository, commit)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def set_default_branch(run: Run, stage: str, plan: Plan, repository: Repository) -> None:
    count_retry(run, stage)
    runtime.current().repositories.set_default_branch(repository, plan.default_branch)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def restrict_branches(run: Run, stage: str, plan: Plan, repository: Repository) -> None:
    count_retry(run, stage)
    settings = runtime.current().configuration.settings
    restrictions = [
        BranchRestriction(
            kind=kind,  # type: ignore[arg-type]
            branch=f"refs/heads/{plan.default_branch}",
            except_users=(settings.bitbucket_username,),
        )
        for kind in plan.branch_restrictions
    ]
    runtime.current().repositories.ensure_branch_restrictions(repository, restrictions)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def grant_owner(run: Run, stage: str, plan: Plan, repository: Repository) -> None:
    count_retry(run, stage)
    runtime.current().repositories.grant_group(repository, plan.owner_group, plan.owner_permission)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def ensure_jenkins_webhook(run: Run, repository: Repository) -> None:
    count_retry(run, "repository")
    settings = runtime.current().configuration.settings
    url = settings.jenkins_url + settings.jenkins_webhook_path
    runtime.current().repositories.ensure_webhook(
        repository, "jenkins", url, ["repo:refs_changed", "pr:opened"]
    )


@DBOS.step()
def catalog_info_url(plan: Plan, repository: Repository) -> str:
    return runtime.current().repositories.file_url(
        repository, "catalog-info.yaml", plan.default_branch
    )


# ---------------------------------------------------------------- pipelines


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def ensure_folder(run: Run, plan: Plan) -> str:
    count_retry(run, "pipelines")
    rt = runtime.current()
    url = rt.pipelines.ensure_folder(
        plan.names.jenkins_folder, f"Pipelines of {plan.name}, owned by {plan.owner_ref}"
    )
    rt.store.merge(run.landing_zone_id, "resources", {"jenkins_folder": plan.names.jenkins_folder})
    return url


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def ensure_pipeline(run: Run, full_name: str, definition: PipelineDefinition) -> str:
    count_retry(run, "pipelines")
    return runtime.current().pipelines.ensure_pipeline(full_name, definition)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def trigger_first_build(run: Run, plan: Plan) -> QueuedBuild:
    count_retry(run, "pipelines")
    return runtime.current().pipelines.trigger_build(plan.names.build_job, {})


# ---------------------------------------------------------------- notification and compensation


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def send_mail(run: Run, stage: str, message: MailMessage) -> None:
    count_retry(run, stage)
    runtime.current().mailer.send(message)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def delete_repository(run: Run, key: str) -> None:
    rt = runtime.current()
    project, slug = key.split("/", 1)
    rt.repositories.delete_repository(project, slug)
    rt.store.remove_from_list(run.landing_zone_id, "resources", "repositories", key)


@DBOS.step(**RETRIES)  # type: ignore[arg-type]
def delete_jenkins_folder(run: Run, full_name: str) -> None:
    rt = runtime.current()
    rt.pipelines.delete_item(full_name)
    rt.store.merge(run.landing_zone_id, "resources", {"jenkins_folder": None})
