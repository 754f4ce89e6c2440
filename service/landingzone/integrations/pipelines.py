"""Pipelines: the interface core code talks to a build server (Jenkins) through.

Like every capability interface (base.py), each method is safe to call again after a crash or
a timeout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


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


@dataclass(frozen=True)
class SharedLibrary:
    """A pipeline library the folder's pipelines load by `name`, pinned at `version`.

    Pinned: not loaded implicitly, and a Jenkinsfile cannot ask for another version.
    """

    name: str
    version: str  # a tag, branch or commit of the repository
    clone_url: str
    credentials_id: str


@dataclass(frozen=True)
class FolderSettings:
    """What a folder gives every pipeline in it: a pinned library and named properties
    (platform settings such as the registry, read by the pipelines' steps)."""

    library: SharedLibrary | None = None
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineItem:
    full_name: str
    url: str
    owner: str | None  # the landing zone named by its marker, if any
    is_folder: bool


class PipelineServer(Protocol):
    def find_item(self, full_name: str) -> PipelineItem | None: ...

    def ensure_folder(
        self,
        full_name: str,
        description: str,
        owner: str,
        settings: FolderSettings | None = None,
    ) -> str:
        """Create the folder `a/b/c` carrying `owner`'s marker and `settings`; returns its URL.

        Missing parents are created unmarked and existing parents are never changed. An
        existing leaf is accepted only with `owner`'s marker, otherwise ForeignResource; an
        accepted one gets `settings` (its library pin and properties), the rest of its
        configuration (credentials among it) kept.
        """
        ...

    def ensure_pipeline(self, full_name: str, definition: PipelineDefinition, owner: str) -> str:
        """Create the pipeline with `owner`'s marker, or update it if it carries that marker."""
        ...

    def trigger_build(self, full_name: str, parameters: Mapping[str, str]) -> QueuedBuild: ...

    def build_url(self, queued: QueuedBuild) -> str | None:
        """The build's URL once its queue item has left the queue; None while it waits."""
        ...

    def push_hook_url(self, clone_url: str) -> str:
        """Where a repository host posts on every push so the jobs of `clone_url` build.

        It may carry a credential: never log it or store it outside the repository host.
        """
        ...

    def job_url(self, full_name: str) -> str: ...

    def set_folder_secret(
        self, folder: str, credential_id: str, secret: str, description: str, owner: str
    ) -> None:
        """Create or replace the secret-text credential `credential_id` in the folder's store.

        Only in a folder carrying `owner`'s marker, otherwise ForeignResource. The secret is
        never logged, returned or kept anywhere else.
        """
        ...

    def delete_item(self, full_name: str, owner: str) -> None:
        """Delete it if it carries `owner`'s marker; gone is fine; otherwise ForeignResource."""
        ...
