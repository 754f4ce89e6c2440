"""Build statuses on a commit (`/rest/build-status/1.0/commits/{commitId}`), as Jenkins's
Bitbucket plugins post them and pull requests show them. A status is kept per commit and key:
posting the same key again replaces it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from .context import SimulatorDep, UserDep
from .errors import BitbucketJSONResponse, bad_request
from .pulls import now_ms
from .shapes import page, paging_window
from .state import BuildStatusRecord

router = APIRouter(default_response_class=BitbucketJSONResponse)

STATUSES = "/rest/build-status/1.0/commits/{commit_id}"
BUILD_STATES = ("SUCCESSFUL", "FAILED", "INPROGRESS")
JsonBody = Annotated[Any, Body()]


def _text(data: dict[str, Any], field: str, limit: int, required: bool) -> str | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{field} is required.", field)
    if len(value) > limit:
        raise bad_request(f"{field} must be at most {limit} characters.", field)
    return value


@router.post(STATUSES, status_code=204)
def add_build_status(sim: SimulatorDep, _: UserDep, commit_id: str, body: JsonBody) -> None:
    data = body if isinstance(body, dict) else {}
    state = data.get("state")
    if state not in BUILD_STATES:
        raise bad_request("state must be one of " + ", ".join(BUILD_STATES) + ".", "state")
    key = _text(data, "key", 255, True)
    url = _text(data, "url", 450, True)
    assert key is not None and url is not None
    record = BuildStatusRecord(
        commit=commit_id.lower(),
        key=key,
        state=state,
        url=url,
        name=_text(data, "name", 255, False),
        description=_text(data, "description", 255, False),
        added_ms=now_ms(),
    )
    with sim.store.change() as current:
        current.build_statuses = [
            s for s in current.build_statuses if (s.commit, s.key) != (record.commit, key)
        ]
        current.build_statuses.append(record)


@router.get(STATUSES)
def list_build_statuses(
    sim: SimulatorDep,
    _: UserDep,
    commit_id: str,
    start: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    with sim.store.read() as current:
        found = [s for s in current.build_statuses if s.commit == commit_id.lower()]
    found.sort(key=lambda s: s.added_ms, reverse=True)
    values = [
        {
            "state": s.state,
            "key": s.key,
            "name": s.name,
            "url": s.url,
            "description": s.description,
            "dateAdded": s.added_ms,
        }
        for s in found
    ]
    return page(values, first, size)
