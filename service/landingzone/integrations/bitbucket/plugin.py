"""RepositoryHost on Bitbucket Server / Data Center.

Every method can be called again after a crash or a timeout: it looks before it creates,
and treats "already there" answers (409, existing branch) as success when what exists is
what was asked for.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from landingzone.integrations.base import (
    BranchRestriction,
    InitialCommit,
    IntegrationError,
    Repository,
    RepositoryAddress,
)
from landingzone.integrations.bitbucket.client import (
    BitbucketApi,
    GitCli,
    branch_name,
    build_client,
)
from landingzone.integrations.bitbucket.config import BitbucketSettings
from landingzone.integrations.bitbucket.errors import translated
from landingzone.integrations.bitbucket.repositories import (
    Repositories,
    address_in,
    checked,
    repository_slug,
    to_repository,
)


def _matcher(branch: str) -> tuple[str, str]:
    if any(c in branch for c in "*?"):
        return "PATTERN", branch
    return "BRANCH", f"refs/heads/{branch_name(branch)}"


class BitbucketRepositoryHost:
    def __init__(
        self, config: BitbucketSettings, *, timeout_s: float, client: BitbucketApi | None = None
    ) -> None:
        self._config = config
        self._client = client or build_client(config, timeout_s)
        self._git = GitCli(config)
        self._repositories = Repositories(self._client)
        self._secrets = config.secrets()

    def _translated(self, action: str) -> AbstractContextManager[None]:
        return translated(action, self._secrets)

    def find_repository(self, project: str, slug: str) -> Repository | None:
        checked(project, slug)
        with self._translated(f"look up repository {project}/{slug}"):
            data = self._repositories.get(project, slug)
        return None if data is None else to_repository(data)

    def locate_repository(self, project: str, slug: str) -> RepositoryAddress:
        """Where `project/slug` is or will be served, from the project Bitbucket describes."""
        checked(project, slug)
        with self._translated(f"look up project {project}"):
            data = self._client.project(project)
        return address_in(data if isinstance(data, dict) else {}, repository_slug(slug))

    def ensure_repository(
        self, project: str, name: str, description: str, owner: str
    ) -> Repository:
        """Create it with `owner`'s marker in its description, or return it if it has one.

        Anything else under that name raises ForeignResource and is left as it is.
        """
        checked(project, name)
        with self._translated(f"create repository {project}/{name.strip()}"):
            data = self._repositories.ensure(project, name, description, owner)
        return to_repository(data)

    def push_initial_commit(self, repository: Repository, commit: InitialCommit) -> str:
        existing = self._git.remote_head(repository.clone_url, commit.branch)
        if existing is not None:
            return existing
        with tempfile.TemporaryDirectory(prefix="lz-push-") as tmp:
            workdir = Path(tmp) / "work"
            commit_id = self._git.commit_directory(commit, workdir)
            try:
                self._git.push(workdir, repository.clone_url, commit.branch)
            except IntegrationError:
                # A push that raced ours, or one that landed although we saw an error.
                existing = self._git.remote_head(repository.clone_url, commit.branch)
                if existing is not None:
                    return existing
                raise
        return commit_id

    def set_default_branch(self, repository: Repository, branch: str) -> None:
        ref = f"refs/heads/{branch_name(branch)}"
        with self._translated(f"set default branch of {repository.project}/{repository.slug}"):
            self._client.set_default_branch(repository.project, repository.slug, ref)

    def _restrictions(self, repository: Repository) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        start: int | None = 0
        while start is not None:
            page = self._client.get_branches_permissions(
                repository.project, None, repository_slug=repository.slug, start=start, limit=100
            )
            found.extend(page.get("values", []))
            start = None if page.get("isLastPage", True) else page.get("nextPageStart")
        return found

    def ensure_branch_restrictions(
        self, repository: Repository, restrictions: Sequence[BranchRestriction]
    ) -> None:
        action = f"set branch restrictions on {repository.project}/{repository.slug}"
        with self._translated(action):
            present = {
                (r["type"], r["matcher"]["type"]["id"], r["matcher"]["id"])
                for r in self._restrictions(repository)
            }
            missing: list[dict[str, Any]] = []
            for restriction in restrictions:
                matcher_type, matcher_id = _matcher(restriction.branch)
                key = (restriction.kind, matcher_type, matcher_id)
                if key in present:
                    continue
                present.add(key)
                missing.append(
                    {
                        "type": restriction.kind,
                        "matcher": {
                            "id": matcher_id,
                            "displayId": matcher_id,
                            "type": {"id": matcher_type, "name": matcher_type.capitalize()},
                            "active": True,
                        },
                        "users": list(restriction.except_users),
                        "groups": [],
                        "accessKeys": [],
                    }
                )
            if missing:
                self._client.set_branches_permissions(
                    repository.project,
                    multiple_permissions=missing,
                    repository_slug=repository.slug,
                )

    def grant_group(self, repository: Repository, group: str, permission: str) -> None:
        action = f"grant {permission} on {repository.project}/{repository.slug} to {group}"
        with self._translated(action):
            self._client.repo_grant_group_permissions(
                repository.project, repository.slug, group, permission
            )

    def ensure_webhook(
        self, repository: Repository, name: str, url: str, events: Sequence[str]
    ) -> None:
        project, slug = repository.project, repository.slug
        secret = self._config.webhook_secret
        # The URL may carry a credential (a notifyCommit token): keep it out of any error.
        values = [value for _, value in parse_qsl(urlsplit(url).query) if len(value) >= 8]
        hidden = (*self._secrets, url, *values)
        with translated(f"set webhook {name!r} on {project}/{slug}", hidden):
            hooks = list(self._client.get_webhooks(project, slug))
            current = next((h for h in hooks if h.get("name") == name), None)
            if current is None:
                self._client.create_webhook(
                    project,
                    slug,
                    name,
                    list(events),
                    url,
                    True,
                    secret.get_secret_value() or None,
                )
                return
            if (current.get("url"), sorted(current.get("events", [])), current.get("active")) == (
                url,
                sorted(events),
                True,
            ):
                return
            changes: dict[str, Any] = {
                "name": name,
                "url": url,
                "events": list(events),
                "active": True,
            }
            if secret:
                changes["configuration"] = {"secret": secret.get_secret_value()}
            self._client.update_webhook(project, slug, current["id"], **changes)

    def file_url(self, repository: Repository, path: str, branch: str) -> str:
        ref = f"refs/heads/{branch_name(branch)}"
        return f"{repository.browse_url}/{quote(path.lstrip('/'))}?at={quote(ref, safe='/')}"

    def delete_repository(self, project: str, slug: str, owner: str) -> None:
        """Delete it if its marker names `owner`; gone is fine; otherwise ForeignResource."""
        checked(project, slug)
        with self._translated(f"delete repository {project}/{slug}"):
            self._repositories.delete(project, slug, owner)
