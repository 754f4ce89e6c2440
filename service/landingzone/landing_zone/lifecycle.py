"""Start, cancel, retry and look at landing zones: what the API asks of the workflow engine."""

from __future__ import annotations

import logging
import secrets

from dbos import DBOS, SetWorkflowID

from landingzone.audit.models import Action, Actor, AuditEntry, Outcome
from landingzone.integrations.base import PermanentError, RepositoryAddress
from landingzone.landing_zone import workspace
from landingzone.landing_zone.compensation import cancel_workflow
from landingzone.landing_zone.door import Refusal, door_refusals
from landingzone.landing_zone.models import (
    LandingZoneRequest,
    Preview,
    Status,
    StepStatus,
)
from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.resilience import RETRY_NOW_TOPIC
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.service import (
    RequestRejected,
    check_request,
    make_plan,
    request_hash,
)
from landingzone.landing_zone.store import DuplicateKey, NameTaken, Record
from landingzone.landing_zone.views import SUBMITTED_WITH, view, views
from landingzone.landing_zone.workflows import (
    INTAKE_QUEUE,
    environment_id,
    landing_zone_workflow,
    provisioning_id,
    workflow_id,
)
from landingzone.promotion import links

log = logging.getLogger("landingzone.lifecycle")
LIVE_WORKFLOW = {"PENDING", "ENQUEUED"}


