"""A rollout's control flow: choose the landing zones, then wave after wave start their updates
and wait (durably) until each pull request is merged or declined, or the wave's timeout passes;
halt when a wave's failure rate is above the threshold.

Pause, resume and cancel are the rollout's status, written by the API and read between steps;
the API's message on `CONTROL_TOPIC` only cuts a wait short. A pause holds the next update
start; the updates already started finish and their pull requests stay as they are.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from dbos import DBOS

from landingzone.landing_zone import runtime
from landingzone.landing_zone.resilience import durable_clock
from landingzone.updates import rollout_changes as changes
from landingzone.updates import rollout_steps as steps
from landingzone.updates.rollout_models import RolloutStatus
from landingzone.updates.rollout_steps import Tally
from landingzone.updates.service import start_update

CONTROL_TOPIC = "rollout-control"
PAUSED_RECHECK_S = 300.0  # a resume's message wakes it sooner


def _poll_seconds() -> float:
    return runtime.current().configuration.settings.rollout_poll_seconds


@DBOS.workflow()
def rollout_workflow(
    rollout_id: str, class_id: str, to_version: str, request: dict[str, Any]
) -> str:
    steps.open_rollout(rollout_id, class_id, to_version, request)
    waves = steps.select_members(rollout_id)
    threshold = float(request["max_failure_rate"])
    timeout_s = float(request["wave_timeout_hours"]) * 3600
    for wave in range(waves):
        if not _go_on(rollout_id):
            return steps.finish(rollout_id, RolloutStatus.CANCELLED, None).value
        landing_zones = steps.begin_wave(rollout_id, wave)
        covered = changes.covered_tenants(rollout_id, wave)
        refused = _open_changes(rollout_id, wave, covered)
        if refused is not None:
            return steps.finish(rollout_id, RolloutStatus.HALTED, refused).value
        for landing_zone_id in landing_zones:
            if not _go_on(rollout_id):
                _close_changes(rollout_id, wave, covered, "The rollout was cancelled")
                return steps.finish(rollout_id, RolloutStatus.CANCELLED, None).value
            prepared = steps.prepare_member(rollout_id, landing_zone_id, to_version)
            if prepared is not None and prepared.needs_start:
                start_update(prepared)
        tally = _wait_for_wave(rollout_id, wave, timeout_s)
        note = f"Wave {wave + 1} of rollout {rollout_id} ended"
        _close_changes(rollout_id, wave, covered, note if tally else "The rollout was cancelled")
        if tally is None:
            return steps.finish(rollout_id, RolloutStatus.CANCELLED, None).value
        if tally.failure_rate > threshold:
            reason = (
                f"wave {wave + 1}: {tally.failure_rate:.0%} of its landing zones failed or "
                f"conflicted, above the {threshold:.0%} allowed"
            )
            return steps.finish(rollout_id, RolloutStatus.HALTED, reason).value
    return steps.finish(rollout_id, RolloutStatus.COMPLETED, None).value


def _open_changes(rollout_id: str, wave: int, tenants: list[str]) -> str | None:
    """Open each covered tenant's standard change; the reason when one cannot be (the others
    opened for the wave are cancelled then)."""
    for index, tenant in enumerate(tenants):
        opening = partial(changes.open_change, rollout_id, wave, tenant)
        refused = changes.with_backoff(rollout_id, opening, DBOS.sleep)
        if refused is not None:
            for opened in tenants[: index + 1]:
                note = "The wave did not start"
                cancelling = partial(changes.cancel_change, rollout_id, wave, opened, note)
                changes.with_backoff(rollout_id, cancelling, DBOS.sleep)
            return f"wave {wave + 1}: no standard change for tenant {tenant}: {refused}"
    return None


def _close_changes(rollout_id: str, wave: int, tenants: list[str], note: str) -> None:
    for tenant in tenants:
        closing = partial(changes.close_change, rollout_id, wave, tenant, note)
        changes.with_backoff(rollout_id, closing, DBOS.sleep)


def _go_on(rollout_id: str) -> bool:
    """True to carry on; waits while the rollout is paused; False once it is cancelled."""
    while True:
        status = steps.read_status(rollout_id)
        if status == RolloutStatus.RUNNING:
            return True
        if status != RolloutStatus.PAUSED:
            return False
        DBOS.recv(CONTROL_TOPIC, timeout_seconds=max(PAUSED_RECHECK_S, _poll_seconds()))


def _wait_for_wave(rollout_id: str, wave: int, timeout_s: float) -> Tally | None:
    """Poll the wave's pull requests until all are settled or the timeout passes (never while
    an update is still being made); None when the rollout is cancelled meanwhile."""
    deadline = durable_clock() + timeout_s
    while True:
        tally = steps.poll_wave(rollout_id, wave)
        if steps.read_status(rollout_id) == RolloutStatus.CANCELLED:
            return None
        if not tally.pending and (tally.settled or durable_clock() >= deadline):
            return tally
        DBOS.recv(CONTROL_TOPIC, timeout_seconds=_poll_seconds())
