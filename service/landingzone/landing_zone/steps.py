"""Workflow steps: each makes one external call; transient faults are waited out (resilience.py).

Every step is safe to replay: the adapters look before they create, every resource is created
with this landing zone's marker and nothing without it is adopted, changed or deleted, and what
a step created is remembered on the landing zone so compensation knows exactly what to undo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbos import DBOS

from landingzone.audit.models import AuditEntry
from landingzone.integrations.base import (
    ApprovalRecord,
    ApprovalRequest,
    BranchRestriction,
    ForeignResource,
    InitialCommit,
    MailMessage,
    PermanentError,
    Repository,
)
from landingzone.integrations.pipelines import PipelineDefinition, QueuedBuild
from landingzone.landing_zone import runtime, workspace
from landingzone.landing_zone.approval_rules import decision_entry
from landingzone.landing_zone.folder_settings import folder_settings
from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.resilience import external
from landingzone.landing_zone.service import Plan, RequestRejected, make_plan
from landingzone.landing_zone.together import side_by_side
from landingzone.landing_zone.workspace import ENVIRONMENT, PROJECT, Addresses, Rendered

PROJECT_PUSHED = "project_pushed"  # resources flag: the point of no return has been passed


@DBOS.step()
def load_plan(run: Run) -> Plan:
    rt = runtime.current()
    record = rt.store.get(run.landing_zone_id)
    if record is None:
        raise PermanentError("landing-zone", f"landing zone {run.landing_zone_id} is gone")
    request = record.landing_zone_request()
    try:
        return make_plan(run.landing_zone_id, request, rt.configuration.platform, rt.classes)
    except RequestRejected as error:
        raise PermanentError("landing-zone", str(error)) from error


@external("bitbucket")
def check_repository_free(run: Run, stage: str, project: str, slug: str) -> None:
    found = runtime.current().repositories.find_repository(project, slug)
    if found is not None and found.owner != run.landing_zone_id:
        raise ForeignResource("bitbucket", f"repository {project}/{slug}", found.owner)


@external("bitbucket")
def check_group_known(run: Run, stage: str, group: str) -> None:
    # Before anything is made: the repository stage grants this group, after the push.
    if runtime.current().repositories.group_exists(group) is False:
        raise PermanentError("bitbucket", f"Bitbucket knows no group '{group}'")


@external("jenkins")
def check_folder_free(run: Run, stage: str, full_name: str) -> None:
    found = runtime.current().pipelines.find_item(full_name)
    if found is not None and found.owner != run.landing_zone_id:
        raise ForeignResource("jenkins", f"Jenkins item {full_name}", found.owner)


# ---------------------------------------------------------------- approvals


@external("servicenow")
def open_request(run: Run, stage: str, plan: Plan, link: str) -> ApprovalRecord:
    names = plan.names
    repository = f"{names.repository.project}/{names.repository.slug}"
    environment = f"{names.environment_repository.project}/{names.environment_repository.slug}"
    requester = f"{plan.requester_name} <{plan.requester_email}>"
    description = (
        f"Landing zone '{plan.name}' ({plan.class_id}) for tenant {plan.tenant}.\n"
        f"Owner: {plan.owner_ref}\nRequested by: {requester}\n"
        f"Repository: {repository}\nPipelines: {names.jenkins_folder}\n\n"
        f"{plan.description}\n\nTrack it: {link}"
    )
    facts = {
        "name": plan.name,
        "class": plan.class_id,
        "tenant": plan.tenant,
        "owner": plan.owner_ref,
        "description": plan.description,
        "system": plan.system,
        "requester": requester,
        "repository": repository,
        "environment_repository": environment,
        "build_pipeline": names.build_job,
        "promote_pipeline": names.promote_job,
        "link": link,
    }
    rt = runtime.current()
    record = rt.approvals.ensure_request(
        ApprovalRequest(
            correlation_id=plan.landing_zone_id,
            short_description=f"Landing zone {plan.tenant}/{plan.name} ({plan.class_id})",
            description=description,
            requested_for_email=plan.requester_email,
            needs_approval=plan.approval_required,
            approval_group=plan.approval_group,
            catalog_item=plan.catalog_item,
            facts=facts,
        )
    )
    rt.store.merge(run.landing_zone_id, "resources", {"request_sys_id": record.sys_id})
    _audit_decision(plan, record)
    return record


@external("servicenow")
def read_request(run: Run, stage: str, plan: Plan, sys_id: str) -> ApprovalRecord:
    """The request as ServiceNow has it now; a decision is recorded in the audit trail once."""
    record = runtime.current().approvals.get_request(sys_id)
    _audit_decision(plan, record)
    return record


def _audit_decision(plan: Plan, record: ApprovalRecord) -> None:
    entry = decision_entry(plan, record)
    if entry is not None:
        runtime.current().store.audit.append(entry)  # once: the entry's key is the request's


@external("servicenow")
def add_work_note(run: Run, stage: str, sys_id: str, text: str) -> None:
    runtime.current().approvals.add_work_note(sys_id, text)


@external("servicenow")
def close_request(
    run: Run, stage: str, sys_id: str, succeeded: bool, text: str, work_note: str | None = None
) -> None:
    runtime.current().approvals.close_request(
        sys_id, succeeded=succeeded, note=text, work_note=work_note
    )


@external("servicenow")
def cancel_request(
    run: Run, stage: str, sys_id: str, text: str, entry: AuditEntry | None = None
) -> None:
    """Withdraw the request; `entry` says why in the audit trail, once it is withdrawn."""
    rt = runtime.current()
    rt.approvals.cancel_request(sys_id, text)
    if entry is not None:
        rt.store.audit.append(entry)


@DBOS.step()
def current_links(run: Run) -> dict[str, str]:
    record = runtime.current().store.get(run.landing_zone_id)
    return dict(record.links) if record else {}


@DBOS.step()
def current_resources(run: Run) -> dict[str, Any]:
    record = runtime.current().store.get(run.landing_zone_id)
    return dict(record.resources) if record else {}


@DBOS.step()
def active_stage(run: Run) -> str:
    """The stage in progress (or the last one that failed): where an interruption belongs."""
    return runtime.current().store.steps.interrupted(run.landing_zone_id)


# ---------------------------------------------------------------- rendering and repositories


@external("bitbucket")
def locate_repositories(run: Run, stage: str, plan: Plan) -> Addresses:
    host = runtime.current().repositories
    project, environment = plan.names.repository, plan.names.environment_repository
    if project.project == environment.project:
        both = host.locate_repositories(project.project, (project.slug, environment.slug))
        return Addresses(project=both[0], environment=both[1])
    return Addresses(
        project=host.locate_repository(project.project, project.slug),
        environment=host.locate_repository(environment.project, environment.slug),
    )


@DBOS.step()
def render(run: Run, plan: Plan, request_number: str, addresses: Addresses) -> Rendered:
    """Both repositories' trees, into this replica's scratch area; only a summary is kept.

    The landing zone records the template version and the answers it was rendered with, the
    same its `.landingzone-answers.yml` holds: template updates start from them.
    """
    rendered = workspace.render_run(run, plan, request_number, addresses)
    rt = runtime.current()
    answers = workspace.project_context(plan, request_number, addresses).answer_values()
    version = rt.classes[plan.class_id].version or None
    rt.store.update(run.landing_zone_id, template_version=version, template_answers=answers)
    return rendered


@external("bitbucket")
def ensure_repository(run: Run, stage: str, project: str, slug: str, about: str) -> Repository:
    rt = runtime.current()
    repository = rt.repositories.ensure_repository(project, slug, about, run.landing_zone_id)
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


@external("bitbucket")
def push_project(
    run: Run, stage: str, plan: Plan, repository: Repository, rendered: Rendered
) -> str:
    source = _rendered_for(run, plan, repository, rendered, PROJECT)
    commit = _commit(plan, source, f"Initial {plan.class_id} project from Landing Zone")
    head = runtime.current().repositories.push_initial_commit(repository, commit)
    runtime.current().store.merge(run.landing_zone_id, "resources", {PROJECT_PUSHED: True})
    return head


@external("bitbucket")
def push_environment(
    run: Run, stage: str, plan: Plan, repository: Repository, rendered: Rendered
) -> str:
    source = _rendered_for(run, plan, repository, rendered, ENVIRONMENT)
    environments = plan.environments
    listed = f"{', '.join(environments[:-1])} and {environments[-1]}"
    commit = _commit(plan, source, f"Environments {listed}")
    return runtime.current().repositories.push_initial_commit(repository, commit)


def _rendered_for(
    run: Run, plan: Plan, repository: Repository, rendered: Rendered, kind: str
) -> Path:
    """The tree to push into `repository`, which must be served where the tree says it is."""
    expected = rendered.addresses.project if kind == PROJECT else rendered.addresses.environment
    if repository.address != expected:
        raise PermanentError(
            "bitbucket",
            f"repository {repository.project}/{repository.slug} is served at "
            f"{repository.browse_url}, not at {expected.browse_url} as rendered",
        )
    return workspace.tree(run, plan, rendered, kind)


@side_by_side
@external("bitbucket")
def set_default_branch(run: Run, stage: str, plan: Plan, repository: Repository) -> None:
    runtime.current().repositories.set_default_branch(repository, plan.default_branch)


@side_by_side
@external("bitbucket")
def restrict_branches(run: Run, stage: str, plan: Plan, repository: Repository) -> None:
    settings = runtime.current().configuration.settings
    restrictions = [
        BranchRestriction(
            kind=kind,  # type: ignore[arg-type]
            branch=f"refs/heads/{plan.default_branch}",
            except_users=(settings.bitbucket.username,),
        )
        for kind in plan.branch_restrictions
    ]
    runtime.current().repositories.ensure_branch_restrictions(repository, restrictions)


@side_by_side
@external("bitbucket")
def grant_owner(run: Run, stage: str, plan: Plan, repository: Repository) -> None:
    runtime.current().repositories.grant_group(repository, plan.owner_group, plan.owner_permission)


@side_by_side
@external("bitbucket")
def ensure_push_hook(run: Run, stage: str, repository: Repository) -> None:
    rt = runtime.current()
    url = rt.pipelines.push_hook_url(repository.clone_url)
    rt.repositories.ensure_webhook(repository, "jenkins", url, ["repo:refs_changed"])


def catalog_links(plan: Plan, repository: Repository) -> dict[str, str]:
    """Where Backstage reads the component's descriptor, and where it shows the component."""
    rt = runtime.current()
    backstage = rt.configuration.settings.backstage.url
    return {
        "catalog_info": rt.repositories.file_url(
            repository, "catalog-info.yaml", plan.default_branch
        ),
        "catalog_entity": f"{backstage}/catalog/default/component/{plan.name}",
    }


