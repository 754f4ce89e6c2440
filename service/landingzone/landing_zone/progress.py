"""Durable progress: stage status, links, status changes and events, each as a DBOS step.

Event dedupe keys carry the run number, so a replay adds nothing and a retry run adds its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
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
    store.steps.started(run.landing_zone_id, stage)
    store.steps.count_attempt(run.landing_zone_id, stage)
    store.events.append(
        run.landing_zone_id,
        run.key(stage, "started"),
        step=stage,
        kind="step_started",
        message=f"{stage}: started",
    )


@DBOS.step()
def stage_finished(
    run: Run,
    stage: str,
    message: str,
    skipped: bool = False,
    data: Mapping[str, Any] | None = None,
) -> None:
    store = runtime.current().store
    status = StepStatus.SKIPPED if skipped else StepStatus.SUCCEEDED
    store.steps.finished(run.landing_zone_id, stage, status)
    store.events.append(
        run.landing_zone_id,
        run.key(stage, "finished"),
        step=stage,
        kind="step_skipped" if skipped else "step_succeeded",
        message=message,
        data=data,
    )


@DBOS.step()
def stage_failed(run: Run, stage: str, message: str, data: Mapping[str, Any] | None = None) -> None:
    store = runtime.current().store
    store.steps.finished(run.landing_zone_id, stage, StepStatus.FAILED)
    store.events.append(
        run.landing_zone_id,
        run.key(stage, "failed"),
        step=stage,
        kind="step_failed",
        message=f"{stage}: {message}",
        data=data,
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


@DBOS.step()
def skip_remaining(run: Run) -> None:
    """Steps that will never run now (after a rejection) say so."""
    runtime.current().store.steps.skip_pending(run.landing_zone_id)


@DBOS.step()
def settle_steps(run: Run) -> None:
    """A cancelled landing zone's unfinished steps will not run: they say so."""
    runtime.current().store.steps.skip_unfinished(run.landing_zone_id)


@dataclass(frozen=True)
class Wait:
    """A call waiting out a transient fault: what the API, the events and the dashboard show."""

    key: str  # identifies this wait among the landing zone's waits
    step: str
    system: str
    error: str
    attempts: int
    since: float  # epoch seconds of the first fault
    next_attempt_at: float
    workflow_id: str  # the workflow whose wait `/retry` cuts short
    call: str = ""  # the call that waits, e.g. "delete_repository"

    def view(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "system": self.system,
            "error": self.error,
            "attempts": self.attempts,
            "since": _iso(self.since),
            "next_attempt_at": _iso(self.next_attempt_at),
            "workflow_id": self.workflow_id,
            "call": self.call,
        }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@DBOS.step()
def waiting(run: Run, wait: Wait) -> None:
    store = runtime.current().store
    store.steps.set_waiting(run.landing_zone_id, wait.step, wait.view())
    store.steps.count_attempt(run.landing_zone_id, wait.step)
    at = datetime.fromtimestamp(wait.next_attempt_at, UTC).strftime("%H:%M:%SZ")
    store.events.append(
        run.landing_zone_id,
        run.key(wait.step, "waiting", wait.key, str(wait.attempts)),
        step=wait.step,
        kind="waiting",
        message=f"{wait.step}: waiting for {wait.system} (attempt {wait.attempts}): "
        f"{wait.error}; next attempt at {at}",
        data={k: v for k, v in asdict(wait).items() if k in ("system", "error", "attempts", "call")}
        | {"next_attempt_at": _iso(wait.next_attempt_at)},
    )


@DBOS.step()
def resumed(run: Run, stage: str, key: str, attempts: int, waited_s: float) -> None:
    store = runtime.current().store
    system = store.steps.clear_waiting(run.landing_zone_id, stage) or "the system"
    minutes, seconds = divmod(int(waited_s), 60)
    took = f"{minutes}m {seconds}s" if minutes else f"{seconds}s"
    store.events.append(
        run.landing_zone_id,
        run.key(stage, "resumed", key),
        step=stage,
        kind="resumed",
        message=f"{stage}: {system} answered again after {attempts} attempts ({took})",
        data={"system": system, "attempts": attempts, "waited_seconds": round(waited_s, 1)},
    )
