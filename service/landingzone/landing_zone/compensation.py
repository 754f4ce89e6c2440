"""Undo what a landing zone created: after a permanent failure (as configured) or a cancel."""

from __future__ import annotations

from dbos import DBOS

from landingzone.landing_zone import steps
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.notifications import outcome_message
from landingzone.landing_zone.progress import Run, note, set_status


def compensate(run: Run, reason: str, *, cancelled: bool, sweep: int = 0) -> None:
    """Undo what this landing zone created, newest first; each deletion is its own step."""
    resources = steps.current_resources(run)
    folder = resources.get("jenkins_folder")
    repositories = list(resources.get("repositories", []))
    if isinstance(folder, str):
        steps.delete_jenkins_folder(run, folder)
    for key in reversed(repositories):
        steps.delete_repository(run, key)
    sys_id = resources.get("request_sys_id")
    if isinstance(sys_id, str) and not sweep:
        if cancelled:
            steps.cancel_request(run, sys_id, reason)
        else:
            steps.close_request(run, "record", sys_id, False, reason)
    if folder or repositories or not sweep:
        removed = [*repositories, *([folder] if isinstance(folder, str) else [])]
        note(
            run,
            f"compensated-{sweep}",
            None,
            "created resources removed",
            {"reason": reason, "removed": removed},
        )


@DBOS.workflow()
def cancel_workflow(run: Run, status_url: str, grace_s: float) -> None:
    plan = steps.load_plan(run)
    reason = "Cancelled by the requester."
    compensate(run, reason, cancelled=True)
    set_status(run, Status.CANCELLED)
    steps.send_mail(run, "notify", outcome_message(plan, "cancelled", {}, status_url))
    # A step that was mid-call when the cancel came still finishes that call; once it must
    # have, sweep again for anything it created.
    DBOS.sleep(grace_s)
    compensate(run, reason, cancelled=True, sweep=1)
