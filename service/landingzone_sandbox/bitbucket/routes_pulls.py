"""Pull requests (`/rest/api/1.0/projects/{key}/repos/{slug}/pull-requests`) as Bitbucket
Server serves them: create, get, list, decline, merge, the merge check and activities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from .context import Simulator, SimulatorDep, UserDep, require_project, require_repository
from .errors import ApiError, BitbucketJSONResponse, bad_request, not_found
from .gitstore import GitStoreError
from .pulls import (
    PULL,
    activity,
    activity_json,
    close,
    expected_version,
    heads,
    merge,
    mergeability,
    not_open,
    now_ms,
    pull_request_json,
)
from .shapes import page, paging_window
from .state import PullRequestRecord, RepositoryRecord, State

router = APIRouter(default_response_class=BitbucketJSONResponse)

PULLS = "/rest/api/1.0/projects/{key}/repos/{slug}/pull-requests"
JsonBody = Annotated[Any, Body()]
STATES = ("OPEN", "DECLINED", "MERGED")


def _view(
    sim: Simulator, state: State, repository: RepositoryRecord, record: PullRequestRecord
) -> dict[str, Any]:
    project = require_project(state, repository.project_key)
    refs = sim.git.refs(repository.id)
    return pull_request_json(record, repository, project, refs, sim.directory, sim.base_url)


def _require(state: State, repository: RepositoryRecord, pull_request_id: int) -> PullRequestRecord:
    record = state.pull_request(repository.id, pull_request_id)
    if record is None:
        raise not_found(
            f"Pull request {pull_request_id} does not exist in "
            f"{repository.project_key}/{repository.slug}.",
            "pull.NoSuchPullRequestException",
        )
    return record


def _require_open(
    state: State, key: str, slug: str, pull_request_id: int
) -> tuple[RepositoryRecord, PullRequestRecord]:
    repository = require_repository(state, key, slug)
    record = _require(state, repository, pull_request_id)
    if record.state != "OPEN":
        raise not_open(record)
    return repository, record


def _ref(body: dict[str, Any], field: str, repository: RepositoryRecord) -> str:
    value = body.get(field)
    ref_id = value.get("id") if isinstance(value, dict) else None
    if not isinstance(ref_id, str) or not ref_id.strip():
        raise bad_request(f"A {field} with an id is required.", field)
    other = value.get("repository") if isinstance(value, dict) else None
    if isinstance(other, dict):
        slug = other.get("slug")
        key = (
            (other.get("project") or {}).get("key")
            if isinstance(other.get("project"), dict)
            else None
        )
        if (slug and slug.lower() != repository.slug) or (
            key and key.upper() != repository.project_key
        ):
            raise ApiError(
                409,
                "Pull requests between repositories are not supported here.",
                PULL + "InvalidPullRequestTargetException",
                field,
            )
    return ref_id if ref_id.startswith("refs/") else f"refs/heads/{ref_id}"


@router.post(PULLS, status_code=201)
def create_pull_request(
    sim: SimulatorDep, user: UserDep, key: str, slug: str, body: JsonBody
) -> dict[str, Any]:
    data = body if isinstance(body, dict) else {}
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad_request("A title is required.", "title")
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise bad_request("The description must be text.", "description")
    with sim.store.change() as state:
        repository = require_repository(state, key, slug)
        from_ref, to_ref = _ref(data, "fromRef", repository), _ref(data, "toRef", repository)
        refs = sim.git.refs(repository.id)
        for field, ref in (("fromRef", from_ref), ("toRef", to_ref)):
            if ref not in refs:
                raise ApiError(
                    404,
                    f'Repository "{repository.slug}" of project {repository.project_key} '
                    f'has no branch "{ref}".',
                    "com.atlassian.bitbucket.repository.NoSuchBranchException",
                    field,
                )
        if from_ref == to_ref:
            raise ApiError(
                409,
                "The source and target branch of a pull request must differ.",
                PULL + "InvalidPullRequestTargetException",
            )
        duplicate = next(
            (
                p
                for p in state.pull_requests
                if p.repository_id == repository.id
                and p.state == "OPEN"
                and (p.from_ref, p.to_ref) == (from_ref, to_ref)
            ),
            None,
        )
        if duplicate is not None:
            error = ApiError(
                409,
                "Only one pull request may be open for a given source and target branch",
                PULL + "DuplicatePullRequestException",
            )
            error.extra = {"existingPullRequest": _view(sim, state, repository, duplicate)}
            raise error
        if sim.git.is_ancestor(repository.id, refs[from_ref].commit, refs[to_ref].commit):
            raise ApiError(
                409,
                f"Pull request from {from_ref} to {to_ref} would be empty: "
                "the source has no commit the target lacks.",
                PULL + "EmptyPullRequestException",
            )
        stamp = now_ms()
        record = PullRequestRecord(
            id=state.next_id(f"pull-request:{repository.id}"),
            repository_id=repository.id,
            version=0,
            title=title.strip(),
            description=description or "",
            state="OPEN",
            from_ref=from_ref,
            to_ref=to_ref,
            author=user.name,
            created_ms=stamp,
            updated_ms=stamp,
        )
        activity(record, "OPENED", user.name)
        state.pull_requests.append(record)
        return _view(sim, state, repository, record)


@router.get(PULLS)
def list_pull_requests(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    slug: str,
    state: str | None = None,
    at: str | None = None,
    direction: str | None = None,
    order: str | None = None,
    start: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    wanted = (state or "OPEN").upper()
    if wanted not in (*STATES, "ALL"):
        raise bad_request(f"{state} is not a valid pull request state.", "state")
    way = (direction or "INCOMING").upper()
    if way not in ("INCOMING", "OUTGOING"):
        raise bad_request(f"{direction} is not a valid direction.", "direction")
    with sim.store.read() as current:
        repository = require_repository(current, key, slug)
        records = [p for p in current.pull_requests if p.repository_id == repository.id]
        if wanted != "ALL":
            records = [p for p in records if p.state == wanted]
        if at:
            ref = at if at.startswith("refs/") else f"refs/heads/{at}"
            records = [p for p in records if (p.to_ref if way == "INCOMING" else p.from_ref) == ref]
        newest_first = (order or "NEWEST").upper() != "OLDEST"
        records.sort(key=lambda p: (p.updated_ms, p.id), reverse=newest_first)
        body = page(records, first, size)
        project = require_project(current, repository.project_key)
        refs = sim.git.refs(repository.id)
        body["values"] = [
            pull_request_json(p, repository, project, refs, sim.directory, sim.base_url)
            for p in body["values"]
        ]
    return body


@router.get(f"{PULLS}/{{pull_request_id}}")
def get_pull_request(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, pull_request_id: int
) -> dict[str, Any]:
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
        return _view(sim, state, repository, _require(state, repository, pull_request_id))


@router.post(f"{PULLS}/{{pull_request_id}}/decline")
def decline_pull_request(
    sim: SimulatorDep,
    user: UserDep,
    key: str,
    slug: str,
    pull_request_id: int,
    version: str | None = None,
) -> dict[str, Any]:
    with sim.store.change() as state:
        repository, record = _require_open(state, key, slug, pull_request_id)
        expected_version(record, version)
        source, target = heads(record, sim.git.refs(repository.id))
        close(record, "DECLINED", source, target, user.name)
        return _view(sim, state, repository, record)


@router.get(f"{PULLS}/{{pull_request_id}}/merge")
def can_merge(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, pull_request_id: int
) -> dict[str, Any]:
    with sim.store.read() as state:
        repository, record = _require_open(state, key, slug, pull_request_id)
        source, target = heads(record, sim.git.refs(repository.id))
    return mergeability(sim.git, repository.id, source, target).to_json()


@router.post(f"{PULLS}/{{pull_request_id}}/merge", response_model=None)
def merge_pull_request(
    sim: SimulatorDep,
    user: UserDep,
    key: str,
    slug: str,
    pull_request_id: int,
    version: str | None = None,
) -> dict[str, Any] | JSONResponse:
    with sim.store.change() as state:
        repository, record = _require_open(state, key, slug, pull_request_id)
        expected_version(record, version)
        before = sim.git.refs(repository.id)
        source, target = heads(record, before)
        check = mergeability(sim.git, repository.id, source, target)
        if check.conflicted:
            error = ApiError(
                409,
                "The pull request has conflicts and cannot be merged.",
                PULL + "PullRequestMergeVetoedException",
            )
            error.extra = {"conflicted": True, "vetoes": check.vetoes()}
            raise error
        try:
            commit = merge(sim.git, repository, record, source, target, user.name)
        except GitStoreError as exc:  # the target moved on meanwhile
            raise ApiError(409, str(exc), PULL + "PullRequestOutOfDateException") from exc
        close(
            record,
            "MERGED",
            source,
            commit,
            user.name,
            commit={"id": commit, "displayId": commit[:11]},
        )
        view = _view(sim, state, repository, record)
    sim.announce_refs_changed(repository.id, user, before, sim.git.refs(repository.id))
    return view


@router.get(f"{PULLS}/{{pull_request_id}}/activities")
def list_activities(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    slug: str,
    pull_request_id: int,
    start: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
        record = _require(state, repository, pull_request_id)
        entries = [activity_json(e, sim.directory) for e in reversed(record.activities)]
    return page(entries, first, size)
