"""What callers send and what they get back."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from landingzone.promotion.models import PromotionSummary
from landingzone.rendering.values import check_text

NAME_PATTERN = r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$"
OWNER_PATTERN = r"^(?:group:)?(?:[a-z0-9][a-z0-9_-]{0,62}/)?[a-z0-9][a-z0-9._-]{0,62}$"
CLASS_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
TENANT_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
SYSTEM_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"
USER_REF_PATTERN = r"^user:(?:[A-Za-z0-9][A-Za-z0-9._-]{0,62}/)?[A-Za-z0-9][A-Za-z0-9._@+-]{0,62}$"
# What a 422 says instead of echoing a regular expression at a template author.
PATTERN_WORDS: dict[str, str] = {
    NAME_PATTERN: "must be 1 to 63 lower-case letters, digits and hyphens, starting with a letter "
    "and not ending with a hyphen",
    OWNER_PATTERN: "must be a group entity reference such as group:default/payments, or a group "
    "name of lower-case letters, digits, dots, underscores and hyphens",
    CLASS_PATTERN: "must be 1 to 32 lower-case letters, digits and hyphens, starting with a letter",
    TENANT_PATTERN: "must be 1 to 63 lower-case letters, digits and hyphens, "
    "starting with a letter",
    SYSTEM_PATTERN: "must be 1 to 63 lower-case letters, digits, dots, underscores and hyphens, "
    "starting with a letter or digit",
    USER_REF_PATTERN: "must be a user entity reference such as user:default/jane.doe",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Status(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    PROVISIONING = "provisioning"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in {Status.COMPLETED, Status.REJECTED, Status.FAILED, Status.CANCELLED}


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


STAGES = ("plan", "approve", "render", "repository", "environment", "pipelines", "record", "notify")


def _no_control_characters(value: str, *, allow_newlines: bool) -> str:
    text = value if not allow_newlines else value.replace("\n", "").replace("\t", "")
    if _CONTROL.search(text) or (not allow_newlines and ("\n" in value or "\t" in value)):
        raise ValueError("must not contain control characters")
    return value


class Requester(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        _no_control_characters(value, allow_newlines=False)
        # It becomes a commit's author and an email's greeting: no bidirectional override
        # may make it read otherwise than it is.
        problem = check_text(value, multiline=False, max_length=200)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("email", mode="before")
    @classmethod
    def _address_alone(cls, value: object) -> object:
        # `Jane <jane@example.com>` would be kept as its address alone: not what was sent.
        if isinstance(value, str) and ("<" in value or ">" in value):
            raise ValueError("must be an address alone, without a name in angle brackets")
        return value


class LandingZoneRequest(BaseModel):
    """A developer's request, as the Backstage wizard sends it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(
        pattern=NAME_PATTERN,
        description="Component name: lower-case letters, digits and hyphens, 2 to 63 characters.",
        examples=["payments-api"],
    )
    class_: str = Field(alias="class", pattern=CLASS_PATTERN, examples=["java"])
    owner: str = Field(
        pattern=OWNER_PATTERN,
        description="Backstage Group entity reference.",
        examples=["group:default/payments"],
    )
    description: str = Field(min_length=1, max_length=1000)
    tenant: str = Field(pattern=TENANT_PATTERN, examples=["labs"])
    requester: Requester
    on_behalf_of: str | None = Field(
        default=None,
        pattern=USER_REF_PATTERN,
        description="The signed-in Backstage user the request is made for; they get the "
        "Backstage notifications.",
        examples=["user:default/jane.doe"],
    )
    system: str | None = Field(default=None, pattern=SYSTEM_PATTERN)
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("description")
    @classmethod
    def _printable_description(cls, value: str) -> str:
        return _no_control_characters(value, allow_newlines=True)

    @property
    def owner_group(self) -> str:
        return self.owner.rsplit("/", 1)[-1].removeprefix("group:")

    @property
    def owner_ref(self) -> str:
        name = self.owner.removeprefix("group:")
        namespace, _, group = name.rpartition("/")
        return f"group:{namespace or 'default'}/{group}"


class WaitView(BaseModel):
    """A step waiting out a transient fault of a downstream system."""

    step: str
    system: str = Field(examples=["bitbucket"])
    error: str = Field(description="The last error the system answered.")
    call: str = Field(default="", description="What waits, e.g. `create_repository`.")
    attempts: int
    since: datetime = Field(description="When the first fault of this call happened.")
    next_attempt_at: datetime


class StepView(BaseModel):
    name: str
    status: StepStatus
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    waiting: WaitView | None = None


class ErrorView(BaseModel):
    step: str
    message: str


class LandingZoneView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    name: str
    class_: str = Field(alias="class", serialization_alias="class")
    tenant: str
    owner: str
    description: str
    system: str | None
    requester: Requester
    on_behalf_of: str | None = Field(
        default=None, description="The Backstage user the landing zone was requested for."
    )
    submitted_with: str | None = Field(
        default=None,
        description="The caller that submitted the request: a configured caller's name "
        "(LZ_API_CALLERS) or the identity provider's client id, never its token. Landing "
        "zones submitted before callers had names show their token's fingerprint "
        "(`sha256:` and 16 hex digits).",
        examples=["backstage"],
    )
    status: Status
    created_at: datetime
    updated_at: datetime
    steps: list[StepView]
    links: dict[str, str]
    error: ErrorView | None = None
    waiting: list[WaitView] = Field(
        default_factory=list, description="Steps waiting out a downstream outage, if any."
    )
    template_version: str | None = Field(
        default=None,
        description="The version of the class's template the default branch is at: the one "
        "rendered, or the target of the last update pull request merged. None until rendered.",
        examples=["1.0.0"],
    )
    promotions: list[PromotionSummary] = Field(
        default_factory=list, description="Its promotions, newest first."
    )


class LandingZonePage(BaseModel):
    items: list[LandingZoneView]
    next_cursor: str | None = None


class EventView(BaseModel):
    seq: int
    at: datetime
    step: str | None
    kind: str
    message: str
    data: dict[str, Any] = Field(default_factory=dict)


class EventPage(BaseModel):
    events: list[EventView]
    status: Status


class RepositoryName(BaseModel):
    project: str
    slug: str


class DerivedNames(BaseModel):
    repository: RepositoryName
    environment_repository: RepositoryName
    jenkins_folder: str
    build_job: str
    promote_job: str


class Preview(BaseModel):
    names: DerivedNames
    approval_required: bool
    files: list[str]
    environment_files: list[str]


class ClassView(BaseModel):
    id: str
    title: str
    description: str
    parameters: dict[str, Any]
    version: str | None = Field(
        default=None, description="The template version new landing zones get, and updates target."
    )


class ClassList(BaseModel):
    classes: list[ClassView]
