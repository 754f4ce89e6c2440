"""Template updates as pull requests: the interface the update workflow talks to a repository
host through (Bitbucket implements it beside RepositoryHost).

An update is made on a branch of its own and never on the default branch: the host merges the
template's change (old render -> new render) onto the default branch's head with a real
three-way merge, pushes the result as the update branch and opens a pull request for it.
Every pull request carries its landing zone's ownership marker in its description; only a
pull request with that marker is ever returned as ours, declined or reported on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from landingzone.integrations.base import Repository

PullRequestState = Literal["OPEN", "MERGED", "DECLINED"]
BuildState = Literal["SUCCESSFUL", "FAILED", "INPROGRESS"]


@dataclass(frozen=True)
class TemplateChange:
    """The template's change, applied onto `base_branch` and pushed as `branch`."""

    old_tree: Path  # the recorded version, rendered with the recorded answers
    new_tree: Path  # the target version, rendered with the same answers
    base_branch: str
    branch: str
    message: str
    author_name: str
    author_email: str
    timestamp: int  # fixed, so a replay on the same base makes the same commit
    owner: str  # the landing zone; its marker ends the commit message and proves the branch ours


@dataclass(frozen=True)
class ChangePushed:
    base_commit: str  # the default branch head the change was merged onto
    commit: str  # the update branch head ("" when there was nothing to change)
    files: tuple[str, ...]  # "A path", "M path", "D path" against the base commit
    conflicts: tuple[str, ...]  # paths committed with conflict markers
    kept_deleted: tuple[str, ...]  # paths the team deleted and the template changed: left out

    @property
    def empty(self) -> bool:
        return not self.files


@dataclass(frozen=True)
class PullRequestDraft:
    branch: str
    target: str
    title: str
    description: str  # without the marker; the host adds it
    owner: str  # the landing zone


@dataclass(frozen=True)
class PullRequest:
    id: int
    version: int
    state: PullRequestState
    title: str
    branch: str
    target: str
    url: str
    commit: str  # the source branch head
    owner: str | None  # the landing zone named by its marker, if any


@dataclass(frozen=True)
class BuildStatus:
    key: str
    state: BuildState
    name: str
    url: str
    description: str


@runtime_checkable
class PullRequestHost(Protocol):
    def push_template_change(self, repository: Repository, change: TemplateChange) -> ChangePushed:
        """Merge the change onto the base branch's head and push it as `change.branch`.

        The branch is the service's own (`landingzone/...`): an existing one is replaced. Nothing
        is pushed when the merge changes nothing.
        """
        ...

    def open_pull_request(self, repository: Repository, draft: PullRequestDraft) -> PullRequest:
        """Open it with the owner's marker; an open one from the same branch with that marker
        is returned instead (ForeignResource for one without it)."""
        ...

    def get_pull_request(self, repository: Repository, pull_request_id: int) -> PullRequest: ...

    def open_pull_requests(self, repository: Repository, owner: str) -> list[PullRequest]:
        """The open pull requests of the repository that carry `owner`'s marker."""
        ...

    def decline_pull_request(
        self, repository: Repository, pull_request_id: int, owner: str
    ) -> None:
        """Decline it if it carries `owner`'s marker (ForeignResource otherwise); one already
        closed is left as it is."""
        ...

    def set_build_status(self, commit: str, status: BuildStatus) -> None: ...
