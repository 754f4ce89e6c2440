"""Branch permissions 2.0: `/rest/branch-permissions/2.0/projects/K[/repos/s]/restrictions`.

Posting a restriction whose type and matcher already exist in the scope updates that
restriction (same id) instead of adding a second one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from .context import SimulatorDep, UserDep, require_project, require_repository
from .directory import Directory
from .errors import BitbucketJSONResponse, bad_request, not_found
from .shapes import MATCHER_TYPE_NAMES, page, paging_window, restriction_json
from .state import RestrictionRecord, State

router = APIRouter(
    prefix="/rest/branch-permissions/2.0/projects/{key}",
    default_response_class=BitbucketJSONResponse,
)

JsonBody = Annotated[Any, Body()]
RESTRICTION_TYPES = ("read-only", "no-deletes", "fast-forward-only", "pull-request-only")


def _scope(state: State, key: str, slug: str | None) -> tuple[str, int]:
    if slug is None:
        return "PROJECT", require_project(state, key).id
    return "REPOSITORY", require_repository(state, key, slug).id


def _names(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{field} must be a list.", field)
    names = [item.get("name") if isinstance(item, dict) else item for item in value]
    if not all(isinstance(name, str) and name for name in names):
        raise bad_request(f"{field} must be a list of names.", field)
    return [str(name) for name in names]


def _parse(
    item: Any, directory: Directory
) -> tuple[str, str, str, list[str], list[str], list[int]]:
    if not isinstance(item, dict):
        raise bad_request("A restriction must be a JSON object.")
    kind = item.get("type")
    if kind not in RESTRICTION_TYPES:
        raise bad_request(f"type must be one of {', '.join(RESTRICTION_TYPES)}.", "type")
    matcher = item.get("matcher")
    matcher_type_field = matcher.get("type") if isinstance(matcher, dict) else None
    matcher_type = (
        matcher_type_field.get("id") if isinstance(matcher_type_field, dict) else matcher_type_field
    )
    matcher_id = matcher.get("id") if isinstance(matcher, dict) else None
    if matcher_type not in MATCHER_TYPE_NAMES or not isinstance(matcher_id, str) or not matcher_id:
        raise bad_request("A matcher with an id and a known type is required.", "matcher")
    if matcher_type == "BRANCH" and not matcher_id.startswith("refs/heads/"):
        raise bad_request("A branch matcher needs a full ref such as refs/heads/main.", "matcher")
    users = _names(item.get("users"), "users")
    unknown = [name for name in users if directory.user(name) is None]
    groups = _names(item.get("groups"), "groups")
    unknown += [name for name in groups if not directory.has_group(name)]
    if unknown:
        raise bad_request(f"No such users or groups: {', '.join(unknown)}.", "users")
    keys = item.get("accessKeys") or []
    if not isinstance(keys, list) or not all(isinstance(k, int) for k in keys):
        raise bad_request("accessKeys must be a list of ids.", "accessKeys")
    return str(kind), str(matcher_type), matcher_id, users, groups, list(keys)


def _upsert(state: State, scope: tuple[str, int], parsed: tuple[Any, ...]) -> RestrictionRecord:
    kind, matcher_type, matcher_id, users, groups, keys = parsed
    for existing in state.restrictions:
        if (existing.scope_type, existing.scope_id) == scope and (
            existing.type,
            existing.matcher_type,
            existing.matcher_id,
        ) == (kind, matcher_type, matcher_id):
            existing.users, existing.groups, existing.access_keys = users, groups, keys
            return existing
    record = RestrictionRecord(
        state.next_id("restriction"),
        scope[0],
        scope[1],
        kind,
        matcher_type,
        matcher_id,
        users,
        groups,
        keys,
    )
    state.restrictions.append(record)
    return record


def _create(sim: SimulatorDep, key: str, slug: str | None, body: Any) -> Any:
    items = body if isinstance(body, list) else [body]
    parsed = [_parse(item, sim.directory) for item in items]
    with sim.store.change() as state:
        scope = _scope(state, key, slug)
        records = [_upsert(state, scope, p) for p in parsed]
        shaped = [restriction_json(r, sim.directory) for r in records]
    return shaped if isinstance(body, list) else shaped[0]


def _list(
    sim: SimulatorDep,
    key: str,
    slug: str | None,
    start: str | None,
    limit: str | None,
    kind: str | None,
    matcher_type: str | None,
    matcher_id: str | None,
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    with sim.store.read() as state:
        scope = _scope(state, key, slug)
        records = [
            r
            for r in state.restrictions
            if (r.scope_type, r.scope_id) == scope
            and (kind is None or r.type == kind)
            and (matcher_type is None or r.matcher_type == matcher_type.upper())
            and (matcher_id is None or r.matcher_id == matcher_id)
        ]
        values = [restriction_json(r, sim.directory) for r in records]
    return page(values, first, size)


def _find(state: State, key: str, slug: str | None, restriction_id: int) -> RestrictionRecord:
    scope = _scope(state, key, slug)
    for record in state.restrictions:
        if record.id == restriction_id and (record.scope_type, record.scope_id) == scope:
            return record
    raise not_found(
        f"Restriction {restriction_id} does not exist.",
        "repository.ref.restriction.NoSuchRestrictionException",
    )


@router.post("/repos/{slug}/restrictions")
def create_repository_restrictions(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, body: JsonBody
) -> Any:
    return _create(sim, key, slug, body)


@router.post("/restrictions")
def create_project_restrictions(sim: SimulatorDep, _: UserDep, key: str, body: JsonBody) -> Any:
    return _create(sim, key, None, body)


@router.get("/repos/{slug}/restrictions")
def list_repository_restrictions(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    slug: str,
    start: str | None = None,
    limit: str | None = None,
    type: str | None = None,
    matcherType: str | None = None,
    matcherId: str | None = None,
) -> dict[str, Any]:
    return _list(sim, key, slug, start, limit, type, matcherType, matcherId)


@router.get("/restrictions")
def list_project_restrictions(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    start: str | None = None,
    limit: str | None = None,
    type: str | None = None,
    matcherType: str | None = None,
    matcherId: str | None = None,
) -> dict[str, Any]:
    return _list(sim, key, None, start, limit, type, matcherType, matcherId)


@router.get("/repos/{slug}/restrictions/{restriction_id}")
def get_repository_restriction(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, restriction_id: int
) -> dict[str, Any]:
    with sim.store.read() as state:
        return restriction_json(_find(state, key, slug, restriction_id), sim.directory)


@router.get("/restrictions/{restriction_id}")
def get_project_restriction(
    sim: SimulatorDep, _: UserDep, key: str, restriction_id: int
) -> dict[str, Any]:
    with sim.store.read() as state:
        return restriction_json(_find(state, key, None, restriction_id), sim.directory)


def _delete(sim: SimulatorDep, key: str, slug: str | None, restriction_id: int) -> Response:
    with sim.store.change() as state:
        record = _find(state, key, slug, restriction_id)
        state.restrictions = [r for r in state.restrictions if r.id != record.id]
    return Response(status_code=204)


@router.delete("/repos/{slug}/restrictions/{restriction_id}", status_code=204)
def delete_repository_restriction(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, restriction_id: int
) -> Response:
    return _delete(sim, key, slug, restriction_id)


@router.delete("/restrictions/{restriction_id}", status_code=204)
def delete_project_restriction(
    sim: SimulatorDep, _: UserDep, key: str, restriction_id: int
) -> Response:
    return _delete(sim, key, None, restriction_id)
