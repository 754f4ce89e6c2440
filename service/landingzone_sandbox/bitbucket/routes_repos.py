"""Projects and repositories: `/rest/api/1.0/projects[/K[/repos[/slug]]]`."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from .context import (
    SimulatorDep,
    UserDep,
    new_hierarchy_id,
    require_project,
    require_repository,
)
from .errors import ApiError, BitbucketJSONResponse, bad_request
from .shapes import page, paging_window, project_json, repository_json
from .state import ProjectRecord, RepositoryRecord

router = APIRouter(prefix="/rest/api/1.0", default_response_class=BitbucketJSONResponse)

JsonBody = Annotated[Any, Body()]

_PROJECT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
_REPOSITORY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,127}$")
DESCRIPTION_LIMIT = 255


def slugify(name: str) -> str:
    """Bitbucket's slug: lower case, runs of spaces become one hyphen."""
    return re.sub(r"\s+", "-", name.strip().lower())


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def _text(body: dict[str, Any], name: str, required: bool = True) -> str:
    value = body.get(name, "")
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise bad_request(f"The {name} is required and must be text.", name)
    return value


def _description(body: dict[str, Any]) -> str:
    value = _text(body, "description", required=False)
    if len(value) > DESCRIPTION_LIMIT:
        raise bad_request(
            f"Repository descriptions may be at most {DESCRIPTION_LIMIT} characters.",
            "description",
        )
    return value


@router.get("/projects")
def list_projects(
    sim: SimulatorDep, _: UserDep, start: str | None = None, limit: str | None = None
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    with sim.store.read() as state:
        projects = sorted(state.projects, key=lambda p: p.key)
        return page(projects, first, size, lambda p: project_json(sim.base_url, p))


@router.post("/projects", status_code=201)
def create_project(sim: SimulatorDep, _: UserDep, body: JsonBody) -> dict[str, Any]:
    data = _object(body)
    key, name = _text(data, "key"), _text(data, "name")
    description = _text(data, "description", required=False)
    if not _PROJECT_KEY.fullmatch(key):
        raise bad_request(
            "Project keys must start with a letter and may only consist of ASCII letters, "
            "numbers and underscores (A-Z, a-z, 0-9, _).",
            "key",
        )
    with sim.store.change() as state:
        if state.project(key) is not None:
            raise ApiError(409, "Project key is already in use.", None, "key")
        if any(p.name.lower() == name.lower() for p in state.projects):
            raise ApiError(409, "Project name is already in use.", None, "name")
        project = ProjectRecord(state.next_id("project"), key.upper(), name, description)
        state.projects.append(project)
        return project_json(sim.base_url, project)


@router.get("/projects/{key}")
def get_project(sim: SimulatorDep, _: UserDep, key: str) -> dict[str, Any]:
    with sim.store.read() as state:
        return project_json(sim.base_url, require_project(state, key))


@router.get("/projects/{key}/repos")
def list_repositories(
    sim: SimulatorDep, _: UserDep, key: str, start: str | None = None, limit: str | None = None
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    with sim.store.read() as state:
        project = require_project(state, key)
        repositories = sorted(
            (r for r in state.repositories if r.project_key == project.key), key=lambda r: r.slug
        )
        return page(repositories, first, size, lambda r: repository_json(sim.base_url, r, project))


@router.post("/projects/{key}/repos", status_code=201)
def create_repository(sim: SimulatorDep, _: UserDep, key: str, body: JsonBody) -> dict[str, Any]:
    data = _object(body)
    name = _text(data, "name").strip()
    if data.get("scmId", "git") != "git":
        raise bad_request("Only git repositories are supported.", "scmId")
    if not _REPOSITORY_NAME.fullmatch(name):
        raise bad_request(
            "Repository names must start with a letter or number and may contain only "
            "letters, numbers, spaces, hyphens, underscores and periods (at most 128).",
            "name",
        )
    description = _description(data)
    slug = slugify(name)
    with sim.store.change() as state:
        project = require_project(state, key)
        clash = next(
            (
                r
                for r in state.repositories
                if r.project_key == project.key
                and (r.slug == slug or r.name.lower() == name.lower())
            ),
            None,
        )
        if clash is not None:
            raise ApiError(
                409,
                f"This repository URL is already taken by '{clash.name}' in '{project.name}'",
                None,
                "name",
            )
        repository = RepositoryRecord(
            id=state.next_id("repository"),
            project_key=project.key,
            slug=slug,
            name=name,
            hierarchy_id=new_hierarchy_id(),
            description=description,
            forkable=bool(data.get("forkable", True)),
            public=bool(data.get("public", False)),
        )
        sim.git.create(repository.id)
        state.repositories.append(repository)
        return repository_json(sim.base_url, repository, project)


@router.get("/projects/{key}/repos/{slug}")
def get_repository(sim: SimulatorDep, _: UserDep, key: str, slug: str) -> dict[str, Any]:
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
        return repository_json(sim.base_url, repository, require_project(state, key))


@router.put("/projects/{key}/repos/{slug}")
def update_repository(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, body: JsonBody
) -> dict[str, Any]:
    data = _object(body)
    with sim.store.change() as state:
        repository = require_repository(state, key, slug)
        if "description" in data:
            repository.description = _description(data)
        if "forkable" in data:
            repository.forkable = bool(data["forkable"])
        if "public" in data:
            repository.public = bool(data["public"])
        return repository_json(sim.base_url, repository, require_project(state, key))


@router.delete("/projects/{key}/repos/{slug}", response_model=None)
def delete_repository(
    sim: SimulatorDep, _: UserDep, key: str, slug: str
) -> BitbucketJSONResponse | Response:
    with sim.store.change() as state:
        require_project(state, key)
        repository = state.repository(key, slug)
        if repository is None:
            return Response(status_code=204)
        state.remove_repository(repository)
    sim.git.delete(repository.id)
    return BitbucketJSONResponse(
        {"context": None, "message": "Repository scheduled for deletion.", "exceptionName": None},
        status_code=202,
    )
