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
    FileChange,
    ForeignResource,
    InitialCommit,
    IntegrationError,
    Repository,
    RepositoryAddress,
    marked_owner,
)
from landingzone.integrations.bitbucket.client import (
    BitbucketApi,
    GitCli,
    branch_name,
    build_client,
)
from landingzone.integrations.bitbucket.config import BitbucketSettings
from landingzone.integrations.bitbucket.errors import SYSTEM, translated
from landingzone.integrations.bitbucket.files import BranchFiles
from landingzone.integrations.bitbucket.pull_requests import PullRequests
from landingzone.integrations.bitbucket.repositories import (
    Repositories,
    address_in,
    checked,
    repository_slug,
    to_repository,
)
from landingzone.integrations.bitbucket.three_way import merge_change
from landingzone.integrations.pull_requests import (
    BuildStatus,
    ChangePushed,
    PullRequest,
    PullRequestDraft,
    TemplateChange,
)

GROUP_PAGE_LIMIT = 1000  # the most one page of Bitbucket Server's answers holds


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
        self._files = BranchFiles(self._client, self._git, self._secrets)
        self._pull_requests = PullRequests(self._client, self._secrets)

    def _translated(self, action: str) -> AbstractContextManager[None]:
        return translated(action, self._secrets)

    def find_repository(self, project: str, slug: str) -> Repository | None:
        checked(project, slug)
        with self._translated(f"look up repository {project}/{slug}"):
            data = self._repositories.get(project, slug)
        return None if data is None else to_repository(data)

    def group_exists(self, group: str) -> bool | None:
        """Read from `GET /rest/api/1.0/groups?filter=<group>` (names containing it), one page."""
        with self._translated(f"look up group {group}"):
            page = self._client.get(
                self._client.resource_url("groups"),
                params={"filter": group, "limit": GROUP_PAGE_LIMIT},
            )
        names = page.get("values", []) if isinstance(page, dict) else []
        # Bitbucket's group names are case-insensitive: `Payments` is granted as `payments`.
        if any(isinstance(name, str) and name.casefold() == group.casefold() for name in names):
            return True
        return False if isinstance(page, dict) and page.get("isLastPage", True) else None

    def locate_repository(self, project: str, slug: str) -> RepositoryAddress:
        """Where `project/slug` is or will be served, from the project Bitbucket describes."""
        return self.locate_repositories(project, (slug,))[0]

    def locate_repositories(
        self, project: str, slugs: Sequence[str]
    ) -> tuple[RepositoryAddress, ...]:
        """Where each of `slugs` in `project` is or will be served: one look at the project."""
        for slug in slugs:
            checked(project, slug)
        with self._translated(f"look up project {project}"):
            data = self._client.project(project)
        described = data if isinstance(data, dict) else {}
        return tuple(address_in(described, repository_slug(slug)) for slug in slugs)

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
        """Push unless the branch exists already; returns the branch head commit id.

        The commit is made first and pushed without asking the remote: its id depends only on
        the tree, the author and the date, so a replay pushes the same commit (which Bitbucket
        answers as up to date), and a branch already there with another head refuses the push,
        which is when the remote is asked for that head."""
        with tempfile.TemporaryDirectory(prefix="lz-push-") as tmp:
            workdir = Path(tmp) / "work"
            commit_id = self._git.commit_directory(commit, workdir)
            try:
                self._git.push(workdir, repository.clone_url, commit.branch)
            except IntegrationError:
                # A push that raced ours, one that landed although we saw an error, or a
                # branch made before.
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

    def read_file(self, repository: Repository, path: str, branch: str) -> str | None:
        """The file's text at the branch head; None when the branch has no such file."""
        return self._files.read(repository, path, branch)

    def commit_file(self, repository: Repository, change: FileChange) -> str:
        """One commit setting the file, pushed; the branch head (unchanged if already so)."""
        return self._files.commit(repository, change)

    def delete_repository(self, project: str, slug: str, owner: str) -> None:
        """Delete it if its marker names `owner`; gone is fine; otherwise ForeignResource."""
        checked(project, slug)
        with self._translated(f"delete repository {project}/{slug}"):
            self._repositories.delete(project, slug, owner)

    # ------------------------------------------------------------ template updates

    def push_template_change(self, repository: Repository, change: TemplateChange) -> ChangePushed:
        """The change merged onto the base branch's head, pushed as `change.branch`."""
        with tempfile.TemporaryDirectory(prefix="lz-update-") as tmp:
            workdir = Path(tmp) / "work"
            self._git.clone_branch(repository.clone_url, change.base_branch, workdir)
            pushed = merge_change(self._git, workdir, change)
            if pushed.empty:
                return pushed
            remote = self._git.remote_head(repository.clone_url, change.branch)
            if remote is not None and remote != pushed.commit:
                self._require_own_branch(repository, change, workdir)
            if remote != pushed.commit:
                self._git.push(
                    workdir, repository.clone_url, change.branch, source=pushed.commit, force=True
                )
        return pushed

    def _require_own_branch(
        self, repository: Repository, change: TemplateChange, workdir: Path
    ) -> None:
        """An existing update branch is moved only when its head carries our marker."""
        message = self._git.remote_head_message(workdir, repository.clone_url, change.branch)
        owner = marked_owner(message)
        if owner != change.owner:
            where = f"branch {change.branch} of {repository.project}/{repository.slug}"
            raise ForeignResource(SYSTEM, where, owner)

    def open_pull_request(self, repository: Repository, draft: PullRequestDraft) -> PullRequest:
        return self._pull_requests.open(repository, draft)

    def get_pull_request(self, repository: Repository, pull_request_id: int) -> PullRequest:
        return self._pull_requests.get(repository, pull_request_id)

    def open_pull_requests(self, repository: Repository, owner: str) -> list[PullRequest]:
        return self._pull_requests.open_ones(repository, owner)

    def decline_pull_request(
        self, repository: Repository, pull_request_id: int, owner: str
    ) -> None:
        self._pull_requests.decline(repository, pull_request_id, owner)

    def set_build_status(self, commit: str, status: BuildStatus) -> None:
        self._pull_requests.set_build_status(commit, status)

    def commit_url(self, repository: Repository, commit_id: str) -> str:
        # The repository's own page, as Bitbucket links it, without its `/browse` tail.
        return f"{repository.browse_url.removesuffix('/browse')}/commits/{quote(commit_id)}"