class DoorRefused(Exception):
    """Bitbucket says the request cannot be made: a name taken by others, an unknown group."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(r.message for r in refusals))
        self.status = refusals[0].status
        self.refusals = [r for r in refusals if r.status == self.status]


def check_at_the_door(runtime: Runtime, request: LandingZoneRequest) -> None:
    """DoorRefused when Bitbucket says no; silence when it says yes or cannot say."""
    plan = make_plan("lz_door", request, runtime.configuration.platform, runtime.classes)
    refusals = door_refusals(runtime, plan, None)
    if refusals:
        raise DoorRefused(refusals)


class Conflict(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def status_url(runtime: Runtime, landing_zone_id: str) -> str:
    """Where people follow a landing zone: its row on the dashboard."""
    return links.landing_zone_page(runtime.configuration.settings.public_url, landing_zone_id)


def submit(
    runtime: Runtime,
    request: LandingZoneRequest,
    key: str | None,
    submitted_with: str | None = None,
    requested_by: Actor | None = None,
    basis: str = "",
) -> tuple[Record, bool]:
    """Accept a request; returns the landing zone and whether it is new.

    `submitted_with` names the caller that sent it; it is not part of the request's
    identity, so a retry by another caller (or with a rotated token) is the same request.
    A new landing zone is stored with the audit entry of its request by `requested_by`, who was
    admitted on `basis`.
    """
    check_request(request, runtime.configuration.platform, runtime.classes)
    payload = request.model_dump(mode="json", by_alias=True)
    digest = request_hash(payload)
    store = runtime.store
    if key is not None and (existing := store.by_idempotency_key(key)) is not None:
        return _same_or_conflict(existing, digest), False
    taken = Conflict("name", f"a landing zone named '{request.name}' exists in {request.tenant}")
    if store.active_with_name(request.tenant, request.name) is not None:
        raise taken
    check_at_the_door(runtime, request)
    landing_zone_id = "lz_" + secrets.token_hex(10)
    entry = None
    if requested_by is not None:
        detail = {**request_facts(request), "basis": basis, "submitted_with": submitted_with}
        entry = AuditEntry(
            Action.REQUESTED, Outcome.ACCEPTED, requested_by, landing_zone_id, detail
        )
    try:
        stored = {**payload, SUBMITTED_WITH: submitted_with} if submitted_with else payload
        record = store.insert(landing_zone_id, stored, digest, key, entry)
    except DuplicateKey as duplicate:
        return _same_or_conflict(duplicate.existing, digest), False
    except NameTaken:
        raise taken from None
    start(runtime, record.id, 0)
    return record, True


def request_facts(request: LandingZoneRequest) -> dict[str, str]:
    """What the audit trail says of a request: what was asked for, where, for whom."""
    return {
        "name": request.name,
        "tenant": request.tenant,
        "class": request.class_,
        "owner": request.owner_ref,
    }


def _same_or_conflict(existing: Record, digest: str) -> Record:
    if existing.request.get("__hash__") != digest:
        raise Conflict("Idempotency-Key", "this key was used for a different request")
    return existing


def start(runtime: Runtime, landing_zone_id: str, run_number: int) -> None:
    settings = runtime.configuration.settings
    intake = DBOS.retrieve_queue(INTAKE_QUEUE)
    if intake is None:
        raise RuntimeError(f"the {INTAKE_QUEUE!r} queue is not registered")
    with SetWorkflowID(workflow_id(landing_zone_id, run_number)):
        intake.enqueue(
            landing_zone_workflow,
            Run(landing_zone_id, run_number),
            status_url(runtime, landing_zone_id),
            settings.approval_poll_seconds,
            settings.approval_expiry_hours * 3600,
        )


def reconcile(runtime: Runtime) -> tuple[int, int]:
    """Leave no landing zone unfinished without a live workflow; returns (started, failed).

    A landing zone accepted just before a crash, before its workflow was enqueued, is started.
    One whose workflows all ended without a terminal status (an engine error, a bug) becomes
    `failed` with a retry, instead of waiting for ever.
    """
    started = failed = 0
    for record in runtime.store.unfinished():
        if any(_status(name) in LIVE_WORKFLOW for name in _workflows_of(record)):
            continue
        if _status(workflow_id(record.id, record.run)) is None:
            start(runtime, record.id, record.run)
            started += 1
            continue
        current = runtime.store.get(record.id)  # it may have just finished
        if current is None or current.status.terminal or current.run != record.run:
            continue
        stage = runtime.store.steps.interrupted(record.id)
        runtime.store.set_status(
            record.id,
            Status.FAILED,
            error=(stage, "the workflow ended without finishing; retry to resume"),
        )
        log.warning("landing zone %s had no live workflow; marked failed", record.id)
        failed += 1
    return started, failed


def _status(workflow: str) -> str | None:
    return getattr(DBOS.get_workflow_status(workflow), "status", None)


def _workflows_of(record: Record) -> list[str]:
    return [
        workflow_id(record.id, record.run),
        provisioning_id(record.id, record.run),
        environment_id(record.id, record.run),
        cancel_id(record.id),
    ]


def cancel_id(landing_zone_id: str) -> str:
    return f"{landing_zone_id}:cancel"


def cancel(runtime: Runtime, record: Record) -> None:
    if record.status.terminal:
        raise Conflict("status", f"a {record.status.value} landing zone cannot be cancelled")
    for running in _workflows_of(record)[:-1]:
        if DBOS.get_workflow_status(running) is not None:
            # Children too: the calls a stage makes side by side are workflows of their own.
            DBOS.cancel_workflow(running, cancel_children=True)
    with SetWorkflowID(cancel_id(record.id)):
        DBOS.start_workflow(
            cancel_workflow,
            Run(record.id, record.run),
            status_url(runtime, record.id),
            runtime.configuration.settings.cancel_grace_seconds,
        )


def retry(runtime: Runtime, record: Record) -> str:
    """A failed landing zone runs again (`rerun`); a waiting one makes its next attempt now
    (`now`)."""
    waits = [s.waiting for s in runtime.store.steps.of(record.id) if s.waiting]
    if waits and not record.status.terminal:
        for wait in waits:
            target = str(wait.get("workflow_id", ""))
            if _status(target) in LIVE_WORKFLOW:
                DBOS.send(target, "now", topic=RETRY_NOW_TOPIC)
        return "now"
    if record.status is not Status.FAILED:
        raise Conflict(
            "status",
            "only a failed or waiting landing zone can be retried, "
            f"not a {record.status.value} one",
        )
    run_number = record.run + 1
    unfinished = [
        s.name for s in runtime.store.steps.of(record.id) if s.status is not StepStatus.SUCCEEDED
    ]
    runtime.store.steps.reset(record.id, unfinished)
    runtime.store.update(
        record.id,
        run=run_number,
        status=Status.PROVISIONING.value,
        error_step=None,
        error_message=None,
    )
    start(runtime, record.id, run_number)
    return "rerun"


def preview(runtime: Runtime, request: LandingZoneRequest) -> Preview:
    plan = make_plan("lz_preview", request, runtime.configuration.platform, runtime.classes)
    refusals = door_refusals(runtime, plan, None)  # reads only; creates nothing
    if refusals:
        raise DoorRefused(refusals)
    # The addresses only appear in files' contents: a dry run asks Bitbucket for none.
    addresses = workspace.Addresses(
        _preview_address(plan.name), _preview_address(f"{plan.name}-env")
    )
    with workspace.scratch("preview") as scratch:
        try:
            project = workspace.render_project(plan, "", addresses, scratch / "project")
            environment = workspace.render_environment(plan, "", addresses, scratch / "environment")
        except PermanentError as error:
            raise RequestRejected([(("body",), error.message)]) from error
    return Preview(
        names=plan.names,
        approval_required=plan.approval_required,
        files=project.files,
        environment_files=environment.files,
    )


def _preview_address(slug: str) -> RepositoryAddress:
    return RepositoryAddress(
        browse_url=f"https://preview.invalid/repos/{slug}/browse",
        clone_url=f"https://preview.invalid/scm/{slug}.git",
    )


__all__ = [
    "Conflict",
    "DoorRefused",
    "RequestRejected",
    "cancel",
    "preview",
    "retry",
    "submit",
    "view",
    "views",
]
