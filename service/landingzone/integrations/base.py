"""Capability interfaces. Core code talks to vendors only through these.

Every method is safe to call again after a crash or a timeout: the `ensure_*` methods look
before they create and return what exists; the `delete_*` methods succeed when the thing is
already gone. Pipelines (pipelines.py) and change management (changes.py) have their own
modules beside this one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol


class IntegrationError(Exception):
    """A downstream system refused or failed a call."""

    def __init__(self, system: str, message: str, *, transient: bool) -> None:
        super().__init__(f"{system}: {message}")
        self.system = system
        self.message = message
        self.transient = transient

    def __reduce__(self) -> tuple[Any, ...]:
        # The workflow engine pickles what a step raised; rebuild from the fields, not args.
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(kind: type[IntegrationError], fields: dict[str, Any]) -> IntegrationError:
    error = kind.__new__(kind)
    Exception.__init__(error, f"{fields['system']}: {fields['message']}")
    error.__dict__.update(fields)
    return error


class TransientError(IntegrationError):
    """Worth retrying: timeouts, connection errors, 5xx, 429.

    `retry_after` is the delay in seconds the system asked for (a 429's or 503's
    `Retry-After`), when it asked for one.
    """

    def __init__(self, system: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(system, message, transient=True)
        self.retry_after = retry_after


class PermanentError(IntegrationError):
    """Retrying will not help: bad input, missing parents, conflicts with objects not ours."""

    def __init__(self, system: str, message: str) -> None:
        super().__init__(system, message, transient=False)


class ForeignResource(PermanentError):
    """A resource exists under a name we need, and nothing proves this landing zone made it.

    `owner` is the landing zone named by the resource's marker, or None when it has none.
    Such a resource is never adopted, changed or deleted.
    """

    def __init__(self, system: str, resource: str, owner: str | None) -> None:
        whose = f"landing zone {owner}" if owner else "someone else (it has no landing-zone marker)"
        super().__init__(system, f"{resource} already exists and belongs to {whose}")
        self.resource = resource
        self.owner = owner


# ---------------------------------------------------------------- ownership markers

_MARKER = re.compile(r"\[landing-zone (lz_[0-9a-z]{1,40})\]")


def ownership_marker(landing_zone_id: str) -> str:
    """The tag written into a resource's description: proof that a landing zone created it."""
    return f"[landing-zone {landing_zone_id}]"


def marked_owner(text: str | None) -> str | None:
    """The landing zone whose marker `text` carries, or None."""
    match = _MARKER.search(text or "")
    return match.group(1) if match else None


def with_marker(description: str, landing_zone_id: str, limit: int | None = None) -> str:
    """`description` ending with the marker, shortened so the whole fits in `limit`."""
    marker = ownership_marker(landing_zone_id)
    text = description.strip()
    if limit is not None:
        text = text[: max(0, limit - len(marker) - 1)].rstrip()
    return f"{text} {marker}" if text else marker


# ---------------------------------------------------------------- source control


@dataclass(frozen=True)
class RepositoryAddress:
    """Where a repository is browsed and cloned, as the repository host's own links give it."""

    browse_url: str
    clone_url: str


@dataclass(frozen=True)
class Repository:
    project: str
    slug: str
    browse_url: str
    clone_url: str
    owner: str | None = None  # the landing zone named by its marker, if any

    @property
    def address(self) -> RepositoryAddress:
        return RepositoryAddress(self.browse_url, self.clone_url)


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


@dataclass(frozen=True)
class FileChange:
    """One file of a branch set to `content` in one commit, on top of the branch head."""

    branch: str
    path: str  # relative POSIX path inside the repository
    content: str
    message: str
    author_name: str
    author_email: str


