"""JSON shapes of Bitbucket Server resources, and its paging envelope."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .directory import Directory
from .errors import bad_request
from .gitstore import Ref
from .state import ProjectRecord, RepositoryRecord, RestrictionRecord, WebhookRecord

DEFAULT_PAGE_LIMIT = 25
MAX_PAGE_LIMIT = 1000


def paging_window(
    start: str | None, limit: str | None, default_limit: int = DEFAULT_PAGE_LIMIT
) -> tuple[int, int]:
    try:
        first = int(start) if start else 0
        size = int(limit) if limit else default_limit
    except ValueError as exc:
        raise bad_request("start and limit must be integers") from exc
    if first < 0 or size < 1:
        raise bad_request("start must be >= 0 and limit must be >= 1")
    return first, min(size, max(MAX_PAGE_LIMIT, default_limit))


def page(
    values: Sequence[Any],
    start: int,
    limit: int,
    render: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """One page; the last page has no `nextPageStart` (clients stop on its absence).

    `render`, if given, shapes the values of this page only."""
    chunk = list(values[start : start + limit])
    if render is not None:
        chunk = [render(value) for value in chunk]
    body: dict[str, Any] = {
        "size": len(chunk),
        "limit": limit,
        "isLastPage": start + limit >= len(values),
        "start": start,
        "values": chunk,
    }
    if not body["isLastPage"]:
        body["nextPageStart"] = start + limit
    return body


def project_json(base_url: str, project: ProjectRecord) -> dict[str, Any]:
    return {
        "key": project.key,
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "public": False,
        "type": "NORMAL",
        "links": {"self": [{"href": f"{base_url}/projects/{project.key}"}]},
    }


def clone_url(base_url: str, repository: RepositoryRecord) -> str:
    return f"{base_url}/scm/{repository.project_key.lower()}/{repository.slug}.git"


def browse_url(base_url: str, repository: RepositoryRecord) -> str:
    return f"{base_url}/projects/{repository.project_key}/repos/{repository.slug}/browse"


def repository_json(
    base_url: str, repository: RepositoryRecord, project: ProjectRecord
) -> dict[str, Any]:
    return {
        "slug": repository.slug,
        "id": repository.id,
        "name": repository.name,
        "description": repository.description,
        "hierarchyId": repository.hierarchy_id,
        "scmId": "git",
        "state": "AVAILABLE",
        "statusMessage": "Available",
        "forkable": repository.forkable,
        "project": project_json(base_url, project),
        "public": repository.public,
        "links": {
            "clone": [{"href": clone_url(base_url, repository), "name": "http"}],
            "self": [{"href": browse_url(base_url, repository)}],
        },
    }


def display_id(ref: str) -> str:
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def branch_json(ref: Ref, default_ref: str) -> dict[str, Any]:
    return {
        "id": ref.name,
        "displayId": display_id(ref.name),
        "type": "BRANCH",
        "latestCommit": ref.commit,
        "latestChangeset": ref.commit,
        "isDefault": ref.name == default_ref,
    }


def restriction_json(restriction: RestrictionRecord, directory: Directory) -> dict[str, Any]:
    users = [u.to_json() for u in map(directory.user, restriction.users) if u is not None]
    matcher_display = (
        display_id(restriction.matcher_id)
        if restriction.matcher_type == "BRANCH"
        else restriction.matcher_id
    )
    return {
        "id": restriction.id,
        "type": restriction.type,
        "matcher": {
            "id": restriction.matcher_id,
            "displayId": matcher_display,
            "type": {
                "id": restriction.matcher_type,
                "name": MATCHER_TYPE_NAMES[restriction.matcher_type],
            },
            "active": True,
        },
        "scope": {"type": restriction.scope_type, "resourceId": restriction.scope_id},
        "users": users,
        "groups": list(restriction.groups),
        "accessKeys": [{"key": {"id": key}} for key in restriction.access_keys],
    }


MATCHER_TYPE_NAMES = {
    "BRANCH": "Branch",
    "PATTERN": "Pattern",
    "MODEL_CATEGORY": "Branching model category",
    "MODEL_BRANCH": "Branching model branch",
    "ANY_REF": "Any branch",
}


def webhook_json(webhook: WebhookRecord) -> dict[str, Any]:
    """The secret is write-only: it is never echoed back."""
    return {
        "id": webhook.id,
        "name": webhook.name,
        "createdDate": webhook.created_ms,
        "updatedDate": webhook.updated_ms,
        "events": list(webhook.events),
        "configuration": {},
        "url": webhook.url,
        "active": webhook.active,
    }
