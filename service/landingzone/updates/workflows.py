"""A template update's control flow: render both versions, merge, push a branch, open the pull
request, fail its build on conflicts, supersede older ones. Nothing goes to the default branch.
"""

from __future__ import annotations

from dataclasses import replace

from dbos import DBOS

from landingzone.integrations.base import IntegrationError
from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.stages import is_engine_control
from landingzone.rendering.versions import version_key
from landingzone.updates import describe, steps
from landingzone.updates.models import UpdateStatus

STAGE = "update"


@DBOS.workflow()
def update_workflow(update_id: str, run_number: int) -> str:
    plan = steps.load(update_id)
    run = Run(plan.landing_zone_id, run_number)
    try:
        repository = steps.find_repository(run, STAGE, plan)
        found = steps.version_on_branch(run, STAGE, plan, repository)
        if found != plan.from_version:
            plan = replace(plan, from_version=found)
            steps.record(update_id, {"from_version": found})
        if version_key(found) >= version_key(plan.to_version):
            steps.record(update_id, {"status": UpdateStatus.CURRENT})
            return UpdateStatus.CURRENT.value
        pushed = steps.push_change(run, STAGE, plan, repository)
        if pushed.empty:
            steps.record(
                update_id,
                {"status": UpdateStatus.CURRENT, "kept_deleted": list(pushed.kept_deleted)},
            )
            return UpdateStatus.CURRENT.value
        steps.record(
            update_id,
            {
                "branch": describe.branch_for(plan.to_version),
                "commit_id": pushed.commit,
                "files": list(pushed.files),
                "conflicts": list(pushed.conflicts),
                "kept_deleted": list(pushed.kept_deleted),
            },
        )
        pull_request = steps.open_pull_request(run, STAGE, plan, repository, pushed)
        steps.record(
            update_id,
            {"pull_request_id": pull_request.id, "pull_request_url": pull_request.url},
        )
        if pushed.conflicts:
            steps.fail_build(run, STAGE, pull_request, len(pushed.conflicts))
        superseding = steps.supersede(run, STAGE, plan, repository, pull_request.id)
        steps.mark_superseded(plan, superseding.declined)
        status = UpdateStatus.OPENED if superseding.newer is None else UpdateStatus.SUPERSEDED
        steps.record(update_id, {"status": status})
        return status.value
    except Exception as error:
        if is_engine_control(error):
            raise
        message = str(error) if isinstance(error, IntegrationError) else f"unexpected: {error}"
        steps.record(update_id, {"status": UpdateStatus.FAILED, "error": message})
        return UpdateStatus.FAILED.value
