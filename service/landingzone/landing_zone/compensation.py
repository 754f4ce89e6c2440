"""Undo what a landing zone created: after a failure before the point of no return, or a cancel.

Only resources that carry this landing zone's marker are deleted. Compensation waits out an
outage like any step; a resource that cannot be removed is reported, never left unmentioned,
and compensation always lets the landing zone reach a terminal status.
"""

from __future__ import annotations

from collections.abc import Callable

from dbos import DBOS

from landingzone.integrations.base import IntegrationError
from landingzone.landing_zone import steps, workspace
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.notifications import outcome_message
from landingzone.landing_zone.progress import Run, note, set_status, settle_steps


def compensate(run: Run, stage: str, reason: str, *, cancelled: bool, sweep: int = 0) -> list[str]:
    """Undo this landing zone's resources, newest first; returns those that could not be."""
    resources = steps.current_resources(run)
    folder = resources.get("jenkins_folder")
    repositories = [str(key) for key in resources.get("repositories", [])]
    removed: list[str] = []
    left: list[str] = []

    def undo(label: str, delete: Callable[[Run, str, str], None], name: str) -> None:
        try:
            delete(run, stage, name)
            removed.append(name)
        except IntegrationError as error:
            left.append(name)
            note(run, f"compensate-{sweep}-{name}", stage, f"could not remove {label}: {error}", {})

    if isinstance(folder, str):
        undo(f"Jenkins folder {folder}", steps.delete_jenkins_folder, folder)
    for key in reversed(repositories):
        undo(f"repository {key}", steps.delete_repository, key)
    sys_id = resources.get("request_sys_id")
    if isinstance(sys_id, str) and not sweep:
        try:
            if cancelled:
                steps.cancel_request(run, stage, sys_id, reason)
            else:
                steps.close_request(run, stage, sys_id, False, reason)
        except IntegrationError as error:
            note(run, "compensate-record", stage, f"could not close the request: {error}", {})
    if removed or left or not sweep:
        note(
            run,
            f"compensated-{sweep}",
            None,
            "created resources removed",
            {"reason": reason, "removed": removed, "left": left},
        )
    return left


@DBOS.workflow()
def cancel_workflow(run: Run, status_url: str, grace_s: float) -> None:
    """A cancel is the requester's own undo: it removes what was made, pushed or not."""
    plan = steps.load_plan(run)
    stage = steps.active_stage(run)
    reason = "Cancelled by the requester."
    left = compensate(run, stage, reason, cancelled=True)
    settle_steps(run)
    set_status(
        run, Status.CANCELLED, ("cancel", f"could not remove: {', '.join(left)}") if left else None
    )
    try:
        message = outcome_message(plan, "cancelled", {}, status_url, run_number=run.number)
        steps.send_mail(run, "notify", message)
    except IntegrationError as error:
        note(run, "cancel-mail", "notify", f"could not email the requester: {error}", {})
    # A step that was mid-call when the cancel came still finishes that call; once it must
    # have, sweep again for anything it created.
    DBOS.sleep(grace_s)
    compensate(run, stage, reason, cancelled=True, sweep=1)
    workspace.discard(run)  # nothing rendered for this run will be pushed now
