"""Steps of a template update: each external call one durable step (resilience.external), safe
to replay. The branch name and the merge commit are deterministic, and opening a pull request
that is already open returns it (Bitbucket's 409 duplicate), so a rerun never opens another.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from email.utils import parseaddr
from typing import Any

from dbos import DBOS

from landingzone.integrations.base import ForeignResource, PermanentError, Repository
from landingzone.integrations.pull_requests import (
    BuildStatus,
    ChangePushed,
    PullRequest,
    PullRequestDraft,
    PullRequestHost,
    TemplateChange,
)
from landingzone.landing_zone import runtime, workspace
from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.resilience import external
from landingzone.landing_zone.service import make_plan
from landingzone.landing_zone.store import Record
from landingzone.rendering.answers import ANSWERS_FILE, read_answers
from landingzone.rendering.classes import InputError, TemplateError
from landingzone.rendering.engine import RenderError
from landingzone.rendering.renderer import context_from_answers, render_project
from landingzone.rendering.versions import changes_between, is_version, template_at, version_key
from landingzone.updates import describe
from landingzone.updates.models import UpdateStatus
from landingzone.updates.store import UpdateStore


@dataclass(frozen=True)
class UpdatePlan:
    update_id: str
    landing_zone_id: str
    class_id: str
    from_version: str
    to_version: str
    answers: dict[str, Any]
    project: str
    slug: str
    default_branch: str
    timestamp: int  # when the update was asked for: the commit's date, fixed for replays


def updates() -> UpdateStore:
    return UpdateStore(runtime.current().store.engine)


def pull_request_host() -> PullRequestHost:
    host = runtime.current().repositories
    if not isinstance(host, PullRequestHost):
        raise PermanentError("bitbucket", "the repository host does not open pull requests")
    return host


def repository_of(record: Record) -> tuple[str, str, str]:
    """The landing zone's project repository (project, slug) and its default branch."""
    rt = runtime.current()
    request = record.landing_zone_request()
    plan = make_plan(record.id, request, rt.configuration.platform, rt.classes)
    return plan.names.repository.project, plan.names.repository.slug, plan.default_branch


@DBOS.step()
def load(update_id: str) -> UpdatePlan:
    rt = runtime.current()
    update = updates().get(update_id)
    record = rt.store.get(update.landing_zone_id) if update else None
    if update is None or record is None or not record.template_answers:
        raise PermanentError("landing-zone", f"update {update_id} has no rendered landing zone")
    project, slug, default_branch = repository_of(record)
    return UpdatePlan(
        update_id=update_id,
        landing_zone_id=record.id,
        class_id=str(record.request["class"]),
        from_version=update.from_version,
        to_version=update.to_version,
        answers=dict(record.template_answers),
        project=project,
        slug=slug,
        default_branch=default_branch,
        timestamp=calendar.timegm(update.created_at.utctimetuple()),
    )


@DBOS.step()
def record(update_id: str, values: dict[str, Any]) -> None:
    updates().update(update_id, **values)


@external("bitbucket")
def find_repository(run: Run, stage: str, plan: UpdatePlan) -> Repository:
    found = runtime.current().repositories.find_repository(plan.project, plan.slug)
    if found is None:
        raise PermanentError("bitbucket", f"repository {plan.project}/{plan.slug} is gone")
    if found.owner != plan.landing_zone_id:
        raise ForeignResource("bitbucket", f"repository {plan.project}/{plan.slug}", found.owner)
    return found


@external("bitbucket")
def version_on_branch(run: Run, stage: str, plan: UpdatePlan, repository: Repository) -> str:
    """The version the default branch's answers file names (an update merged since the
    service last looked), or the recorded one when the file is missing or unreadable."""
    text = runtime.current().repositories.read_file(repository, ANSWERS_FILE, plan.default_branch)
    try:
        version = read_answers(text).version if text is not None else plan.from_version
    except InputError:
        return plan.from_version
    if not is_version(version) or version_key(version) <= version_key(plan.from_version):
        return plan.from_version
    runtime.current().store.update(plan.landing_zone_id, template_version=version)
    return version


