"""Repository permissions for groups and users: `…/repos/s/permissions/{groups,users}`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from .context import SimulatorDep, UserDep, require_repository
from .errors import BitbucketJSONResponse, bad_request, not_found
from .shapes import page, paging_window

router = APIRouter(
    prefix="/rest/api/1.0/projects/{key}/repos/{slug}/permissions",
    default_response_class=BitbucketJSONResponse,
)

REPOSITORY_PERMISSIONS = ("REPO_READ", "REPO_WRITE", "REPO_ADMIN")
Names = Annotated[list[str], Query(alias="name")]
Kind = Literal["groups", "users"]


def _check_names(sim: SimulatorDep, kind: Kind, names: list[str]) -> None:
    if not names:
        raise bad_request("At least one name is required.", "name")
    for name in names:
        if kind == "groups" and not sim.directory.has_group(name):
            raise not_found(f"No such group '{name}'.", "user.NoSuchGroupException")
        if kind == "users" and sim.directory.user(name) is None:
            raise not_found(f"No such user '{name}'.", "user.NoSuchUserException")


@router.put("/{kind}", status_code=204)
def grant(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    slug: str,
    kind: Kind,
    names: Names,
    permission: str | None = None,
) -> Response:
    if permission not in REPOSITORY_PERMISSIONS:
        raise bad_request(
            f"The permission must be one of {', '.join(REPOSITORY_PERMISSIONS)}.", "permission"
        )
    with sim.store.change() as state:
        repository = require_repository(state, key, slug)
        _check_names(sim, kind, names)
        grants = repository.group_permissions if kind == "groups" else repository.user_permissions
        for name in names:
            grants[name] = permission
    return Response(status_code=204)


@router.delete("/{kind}", status_code=204)
def revoke(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, kind: Kind, names: Names
) -> Response:
    with sim.store.change() as state:
        repository = require_repository(state, key, slug)
        _check_names(sim, kind, names)
        grants = repository.group_permissions if kind == "groups" else repository.user_permissions
        for name in names:
            grants.pop(name, None)
    return Response(status_code=204)


@router.get("/{kind}")
def list_grants(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    slug: str,
    kind: Kind,
    start: str | None = None,
    limit: str | None = None,
    filter: str | None = None,
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
        grants = dict(
            repository.group_permissions if kind == "groups" else repository.user_permissions
        )
    values: list[dict[str, Any]] = []
    for name, permission in sorted(grants.items()):
        if filter and filter.lower() not in name.lower():
            continue
        user = sim.directory.user(name)
        if kind == "groups":
            values.append({"group": {"name": name}, "permission": permission})
        elif user is not None:
            values.append({"user": user.to_json(), "permission": permission})
    return page(values, first, size)
