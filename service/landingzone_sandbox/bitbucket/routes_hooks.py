"""Repository webhooks: `/rest/api/1.0/projects/K/repos/s/webhooks[/id]`."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Response

from .context import SimulatorDep, UserDep, require_repository
from .errors import BitbucketJSONResponse, bad_request, not_found
from .shapes import page, paging_window, webhook_json
from .state import State, WebhookRecord

router = APIRouter(
    prefix="/rest/api/1.0/projects/{key}/repos/{slug}/webhooks",
    default_response_class=BitbucketJSONResponse,
)

JsonBody = Annotated[Any, Body()]
KNOWN_EVENTS = frozenset(
    {
        "repo:refs_changed",
        "repo:modified",
        "repo:forked",
        "repo:comment:added",
        "repo:comment:edited",
        "repo:comment:deleted",
        "repo:secret_detected",
        "mirror:repo_synchronized",
        "pr:opened",
        "pr:from_ref_updated",
        "pr:to_ref_updated",
        "pr:modified",
        "pr:reviewer:updated",
        "pr:reviewer:approved",
        "pr:reviewer:unapproved",
        "pr:reviewer:needs_work",
        "pr:merged",
        "pr:declined",
        "pr:deleted",
        "pr:comment:added",
        "pr:comment:edited",
        "pr:comment:deleted",
    }
)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _apply(hook: WebhookRecord, data: dict[str, Any]) -> None:
    if "name" in data:
        if not isinstance(data["name"], str) or not data["name"].strip():
            raise bad_request("A webhook name is required.", "name")
        hook.name = data["name"]
    if "url" in data:
        parts = urlsplit(data["url"]) if isinstance(data["url"], str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("The webhook URL must be an absolute http(s) URL.", "url")
        hook.url = data["url"]
    if "events" in data:
        events = data["events"]
        if not isinstance(events, list) or not events or not set(events) <= KNOWN_EVENTS:
            raise bad_request("events must be a non-empty list of known event keys.", "events")
        hook.events = [str(e) for e in events]
    if "active" in data:
        hook.active = bool(data["active"])
    configuration = data.get("configuration")
    if isinstance(configuration, dict) and "secret" in configuration:
        secret = configuration["secret"]
        hook.secret = secret if isinstance(secret, str) and secret else None
    hook.updated_ms = _now_ms()


def _find(state: State, key: str, slug: str, hook_id: int) -> WebhookRecord:
    repository = require_repository(state, key, slug)
    for hook in state.webhooks:
        if hook.id == hook_id and hook.repository_id == repository.id:
            return hook
    raise not_found(f"Webhook {hook_id} does not exist.", "webhook.NoSuchWebhookException")


@router.get("")
def list_webhooks(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    slug: str,
    event: str | None = None,
    start: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
        values = [
            webhook_json(h)
            for h in state.webhooks
            if h.repository_id == repository.id and (event is None or event in h.events)
        ]
    return page(values, first, size)


@router.post("", status_code=201)
def create_webhook(sim: SimulatorDep, _: UserDep, key: str, slug: str, body: JsonBody) -> Any:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    for required in ("name", "url", "events"):
        if required not in body:
            raise bad_request(f"{required} is required.", required)
    with sim.store.change() as state:
        repository = require_repository(state, key, slug)
        now = _now_ms()
        hook = WebhookRecord(0, repository.id, "", "", [], True, now, now)
        _apply(hook, body)
        hook.id = state.next_id("webhook")
        state.webhooks.append(hook)
        return webhook_json(hook)


@router.get("/{hook_id}")
def get_webhook(sim: SimulatorDep, _: UserDep, key: str, slug: str, hook_id: int) -> Any:
    with sim.store.read() as state:
        return webhook_json(_find(state, key, slug, hook_id))


@router.get("/{hook_id}/latest", response_model=None)
def latest_invocation(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, hook_id: int
) -> dict[str, Any] | Response:
    """The webhook's latest delivery; 204 before its first."""
    with sim.store.read() as state:
        hook = _find(state, key, slug, hook_id)
    invocation = sim.dispatcher.latest(hook.id)
    return Response(status_code=204) if invocation is None else invocation


@router.put("/{hook_id}")
def update_webhook(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, hook_id: int, body: JsonBody
) -> Any:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    with sim.store.change() as state:
        hook = _find(state, key, slug, hook_id)
        _apply(hook, body)
        return webhook_json(hook)


@router.delete("/{hook_id}", status_code=204)
def delete_webhook(sim: SimulatorDep, _: UserDep, key: str, slug: str, hook_id: int) -> Response:
    with sim.store.change() as state:
        hook = _find(state, key, slug, hook_id)
        state.webhooks = [h for h in state.webhooks if h.id != hook.id]
    return Response(status_code=204)