@external("bitbucket")
def push_change(run: Run, stage: str, plan: UpdatePlan, repository: Repository) -> ChangePushed:
    """Render both versions with the recorded answers and push their merged difference."""
    rt = runtime.current()
    templates = rt.configuration.settings.templates_dir
    _, sender = parseaddr(rt.configuration.settings.smtp.from_address)
    with workspace.scratch("update") as folder:
        try:
            # Answers recorded before templates named the landing zone lack its id.
            context = replace(
                context_from_answers(plan.answers), landing_zone_id=plan.landing_zone_id
            )
            trees = [
                render_project(
                    template_at(templates, plan.class_id, version), context, folder / kind
                )
                for kind, version in (("old", plan.from_version), ("new", plan.to_version))
            ]
        except (InputError, RenderError, TemplateError) as error:
            raise PermanentError("rendering", str(error)) from None
        change = TemplateChange(
            old_tree=trees[0].root,
            new_tree=trees[1].root,
            base_branch=plan.default_branch,
            branch=describe.branch_for(plan.to_version),
            message=describe.title(plan.class_id, plan.from_version, plan.to_version),
            author_name="Landing Zone",
            author_email=sender or "landing-zone@example.internal",
            timestamp=plan.timestamp,
            owner=plan.landing_zone_id,
        )
        return pull_request_host().push_template_change(repository, change)


@external("bitbucket")
def open_pull_request(
    run: Run, stage: str, plan: UpdatePlan, repository: Repository, pushed: ChangePushed
) -> PullRequest:
    templates = runtime.current().configuration.settings.templates_dir
    target = template_at(templates, plan.class_id, plan.to_version)
    entries = changes_between(target.template_dir, plan.from_version, plan.to_version)
    draft = PullRequestDraft(
        branch=describe.branch_for(plan.to_version),
        target=plan.default_branch,
        title=describe.title(plan.class_id, plan.from_version, plan.to_version),
        description=describe.description(
            plan.class_id, plan.from_version, plan.to_version, entries, pushed
        ),
        owner=plan.landing_zone_id,
    )
    return pull_request_host().open_pull_request(repository, draft)


@external("bitbucket")
def fail_build(run: Run, stage: str, pull_request: PullRequest, conflicts: int) -> None:
    status = BuildStatus(
        key=describe.BUILD_STATUS_KEY,
        state="FAILED",
        name="Landing Zone template update",
        url=pull_request.url,
        description=f"{conflicts} file(s) hold conflict markers; resolve them before merging",
    )
    pull_request_host().set_build_status(pull_request.commit, status)


@dataclass(frozen=True)
class Superseding:
    declined: list[int]  # older update pull requests this one declined
    newer: int | None  # a newer update's open pull request, when this one came too late


@external("bitbucket")
def supersede(
    run: Run, stage: str, plan: UpdatePlan, repository: Repository, mine: int
) -> Superseding:
    """Leave one update pull request open per landing zone: the one of the newest version.

    Older ones are declined; when a newer one is open already (its update overtook this one),
    this one is declined instead.
    """
    host = pull_request_host()
    target = version_key(plan.to_version)
    declined: list[int] = []
    newer = None
    for other in host.open_pull_requests(repository, plan.landing_zone_id):
        version = describe.version_of(other.branch)
        if other.id == mine or version is None:
            continue
        if version_key(version) < target:
            host.decline_pull_request(repository, other.id, plan.landing_zone_id)
            declined.append(other.id)
        elif version_key(version) > target:
            newer = other.id
    if newer is not None:
        host.decline_pull_request(repository, mine, plan.landing_zone_id)
    return Superseding(declined, newer)


@DBOS.step()
def mark_superseded(plan: UpdatePlan, pull_request_ids: list[int]) -> None:
    store = updates()
    for older in store.of(plan.landing_zone_id):
        if older.id != plan.update_id and older.pull_request_id in pull_request_ids:
            store.update(older.id, status=UpdateStatus.SUPERSEDED)
