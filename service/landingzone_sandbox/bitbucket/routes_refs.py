"""Branches: list, default, create (`/rest/api/1.0`), delete (`/rest/branch-utils/1.0`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from .context import SimulatorDep, UserDep, require_repository
from .errors import ApiError, BitbucketJSONResponse, bad_request, not_found
from .gitstore import GitStoreError
from .shapes import branch_json, display_id, page, paging_window

router = APIRouter(default_response_class=BitbucketJSONResponse)

REPO = "/rest/api/1.0/projects/{key}/repos/{slug}"
JsonBody = Annotated[Any, Body()]


def _branch_ref(value: Any, context: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request("A branch name is required.", context)
    ref = value if value.startswith("refs/") else f"refs/heads/{value}"
    return ref


@router.get(f"{REPO}/branches")
def list_branches(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    slug: str,
    start: str | None = None,
    limit: str | None = None,
    filterText: str | None = None,
    orderBy: str | None = None,
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
    refs = [r for r in sim.git.refs(repository.id).values() if r.name.startswith("refs/heads/")]
    if filterText:
        refs = [r for r in refs if filterText.lower() in display_id(r.name).lower()]
    if (orderBy or "MODIFICATION").upper() == "ALPHABETICAL":
        refs.sort(key=lambda r: r.name)
    else:
        refs.sort(key=lambda r: (-r.committed_at, r.name))
    default_ref = sim.git.default_ref(repository.id)
    return page([branch_json(r, default_ref) for r in refs], first, size)


@router.get(f"{REPO}/branches/default", response_model=None)
def get_default_branch(
    sim: SimulatorDep, _: UserDep, key: str, slug: str
) -> dict[str, Any] | Response:
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
    default_ref = sim.git.default_ref(repository.id)
    ref = sim.git.refs(repository.id).get(default_ref)
    if ref is None:
        return Response(status_code=204)
    return branch_json(ref, default_ref)


@router.get(f"{REPO}/default-branch")
def get_configured_default_branch(
    sim: SimulatorDep, _: UserDep, key: str, slug: str
) -> dict[str, Any]:
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
    default_ref = sim.git.default_ref(repository.id)
    return {"id": default_ref, "displayId": display_id(default_ref), "type": "BRANCH"}


@router.put(f"{REPO}/branches/default", status_code=204)
def set_default_branch(sim: SimulatorDep, _: UserDep, key: str, slug: str, body: JsonBody) -> None:
    ref = _branch_ref(body.get("id") if isinstance(body, dict) else None, "id")
    if not sim.git.valid_branch_ref(ref):
        raise bad_request(f"{ref} is not a valid branch name.", "id")
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
    sim.git.set_default_ref(repository.id, ref)


@router.post(f"{REPO}/branches")
def create_branch(
    sim: SimulatorDep, user: UserDep, key: str, slug: str, body: JsonBody
) -> dict[str, Any]:
    data = body if isinstance(body, dict) else {}
    ref = _branch_ref(data.get("name"), "name")
    if not sim.git.valid_branch_ref(ref):
        raise bad_request(f"{ref} is not a valid branch name.", "name")
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
    before = sim.git.refs(repository.id)
    if ref in before:
        raise ApiError(
            409,
            f"Branch '{display_id(ref)}' already exists in repository '{slug}'.",
            "com.atlassian.bitbucket.repository.DuplicateRefException",
            "name",
        )
    start_point = data.get("startPoint")
    try:
        at = start_point if isinstance(start_point, str) and start_point else None
        commit = sim.git.resolve(repository.id, at)
    except GitStoreError as exc:
        raise bad_request(str(exc), "startPoint") from exc
    sim.git.update_ref(repository.id, ref, commit)
    after = sim.git.refs(repository.id)
    sim.announce_refs_changed(repository.id, user, before, after)
    return branch_json(after[ref], sim.git.default_ref(repository.id))


@router.delete("/rest/branch-utils/1.0/projects/{key}/repos/{slug}/branches", status_code=204)
def delete_branch(sim: SimulatorDep, user: UserDep, key: str, slug: str, body: JsonBody) -> None:
    ref = _branch_ref(body.get("name") if isinstance(body, dict) else None, "name")
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
    before = sim.git.refs(repository.id)
    if ref not in before:
        raise not_found(
            f"Branch '{display_id(ref)}' does not exist.", "repository.NoSuchBranchException"
        )
    sim.git.delete_ref(repository.id, ref)
    sim.announce_refs_changed(repository.id, user, before, sim.git.refs(repository.id))
