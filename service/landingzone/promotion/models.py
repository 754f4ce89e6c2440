"""What the promote pipeline sends and what it, the dashboard and the landing zone view read."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,127}$"
ENVIRONMENT_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Status(StrEnum):
    REQUESTED = "requested"  # accepted; the change is being opened
    AWAITING_APPROVAL = "awaiting_approval"  # a normal change waits in Authorize
    DEPLOYING = "deploying"  # approved, or no change needed: committing the digest
    DEPLOYED = "deployed"  # committed in the environment repository; the pipeline verifies
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def final(self) -> bool:
        return self in FINAL

    @property
    def decided(self) -> bool:
        """What a long poll waits for: the pipeline may go on (deployed) or stop."""
        return self is Status.DEPLOYED or self in FINAL


FINAL = frozenset(
    {Status.SUCCEEDED, Status.FAILED, Status.ROLLED_BACK, Status.REJECTED, Status.EXPIRED}
)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PydanticCustomError("url_scheme", "must be an http or https URL")
    if _CONTROL.search(value) or any(c.isspace() for c in value):
        raise PydanticCustomError("url_parsing", "must not contain spaces or control characters")
    return value


HttpLink = Annotated[str, Field(min_length=8, max_length=2000)]
Count = Annotated[int, Field(ge=0, le=1_000_000, strict=True)]


class ScanSummary(BaseModel):
    """Findings of the image scan, by severity."""

    model_config = ConfigDict(extra="forbid")

    critical: Count
    high: Count
    medium: Count
    low: Count


class PromotionRequest(BaseModel):
    """What the promote pipeline asks: this image, by digest, into that environment."""

    model_config = ConfigDict(extra="forbid")

    digest: str = Field(
        max_length=200,
        description="The image's digest, `sha256:` and 64 hex digits; never a tag.",
        examples=["sha256:" + "0" * 64],
    )
    version: str = Field(pattern=VERSION_PATTERN, examples=["1.4.2"])
    environment: str = Field(pattern=ENVIRONMENT_PATTERN, examples=["prod"])
    build_url: HttpLink = Field(description="The build that made and scanned the image.")
    scan: ScanSummary

    @field_validator("digest")
    @classmethod
    def _a_digest(cls, value: str) -> str:
        if not DIGEST.fullmatch(value):
            raise PydanticCustomError(
                "digest_required",
                "a digest is required (sha256: and 64 lower-case hex digits), not a tag",
            )
        return value

    @field_validator("build_url")
    @classmethod
    def _build_link(cls, value: str) -> str:
        return _http_url(value)


Result = Literal["success", "failure", "rolled_back"]


class OutcomeRequest(BaseModel):
    """What the pipeline found after the deployment."""

    model_config = ConfigDict(extra="forbid")

    result: Result
    notes: str = Field(default="", max_length=4000)
    build_url: HttpLink | None = None

    @field_validator("notes")
    @classmethod
    def _printable(cls, value: str) -> str:
        if _CONTROL.search(value.replace("\n", "").replace("\t", "")):
            raise PydanticCustomError("control_characters", "must not contain control characters")
        return value

    @field_validator("build_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value  # the pipeline client sends "" for "not given"

    @field_validator("build_url")
    @classmethod
    def _build_link(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)


class ChangeView(BaseModel):
    number: str
    url: str
    state: str | None = Field(description="The change's state: new, assess, authorize, ...")
    type: Literal["standard", "normal"]


class CommitView(BaseModel):
    id: str
    url: str | None = None


class PromotionLinks(BaseModel):
    self: str
    landing_zone: str
    outcome: str


class PromotionView(BaseModel):
    id: str
    landing_zone_id: str
    environment: str
    digest: str
    version: str
    build_url: str
    scan: ScanSummary
    status: Status
    change: ChangeView | None = Field(description="None while none is open, or none is needed.")
    previous_digest: str | None = Field(
        description="What the environment ran before: the rollback plan."
    )
    commit: CommitView | None
    decided_by: str | None = None
    comment: str | None = Field(default=None, description="The approver's comment, or why.")
    outcome: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
    links: PromotionLinks


class PromotionList(BaseModel):
    promotions: list[PromotionView]


class PromotionSummary(BaseModel):
    """A promotion as the landing zone lists it."""

    id: str
    environment: str
    version: str
    digest: str
    status: Status
    change: ChangeView | None = None
