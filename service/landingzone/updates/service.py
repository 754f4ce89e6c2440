"""Asking for a template update and reading updates back, for the API.

    request_update(runtime, landing_zone_id, version) -> (UpdateView, started)
    prepare_update(runtime, landing_zone_id, version) -> PreparedUpdate   records, starts nothing
    start_update(prepared)                                     enqueues its workflow (idempotent)
    list_updates(runtime, landing_zone_id) -> list[UpdateView]   pull-request states from Bitbucket
Errors: UpdateRefused(status, field, message).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from dbos import DBOS, SetWorkflowID

from landingzone.integrations.base import IntegrationError
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.steps import PROJECT_PUSHED
from landingzone.landing_zone.store import Record
from landingzone.landing_zone.workflows import PROVISIONING_QUEUE
from landingzone.rendering.versions import UnknownVersion, template_at, version_key
from landingzone.updates.models import PullRequestView, UpdateStatus, UpdateView
from landingzone.updates.steps import pull_request_host, repository_of, updates
from landingzone.updates.store import UpdateRecord
from landingzone.updates.workflows import update_workflow

ACTIVE = (UpdateStatus.PENDING, UpdateStatus.OPENED)


class UpdateRefused(Exception):
    def __init__(self, status: int, field: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message


def _landing_zone(runtime: Runtime, landing_zone_id: str) -> Record:
    record = runtime.store.get(landing_zone_id)
    if record is None:
        raise UpdateRefused(404, ("path", "id"), "no landing zone with this id")
    return record


@dataclass(frozen=True)
class PreparedUpdate:
    update: UpdateRecord
    run: int  # the landing zone's run, which the update's progress is recorded under
    created: bool  # a new update, rather than one already under way or nothing to do
    needs_start: bool  # its workflow must be started (again: a no-op unless a crash lost it)


def request_update(
    runtime: Runtime, landing_zone_id: str, version: str | None
) -> tuple[UpdateView, bool]:
    """The update to `version` (the class's latest by default): started, or the one under way."""
    prepared = prepare_update(runtime, landing_zone_id, version)
    if prepared.needs_start:
        start_update(prepared)
    return view(prepared.update, None), prepared.created


def prepare_update(runtime: Runtime, landing_zone_id: str, version: str | None) -> PreparedUpdate:
    """Record the update to `version`, or find the one under way; nothing is started here, so a
    workflow may call this in a step and start the update itself (`start_update`)."""
    record = _landing_zone(runtime, landing_zone_id)
    current = record.template_version
    if not current or not record.resources.get(PROJECT_PUSHED):
        raise UpdateRefused(409, ("path", "id"), "the landing zone has no repository to update yet")
    class_id = str(record.request["class"])
    templates = runtime.configuration.settings.templates_dir
    target = version or runtime.classes[class_id].version
    try:
        template_at(templates, class_id, target)
    except UnknownVersion as error:
        raise UpdateRefused(422, ("body", "version"), error.errors[0][1]) from None
    if version_key(target) < version_key(current):
        message = f"is older than the landing zone's version {current}"
        raise UpdateRefused(422, ("body", "version"), message)
    store = updates()
    if target == current:
        done = store.insert(_new_id(), record.id, current, target, UpdateStatus.CURRENT)
        return PreparedUpdate(done, record.run, created=False, needs_start=False)
    under_way = next(
        (u for u in store.of(record.id) if u.to_version == target and u.status in ACTIVE), None
    )
    if under_way is not None:
        pending = under_way.status == UpdateStatus.PENDING
        return PreparedUpdate(under_way, record.run, created=False, needs_start=pending)
    update = store.insert(_new_id(), record.id, current, target, UpdateStatus.PENDING)
    return PreparedUpdate(update, record.run, created=True, needs_start=True)


def start_update(prepared: PreparedUpdate) -> None:
    """Run the update on the provisioning queue, which bounds the calls to Bitbucket; its
    workflow id is the update's, so starting it twice runs it once."""
    queue = DBOS.retrieve_queue(PROVISIONING_QUEUE)
    if queue is None:
        raise RuntimeError(f"the {PROVISIONING_QUEUE!r} queue is not registered")
    with SetWorkflowID(prepared.update.id):
        queue.enqueue(update_workflow, prepared.update.id, prepared.run)


def list_updates(runtime: Runtime, landing_zone_id: str) -> list[UpdateView]:
    """Newest first, each pull request's state read from Bitbucket; a merged one moves the
    landing zone's template version on."""
    record = _landing_zone(runtime, landing_zone_id)
    found = updates().of(record.id)
    if not any(u.pull_request_id for u in found):
        return [view(u, None) for u in found]
    project, slug, _ = repository_of(record)
    try:
        repository = runtime.repositories.find_repository(project, slug)
    except IntegrationError:
        repository = None  # Bitbucket does not answer: the states are unknown for now
    host = pull_request_host()
    shown: list[UpdateView] = []
    version = record.template_version or "0.0.0"
    for update in found:
        state: str | None = None
        if update.pull_request_id is not None and repository is not None:
            try:
                state = host.get_pull_request(repository, update.pull_request_id).state
            except IntegrationError:
                state = "UNKNOWN"
            if state == "MERGED" and version_key(update.to_version) > version_key(version):
                version = update.to_version
                runtime.store.update(record.id, template_version=version)
        shown.append(view(update, state))
    return shown


def view(update: UpdateRecord, state: str | None) -> UpdateView:
    pull_request = None
    if update.pull_request_id is not None:
        pull_request = PullRequestView(
            id=update.pull_request_id,
            url=update.pull_request_url or "",
            state=state or "UNKNOWN",
            branch=update.branch or "",
        )
    return UpdateView(
        id=update.id,
        landing_zone_id=update.landing_zone_id,
        from_version=update.from_version,
        to_version=update.to_version,
        status=update.status,
        pull_request=pull_request,
        files=update.files,
        conflicts=update.conflicts,
        kept_deleted=update.kept_deleted,
        error=update.error,
        created_at=update.created_at,
        updated_at=update.updated_at,
    )


def _new_id() -> str:
    return "upd_" + secrets.token_hex(10)


__all__ = [
    "PreparedUpdate",
    "UpdateRefused",
    "list_updates",
    "prepare_update",
    "request_update",
    "start_update",
    "view",
]
