"""Capability interfaces. Core code talks to vendors only through these.

Every method is safe to call again after a crash or a timeout: the `ensure_*` methods look
before they create and return what exists; the `delete_*` methods succeed when the thing is
already gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol


class IntegrationError(Exception):
    """A downstream system refused or failed a call."""

    def __init__(self, system: str, message: str, *, transient: bool) -> None:
        super().__init__(f"{system}: {message}")
        self.system = system
        self.message = message
        self.transient = transient


class TransientError(IntegrationError):
    """Worth retrying: timeouts, connection errors, 5xx, 429."""

    def __init__(self, system: str, message: str) -> None:
        super().__init__(system, message, transient=True)


class PermanentError(IntegrationError):
    """Retrying will not help: bad input, missing parents, conflicts with objects not ours."""

    def __init__(self, system: str, message: str) -> None:
        super().__init__(system, message, transient=False)


# ---------------------------------------------------------------- source control


@dataclass(frozen=True)
class Repository:
    project: str
    slug: str
    browse_url: str
    clone_url: str


@dataclass(frozen=True)
class BranchRestriction:
    kind: Literal["no-deletes", "fast-forward-only", "pull-request-only", "read-only"]
    branch: str = "refs/heads/main"
    except_users: Sequence[str] = ()


@dataclass(frozen=True)
class InitialCommit:
    """A directory pushed as the first commit of `branch`, with a reproducible commit id."""

    source_dir: Path
    branch: str
    message: str
    author_name: str
    author_email: str
    timestamp: int  # seconds since the epoch; fixed so a replayed push makes the same commit


class RepositoryHost(Protocol):
    def find_repository(self, project: str, slug: str) -> Repository | None: ...

    def ensure_repository(self, project: str, name: str, description: str) -> Repository: ...

    def push_initial_commit(self, repository: Repository, commit: InitialCommit) -> str:
        """Push unless the branch exists already; returns the branch head commit id."""
        ...

    def set_default_branch(self, repository: Repository, branch: str) -> None: ...

    def ensure_branch_restrictions(
        self, repository: Repository, restrictions: Sequence[BranchRestriction]
    ) -> None: ...

    def grant_group(self, repository: Repository, group: str, permission: str) -> None: ...

    def ensure_webhook(
        self, repository: Repository, name: str, url: str, events: Sequence[str]
    ) -> None: ...

    def file_url(self, repository: Repository, path: str, branch: str) -> str: ...

    def delete_repository(self, project: str, slug: str) -> None: ...


# ---------------------------------------------------------------- pipelines


@dataclass(frozen=True)
class QueuedBuild:
    job: str
    queue_id: int
    job_url: str


@dataclass(frozen=True)
class PipelineParameter:
    name: str
    description: str
    choices: Sequence[str] = ()  # a choice parameter when given, a string parameter otherwise
    default: str = ""


@dataclass(frozen=True)
class PipelineDefinition:
    """A pipeline whose script lives in the repository (the Jenkinsfile convention)."""

    clone_url: str
    credentials_id: str
    branch: str
    script_path: str
    description: str
    parameters: Sequence[PipelineParameter] = ()


class PipelineServer(Protocol):
    def ensure_folder(self, full_name: str, description: str) -> str:
        """Create every missing folder along `a/b/c`; returns the folder's URL."""
        ...

    def ensure_pipeline(self, full_name: str, definition: PipelineDefinition) -> str:
        """Create the pipeline, or update its definition if it exists; returns its URL."""
        ...

    def trigger_build(self, full_name: str, parameters: Mapping[str, str]) -> QueuedBuild: ...

    def job_url(self, full_name: str) -> str: ...

    def delete_item(self, full_name: str) -> None: ...


# ---------------------------------------------------------------- approvals


Decision = Literal["pending", "approved", "rejected", "cancelled"]


@dataclass(frozen=True)
class ApprovalRequest:
    correlation_id: str  # the landing-zone id; how a replay finds the record it made
    short_description: str
    description: str
    requested_for_email: str
    needs_approval: bool
    approval_group: str | None = None


@dataclass(frozen=True)
class ApprovalRecord:
    sys_id: str
    number: str
    url: str
    decision: Decision
    closed: bool = False
    notes: Sequence[str] = field(default_factory=tuple)


class ApprovalDesk(Protocol):
    def ensure_request(self, request: ApprovalRequest) -> ApprovalRecord: ...

    def get_request(self, sys_id: str) -> ApprovalRecord: ...

    def add_work_note(self, sys_id: str, note: str) -> None: ...

    def close_request(self, sys_id: str, *, succeeded: bool, note: str) -> None: ...

    def cancel_request(self, sys_id: str, note: str) -> None: ...


# ---------------------------------------------------------------- mail


@dataclass(frozen=True)
class MailMessage:
    message_id: str  # deterministic per landing zone, so downstream can drop duplicates
    to: Sequence[str]
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    def send(self, message: MailMessage) -> None: ...
