"""Durable progress: stage status, links, status changes and events, each as a DBOS step.

Event dedupe keys carry the run number, so a replay adds nothing and a retry run adds its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dbos import DBOS

from landingzone.landing_zone import runtime
from landingzone.landing_zone.models import Status, StepStatus


@dataclass(frozen=True)
class Run:
    landing_zone_id: str
    number: int

    def key(self, *parts: str) -> str:
        return ":".join((str(self.number), *parts))


@DBOS.step()
def stage_started(run: Run, stage: str) -> None:
    store = runtime.current().store
    store.step_started(run.landing_zone_id, stage)
    store.count_attempt(run.landing_zone_id, stage)
    store.events.append(
        run.landing_zone_id,
        run.key(stage, "started"),
        step=stage,
        kind="step_started",
        message=f"{stage}: started",
    )


@DBOS.step()
def stage_finished(run: Run, stage: str, message: str, skipped: bool = False) -> None:
    store = runtime.current().store
    status = StepStatus.SKIPPED if skipped else StepStatus.SUCCEEDED
    store.step_finished(run.landing_zone_id, stage, status)
    store.events.append(
        run.landing_zone_id,
        run.key(stage, "finished"),
        step=stage,
        kind="step_skipped" if skipped else "step_succeeded",
        message=message,
    )


@DBOS.step()
def stage_failed(run: Run, stage: str, message: str) -> None:
    store = runtime.current().store
    store.step_finished(run.landing_zone_id, stage, StepStatus.FAILED)
    store.events.append(
        run.landing_zone_id,
        run.key(stage, "failed"),
        step=stage,
        kind="step_failed",
        message=f"{stage}: {message}",
    )


@DBOS.step()
def note(run: Run, key: str, step: str | None, message: str, data: Mapping[str, Any]) -> None:
    runtime.current().store.events.append(
        run.landing_zone_id, run.key(key), step=step, kind="info", message=message, data=data
    )


@DBOS.step()
def add_links(run: Run, links: Mapping[str, str]) -> None:
    runtime.current().store.merge(run.landing_zone_id, "links", links)


@DBOS.step()
def remember_resources(run: Run, resources: Mapping[str, Any]) -> None:
    runtime.current().store.merge(run.landing_zone_id, "resources", resources)


@DBOS.step()
def set_status(run: Run, status: Status, error: tuple[str, str] | None = None) -> None:
    store = runtime.current().store
    store.set_status(run.landing_zone_id, status, error=error)
    detail = f": {error[1]}" if error else ""
    store.events.append(
        run.landing_zone_id,
        run.key("status", status.value),
        step=error[0] if error else None,
        kind="status",
        message=f"landing zone {status.value.replace('_', ' ')}{detail}",
        data={"status": status.value},
    )


def count_retry(run: Run, stage: str) -> None:
    """Inside an external-call step: a retry attempt adds one to the stage's attempts."""
    status = DBOS.step_status
    if status is not None and status.current_attempt:
        runtime.current().store.count_attempt(run.landing_zone_id, stage)