# ---------------------------------------------------------------- pipelines


@external("jenkins")
def ensure_folder(run: Run, stage: str, plan: Plan) -> str:
    rt = runtime.current()
    url = rt.pipelines.ensure_folder(
        plan.names.jenkins_folder,
        f"Pipelines of {plan.name}, owned by {plan.owner_ref}",
        run.landing_zone_id,
        folder_settings(plan, run.landing_zone_id, rt.configuration.settings),
    )
    rt.store.merge(run.landing_zone_id, "resources", {"jenkins_folder": plan.names.jenkins_folder})
    return url


@side_by_side
@external("jenkins")
def ensure_pipeline(run: Run, stage: str, full_name: str, definition: PipelineDefinition) -> str:
    return runtime.current().pipelines.ensure_pipeline(full_name, definition, run.landing_zone_id)


@external("jenkins")
def trigger_first_build(run: Run, stage: str, plan: Plan) -> QueuedBuild:
    return runtime.current().pipelines.trigger_build(plan.names.build_job, {})


@external("jenkins")
def first_build_url(run: Run, stage: str, queued: QueuedBuild) -> str | None:
    return runtime.current().pipelines.build_url(queued)


# ---------------------------------------------------------------- notification and compensation


@external("mail")
def send_mail(run: Run, stage: str, message: MailMessage) -> None:
    runtime.current().mailer.send(message)


@external("bitbucket")
def delete_repository(run: Run, stage: str, key: str) -> None:
    rt = runtime.current()
    project, slug = key.split("/", 1)
    rt.repositories.delete_repository(project, slug, run.landing_zone_id)
    rt.store.remove_from_list(run.landing_zone_id, "resources", "repositories", key)


@external("jenkins")
def delete_jenkins_folder(run: Run, stage: str, full_name: str) -> None:
    rt = runtime.current()
    rt.pipelines.delete_item(full_name, run.landing_zone_id)
    rt.store.merge(run.landing_zone_id, "resources", {"jenkins_folder": None})
