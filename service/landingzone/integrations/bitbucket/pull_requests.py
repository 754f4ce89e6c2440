"""Pull requests and build statuses on Bitbucket Server, through atlassian-python-api.

    POST /rest/api/1.0/projects/K/repos/S/pull-requests          open_pull_request
         409 DuplicatePullRequestException: an open one from the branch exists (adopted only
         with our marker)
    GET  .../pull-requests/{id}, .../pull-requests?state=OPEN&at=&direction=OUTGOING
    POST .../pull-requests/{id}/decline?version=                 decline_pull_request
    POST /rest/build-status/1.0/commits/{commit}                 a build status on the commit

Only pull requests whose description carries the landing zone's marker are ever declined.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from requests import HTTPError

from landingzone.integrations.base import (
    ForeignResource,
    Repository,
    TransientError,
    marked_owner,
    with_marker,
)
from landingzone.integrations.bitbucket.client import BitbucketApi, branch_name
from landingzone.integrations.bitbucket.errors import SYSTEM, status_of, translated
from landingzone.integrations.pull_requests import (
    BuildStatus,
    PullRequest,
    PullRequestDraft,
    PullRequestState,
)

DESCRIPTION_LIMIT = 30_000  # Bitbucket keeps at most 32k characters


def to_pull_request(data: dict[str, Any]) -> PullRequest:
    source, target = data.get("fromRef") or {}, data.get("toRef") or {}
    links = (data.get("links") or {}).get("self") or [{}]
    return PullRequest(
        id=int(data["id"]),
        version=int(data.get("version", 0)),
        state=cast(PullRequestState, data.get("state", "OPEN")),
        title=str(data.get("title", "")),
        branch=branch_name(str(source.get("id", ""))),
        target=branch_name(str(target.get("id", ""))),
        url=str(links[0].get("href", "")),
        commit=str(source.get("latestCommit", "")),
        owner=marked_owner(data.get("description")),
    )


class PullRequests:
    def __init__(self, client: BitbucketApi, secrets: Sequence[str]) -> None:
        self._client = client
        self._secrets = secrets

    def open(self, repository: Repository, draft: PullRequestDraft) -> PullRequest:
        project, slug = repository.project, repository.slug
        description = with_marker(draft.description, draft.owner, DESCRIPTION_LIMIT)
        with translated(
            f"open a pull request from {draft.branch} in {project}/{slug}", self._secrets
        ):
            try:
                data = self._client.open_pull_request(
                    project,
                    slug,
                    project,
                    slug,
                    f"refs/heads/{draft.branch}",
                    f"refs/heads/{draft.target}",
                    draft.title,
                    description,
                )
            except HTTPError as error:
                existing = _duplicate_of(error)
                if existing is None:
                    raise
                data = existing
        found = to_pull_request(data)
        if found.owner != draft.owner:
            resource = f"pull request #{found.id} in {project}/{slug}"
            raise ForeignResource(SYSTEM, resource, found.owner)
        return found

    def get(self, repository: Repository, pull_request_id: int) -> PullRequest:
        project, slug = repository.project, repository.slug
        with translated(f"read pull request #{pull_request_id} of {project}/{slug}", self._secrets):
            data = self._client.get_pull_request(project, slug, pull_request_id)
        return to_pull_request(data)

    def open_ones(self, repository: Repository, owner: str) -> list[PullRequest]:
        project, slug = repository.project, repository.slug
        with translated(f"list the pull requests of {project}/{slug}", self._secrets):
            found = [to_pull_request(d) for d in self._client.get_pull_requests(project, slug)]
        return [p for p in found if p.owner == owner]

    def decline(self, repository: Repository, pull_request_id: int, owner: str) -> None:
        project, slug = repository.project, repository.slug
        current = self.get(repository, pull_request_id)
        if current.owner != owner:
            resource = f"pull request #{current.id} in {project}/{slug}"
            raise ForeignResource(SYSTEM, resource, current.owner)
        if current.state != "OPEN":
            return
        action = f"decline pull request #{pull_request_id} of {project}/{slug}"
        with translated(action, self._secrets):
            try:
                self._client.decline_pull_request(project, slug, pull_request_id, current.version)
            except HTTPError as error:
                if status_of(error) != 409:
                    raise
                # A push rescoped it meanwhile (a new version): read it again and retry.
                raise TransientError(SYSTEM, f"{action}: it changed meanwhile") from None

    def set_build_status(self, commit: str, status: BuildStatus) -> None:
        body = {
            "state": status.state,
            "key": status.key,
            "name": status.name,
            "url": status.url,
            "description": status.description[:255],
        }
        with translated(f"set build status {status.key} on {commit[:12]}", self._secrets):
            self._client.post(f"rest/build-status/1.0/commits/{commit}", data=body)


def _duplicate_of(error: HTTPError) -> dict[str, Any] | None:
    if status_of(error) != 409 or error.response is None:
        return None
    try:
        errors = error.response.json().get("errors", [])
    except ValueError:
        return None
    for entry in errors:
        name = str(entry.get("exceptionName") or "")
        if name.endswith("DuplicatePullRequestException") and entry.get("existingPullRequest"):
            return dict(entry["existingPullRequest"])
    return None
