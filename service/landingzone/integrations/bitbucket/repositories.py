"""Finding, creating and deleting repositories, guarded by the landing-zone marker.

The marker lives in the repository description and is sent in the create request itself, so
a repository of ours never exists unmarked; one without our marker is never adopted, changed
or deleted.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from requests import HTTPError

from landingzone.integrations.base import (
    PermanentError,
    Repository,
    RepositoryAddress,
    marked_owner,
    with_marker,
)
from landingzone.integrations.bitbucket.client import BitbucketApi
from landingzone.integrations.bitbucket.errors import SYSTEM, status_of
from landingzone.integrations.ownership import checked_owner, require_owned

DESCRIPTION_LIMIT = 255  # characters Bitbucket keeps in a repository description

_PROJECT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
_REPOSITORY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,127}$")


def repository_slug(name: str) -> str:
    """The slug Bitbucket derives from a repository name."""
    return re.sub(r"\s+", "-", name.strip().lower())


def checked(project: str, name_or_slug: str) -> None:
    """Refuse values that would not stay one path segment of a REST URL."""
    if not _PROJECT_KEY.fullmatch(project):
        raise PermanentError(SYSTEM, f"not a Bitbucket project key: {project!r}")
    if not _REPOSITORY_NAME.fullmatch(name_or_slug.strip()):
        raise PermanentError(SYSTEM, f"not a Bitbucket repository name: {name_or_slug!r}")


def _without_user_info(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def to_repository(data: dict[str, Any]) -> Repository:
    links = data.get("links", {})
    clone = next((c["href"] for c in links.get("clone", []) if c.get("name") == "http"), None)
    browse = next((s["href"] for s in links.get("self", [])), None)
    if clone is None or browse is None:
        raise PermanentError(SYSTEM, f"repository {data.get('slug')} has no http clone link")
    return Repository(
        project=str(data["project"]["key"]),
        slug=str(data["slug"]),
        browse_url=browse,
        clone_url=_without_user_info(clone),
        owner=marked_owner(data.get("description")),
    )


def address_in(project: dict[str, Any], slug: str) -> RepositoryAddress:
    """Where repository `slug` of `project` (its REST resource) is browsed and cloned.

    The server's base URL is read off the project's own link, so the address is the one
    Bitbucket will give the repository, behind whatever proxy or context path it uses.
    """
    key = str(project.get("key", ""))
    link = next((s["href"] for s in project.get("links", {}).get("self", [])), "")
    base, found, rest = str(link).rpartition(f"/projects/{key}")
    if not key or not found or rest.strip("/"):
        raise PermanentError(SYSTEM, f"project {key or '?'} has no link to itself")
    base = _without_user_info(base)
    return RepositoryAddress(
        browse_url=f"{base}/projects/{key}/repos/{slug}/browse",
        clone_url=f"{base}/scm/{key.lower()}/{slug}.git",
    )


class Repositories:
    """Raises requests' errors; the caller translates them."""

    def __init__(self, client: BitbucketApi) -> None:
        self._client = client

    def get(self, project: str, slug: str) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = self._client.get_repo(project, slug)
        except HTTPError as exc:
            if status_of(exc) == 404:
                return None
            raise
        return data

    def ensure(self, project: str, name: str, description: str, owner: str) -> dict[str, Any]:
        checked_owner(SYSTEM, owner)
        slug = repository_slug(name)
        wanted = with_marker(description, owner, limit=DESCRIPTION_LIMIT)
        data = self.get(project, slug)
        if data is None:
            data = self._create(project, name, slug, wanted)
        require_owned(SYSTEM, f"repository {project}/{slug}", data.get("description"), owner)
        if data.get("description") != wanted:
            data = self._client.update_repo(project, slug, description=wanted)
        return data

    def _create(self, project: str, name: str, slug: str, description: str) -> dict[str, Any]:
        # atlassian's create_repo cannot send a description; the REST resource takes one.
        body = {"name": name, "scmId": "git", "forkable": False, "description": description}
        try:
            created: dict[str, Any] = self._client.post(
                self._client.resource_url(f"projects/{project}/repos"), data=body
            )
        except HTTPError as exc:
            if status_of(exc) != 409:
                raise
        else:
            if marked_owner(created.get("description")) is None:
                # A server that ignored the description: this call made it, so mark it now.
                created = self._client.update_repo(project, slug, description=description)
            return created
        # An earlier attempt (or someone else) made it a moment ago: judge what is there.
        existing = self.get(project, slug)
        if existing is None:
            raise PermanentError(
                SYSTEM, f"the name {name!r} clashes with another repository in {project}"
            )
        return existing

    def delete(self, project: str, slug: str, owner: str) -> None:
        checked_owner(SYSTEM, owner)
        data = self.get(project, slug)
        if data is None:
            return
        require_owned(SYSTEM, f"repository {project}/{slug}", data.get("description"), owner)
        try:
            self._client.delete_repo(project, slug)
        except HTTPError as exc:
            if status_of(exc) != 404:
                raise
