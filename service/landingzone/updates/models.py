"""What the updates API takes and shows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

VERSION_PATTERN = r"^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$"


class UpdateStatus(StrEnum):
    PENDING = "pending"  # the workflow is making the branch and the pull request
    OPENED = "opened"  # the pull request is open (or was: see pull_request.state)
    CURRENT = "current"  # already at the version, or the change is already there: nothing opened
    SUPERSEDED = "superseded"  # a newer update declined its pull request
    FAILED = "failed"


class UpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(
        default=None,
        pattern=VERSION_PATTERN,
        description="The template version to update to; the class's latest when left out.",
        examples=["1.1.0"],
    )


class PullRequestView(BaseModel):
    id: int
    url: str
    state: str = Field(
        description="OPEN, MERGED or DECLINED, as Bitbucket reads now; UNKNOWN while it does not "
        "answer (or, right after the request, before it is read)."
    )
    branch: str


class UpdateView(BaseModel):
    id: str
    landing_zone_id: str
    from_version: str
    to_version: str
    status: UpdateStatus
    pull_request: PullRequestView | None = None
    files: list[str] = Field(
        default_factory=list, description='What the pull request changes: "M Dockerfile".'
    )
    conflicts: list[str] = Field(
        default_factory=list, description="Files committed with conflict markers."
    )
    kept_deleted: list[str] = Field(
        default_factory=list,
        description="Files the team deleted and the template changed: they stay deleted.",
    )
    error: str | None = None
    created_at: datetime
    updated_at: datetime


class UpdatePage(BaseModel):
    items: list[UpdateView]
