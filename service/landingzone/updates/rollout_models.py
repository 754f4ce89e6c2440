"""What the rollouts and drift API takes and shows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from landingzone.landing_zone.models import OWNER_PATTERN, TENANT_PATTERN
from landingzone.updates.models import VERSION_PATTERN


class RolloutStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # no new update starts until it is resumed
    COMPLETED = "completed"
    HALTED = "halted"  # a wave's failure rate went above the threshold
    CANCELLED = "cancelled"


ACTIVE_ROLLOUT = (RolloutStatus.RUNNING, RolloutStatus.PAUSED)


class MemberState(StrEnum):
    WAITING = "waiting"  # its wave has not started
    PENDING = "pending"  # its update is making the branch and the pull request
    OPEN = "open"
    CONFLICTED = "conflicted"  # open, with conflict markers and a failed build
    MERGED = "merged"
    DECLINED = "declined"
    CURRENT = "current"  # nothing to change: no pull request
    SUPERSEDED = "superseded"  # a newer update declined it
    FAILED = "failed"
    SKIPPED = "skipped"  # the rollout ended before its wave


SETTLED = frozenset(
    {
        MemberState.MERGED,
        MemberState.DECLINED,
        MemberState.CURRENT,
        MemberState.SUPERSEDED,
        MemberState.FAILED,
        MemberState.SKIPPED,
    }
)
FAILURES = frozenset({MemberState.FAILED, MemberState.CONFLICTED})


Tenant = Annotated[str, StringConstraints(pattern=TENANT_PATTERN)]
Owner = Annotated[str, StringConstraints(pattern=OWNER_PATTERN)]
Version = Annotated[str, StringConstraints(pattern=VERSION_PATTERN)]


class Selection(BaseModel):
    """Which landing zones of the class: each list left empty selects all."""

    model_config = ConfigDict(extra="forbid")

    tenants: list[Tenant] = Field(default_factory=list, max_length=200)
    owners: list[Owner] = Field(default_factory=list, max_length=200)
    versions: list[Version] = Field(
        default_factory=list,
        max_length=200,
        description="Only landing zones at one of these template versions.",
    )


class RolloutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(
        default=None,
        pattern=VERSION_PATTERN,
        description="The template version to roll out; the class's latest when left out.",
    )
    selection: Selection = Field(default_factory=Selection)
    # Exact JSON types: no `10.0`, `"10"` or `true` for a number.
    wave_size: int = Field(default=10, ge=1, le=500, strict=True)
    max_failure_rate: float = Field(
        default=0.2,
        ge=0,
        le=1,
        strict=True,
        description="The rollout halts after a wave whose failed and conflicted share is above it.",
    )
    wave_timeout_hours: float = Field(
        default=72.0,
        gt=0,
        le=24 * 90,
        strict=True,
        description="How long a wave waits for its pull requests to be merged or declined.",
    )


class MemberView(BaseModel):
    landing_zone_id: str
    tenant: str
    from_version: str
    state: MemberState
    update_id: str | None = None
    pull_request_url: str | None = None
    error: str | None = None
    checked_at: datetime | None = Field(
        default=None, description="When the pull request's state was last read from Bitbucket."
    )


class WaveChange(BaseModel):
    tenant: str
    number: str = Field(description="The ServiceNow standard change that covers the wave.")
    url: str
    close_code: str | None = Field(
        default=None, description="successful, successful_issues or unsuccessful once closed."
    )
    error: str | None = Field(default=None, description="Why ServiceNow refused to close it.")


class WaveView(BaseModel):
    number: int
    states: dict[str, int] = Field(description="How many landing zones are in each state.")
    failure_rate: float
    changes: list[WaveChange] = Field(
        default_factory=list,
        description="For tenants configured with `rollout_change: standard`.",
    )
    members: list[MemberView]


class RolloutView(BaseModel):
    id: str
    class_id: str = Field(serialization_alias="class")
    to_version: str
    selection: Selection
    wave_size: int
    max_failure_rate: float
    wave_timeout_hours: float
    status: RolloutStatus
    reason: str | None = None
    current_wave: int | None = None
    total: int
    states: dict[str, int]
    waves: list[WaveView]
    created_at: datetime
    updated_at: datetime


class RolloutSummary(BaseModel):
    id: str
    class_id: str = Field(serialization_alias="class")
    to_version: str
    status: RolloutStatus
    current_wave: int | None = None
    created_at: datetime


class RolloutPage(BaseModel):
    items: list[RolloutSummary]


class DriftGroup(BaseModel):
    class_id: str = Field(serialization_alias="class")
    tenant: str
    latest: str
    current: int = Field(description="Landing zones at the latest version.")
    behind: dict[str, list[str]] = Field(
        description="The landing zones behind, by the version they are at."
    )


class DriftReport(BaseModel):
    groups: list[DriftGroup]
    behind: int
    current: int
    refreshed: int = Field(description="Open update pull requests read from Bitbucket just now.")
    left_for_later: int = Field(
        description="Open update pull requests beyond the refresh limit, read by a later report."
    )