class RepositoryHost(Protocol):
    def find_repository(self, project: str, slug: str) -> Repository | None: ...

    def locate_repository(self, project: str, slug: str) -> RepositoryAddress:
        """Where `project/slug` is, or once created will be, browsed and cloned.

        Taken from what the server says of the project, so it holds before the repository exists.
        """
        ...

    def locate_repositories(
        self, project: str, slugs: Sequence[str]
    ) -> tuple[RepositoryAddress, ...]:
        """As locate_repository for several repositories of one project, asking once."""
        ...

    def group_exists(self, group: str) -> bool | None:
        """Whether the host knows `group` (the name repository permissions are granted to).

        One request: None when that answer cannot tell (more groups match than one page holds).
        """
        ...

    def ensure_repository(
        self, project: str, name: str, description: str, owner: str
    ) -> Repository:
        """Create the repository carrying `owner`'s marker, in the create call itself.

        An existing repository is returned only when it carries `owner`'s marker; any other
        raises ForeignResource and is left untouched.
        """
        ...

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

    def read_file(self, repository: Repository, path: str, branch: str) -> str | None:
        """The file's text at the branch head; None when the file does not exist."""
        ...

    def commit_file(self, repository: Repository, change: FileChange) -> str:
        """Commit the change and push it; returns the branch head commit id.

        A file that already holds `content` is not committed again (a replay commits once).
        A push overtaken by another one is retried on the new head.
        """
        ...

    def delete_repository(self, project: str, slug: str, owner: str) -> None:
        """Delete it if it carries `owner`'s marker; gone is fine; otherwise ForeignResource."""
        ...

    def commit_url(self, repository: Repository, commit_id: str) -> str:
        """Where people look at one commit of the repository."""
        ...


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
    # The catalog item to order (its name or sys_id), where the desk orders through a catalog.
    catalog_item: str | None = None
    # What the approvers see: name, class, tenant, owner, description, system, requester,
    # repository, environment_repository, build_pipeline, promote_pipeline, link.
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decider:
    """An approver whose answer is the decision, as the approval desk's user record has them."""

    user_name: str
    name: str = ""
    email: str = ""

    def is_person(self, email: str, user_ref: str | None) -> bool:
        """Whether this approver is the person with this email or Backstage user reference
        (`user:default/jane.doe` matches the user name `jane.doe`)."""
        same_email = bool(self.email) and self.email.casefold() == email.casefold()
        login = user_ref.rsplit("/", 1)[-1].removeprefix("user:") if user_ref else ""
        same_login = bool(login) and self.user_name.casefold() == login.casefold()
        return same_email or same_login


@dataclass(frozen=True)
class ApprovalRecord:
    sys_id: str  # the record the decision is read from (a requested item)
    number: str
    url: str
    decision: Decision
    closed: bool = False
    notes: Sequence[str] = field(default_factory=tuple)
    request_number: str = ""  # the request (REQ) the item belongs to, where there is one
    decided_by: Sequence[str] = field(default_factory=tuple)  # who approved or rejected
    deciders: tuple[Decider, ...] = ()  # the same people, with their user names and emails


class ApprovalDesk(Protocol):
    def ensure_request(self, request: ApprovalRequest) -> ApprovalRecord: ...

    def get_request(self, sys_id: str) -> ApprovalRecord: ...

    def add_work_note(self, sys_id: str, note: str) -> None: ...

    def close_request(
        self, sys_id: str, *, succeeded: bool, note: str, work_note: str | None = None
    ) -> None:
        """Close the request with `note`; `work_note`, if given, goes on it in the same update,
        once (a replay finds it there)."""
        ...

    def cancel_request(self, sys_id: str, note: str) -> None:
        """Withdraw the request and every approval still asked of an approver."""
        ...


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


# ---------------------------------------------------------------- developer portal

Severity = Literal["critical", "high", "normal", "low"]


@dataclass(frozen=True)
class Notification:
    user_ref: str  # user:default/jane.doe
    title: str
    description: str
    link: str | None
    severity: Severity
    scope: str  # one notification per scope: a replay updates it rather than adding another


class DeveloperPortal(Protocol):
    @property
    def notifications_enabled(self) -> bool: ...

    def register_component(self, location_url: str) -> bool:
        """Register the catalog-info.yaml at `location_url`; False when it already was."""
        ...

    def notify(self, notification: Notification) -> None: ...
