"""Start, cancel, retry and look at landing zones: what the API asks of the workflow engine."""

from __future__ import annotations

import secrets

from dbos import DBOS, SetWorkflowID

from landingzone.integrations.base import PermanentError
from landingzone.landing_zone import workspace
from landingzone.landing_zone.compensation import cancel_workflow
from landingzone.landing_zone.models import (
    STAGES,
    ErrorView,
    LandingZoneRequest,
    LandingZoneView,
    Preview,
    Status,
    StepStatus,
    StepView,
)
from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.service import (
    RequestRejected,
    check_request,
    make_plan,
    request_hash,
)
from landingzone.landing_zone.store import DuplicateKey, Record
from landingzone.landing_zone.workflows import (
    INTAKE_QUEUE,
    environment_id,
    landing_zone_workflow,
    provisioning_id,
    workflow_id,
)


class Conflict(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def status_url(runtime: Runtime, landing_zone_id: str) -> str:
    """Where people follow a landing zone: its row on the dashboard."""
    return f"{runtime.configuration.settings.public_url}/#{landing_zone_id}"


def submit(runtime: Runtime, request: LandingZoneRequest, key: str | None) -> tuple[Record, bool]:
    """Accept a request; returns the landing zone and whether it is new."""
    check_request(request, runtime.configuration.platform, runtime.classes)
    payload = request.model_dump(mode="json", by_alias=True)
    digest = request_hash(payload)
    store = runtime.store
    if key is not None and (existing := store.by_idempotency_key(key)) is not None:
        return _same_or_conflict(existing, digest), False
    if store.active_with_name(request.tenant, request.name) is not None:
        raise Conflict("name", f"a landing zone named '{request.name}' exists in {request.tenant}")
    landing_zone_id = "lz_" + secrets.token_hex(10)
    try:
        record = store.insert(landing_zone_id, payload, digest, key)
    except DuplicateKey as duplicate:
        return _same_or_conflict(duplicate.existing, digest), False
    start(runtime, record.id, 0)
    return record, True


def _same_or_conflict(existing: Record, digest: str) -> Record:
    if existing.request.get("__hash__") != digest:
        raise Conflict("Idempotency-Key", "this key was used for a different request")
    return existing


def start(runtime: Runtime, landing_zone_id: str, run_number: int) -> None:
    settings = runtime.configuration.settings
    intake = DBOS.retrieve_queue(INTAKE_QUEUE)
    assert intake is not None, "the intake queue is registered at start-up"
    with SetWorkflowID(workflow_id(landing_zone_id, run_number)):
        intake.enqueue(
            landing_zone_workflow,
            Run(landing_zone_id, run_number),
            status_url(runtime, landing_zone_id),
            settings.approval_poll_seconds,
            settings.approval_expiry_hours * 3600,
        )


def resume_orphans(runtime: Runtime) -> int:
    """Start workflows for landing zones accepted just before a crash, before their start."""
    started = 0
    records, _ = runtime.store.page(
        owner=None, tenant=None, status=Status.PROVISIONING, limit=500, cursor=None
    )
    for record in records:
        if DBOS.get_workflow_status(workflow_id(record.id, record.run)) is None:
            start(runtime, record.id, record.run)
            started += 1
    return started


def cancel(runtime: Runtime, record: Record) -> None:
    if record.status.terminal:
        raise Conflict("status", f"a {record.status.value} landing zone cannot be cancelled")
    for running in (
        workflow_id(record.id, record.run),
        provisioning_id(record.id, record.run),
        environment_id(record.id, record.run),
    ):
        if DBOS.get_workflow_status(running) is not None:
            DBOS.cancel_workflow(running)
    with SetWorkflowID(f"{record.id}:cancel"):
        DBOS.start_workflow(
            cancel_workflow,
            Run(record.id, record.run),
            status_url(runtime, record.id),
            runtime.configuration.settings.cancel_grace_seconds,
        )


def retry(runtime: Runtime, record: Record) -> None:
    if record.status is not Status.FAILED:
        raise Conflict(
            "status", f"only a failed landing zone can be retried, not {record.status.value}"
        )
    run_number = record.run + 1
    unfinished = [
        s.name for s in runtime.store.steps_of(record.id) if s.status is not StepStatus.SUCCEEDED
    ]
    runtime.store.reset_steps(record.id, unfinished)
    runtime.store.update(
        record.id,
        run=run_number,
        status=Status.PROVISIONING.value,
        error_step=None,
        error_message=None,
    )
    start(runtime, record.id, run_number)


def preview(runtime: Runtime, request: LandingZoneRequest) -> Preview:
    plan = make_plan("lz_preview", request, runtime.configuration.platform, runtime.classes)
    with workspace.scratch("preview") as scratch:
        try:
            project = workspace.render_project(plan, "", scratch / "project")
            environment = workspace.render_environment(plan, "", scratch / "environment")
        except PermanentError as error:
            raise RequestRejected([(("body",), error.message)]) from error
    return Preview(
        names=plan.names,
        approval_required=plan.approval_required,
        files=project.files,
        environment_files=environment.files,
    )


def view(runtime: Runtime, record: Record) -> LandingZoneView:
    request = record.request
    steps = {row.name: row for row in runtime.store.steps_of(record.id)}
    return LandingZoneView(
        id=record.id,
        name=request["name"],
        class_=request["class"],
        tenant=request["tenant"],
        owner=request["owner"],
        description=request["description"],
        system=request.get("system"),
        requester=request["requester"],
        status=record.status,
        created_at=record.created_at,
        updated_at=record.updated_at,
        steps=[
            StepView(
                name=name,
                status=row.status,
                started_at=row.started_at,
                finished_at=row.finished_at,
                attempts=row.attempts,
            )
            if (row := steps.get(name))
            else StepView(name=name, status=StepStatus.PENDING)
            for name in STAGES
        ],
        links=record.links,
        error=ErrorView(step=record.error_step, message=record.error_message or "")
        if record.error_step
        else None,
    )


__all__ = ["Conflict", "RequestRejected", "cancel", "preview", "retry", "submit", "view"]
