"""What the audit trail records, and how the API shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Action(StrEnum):
    REQUESTED = "requested"  # a landing zone asked for: accepted, or refused by entitlement
    APPROVED = "approved"  # approved in ServiceNow or by policy; refused when self-approved
    REJECTED = "rejected"
    EXPIRED = "expired"  # no decision in time: the request was withdrawn
    CANCELLED = "cancelled"
    RETRIED = "retried"
    PROMOTION_REQUESTED = "promotion_requested"
    PROMOTION_APPROVED = "promotion_approved"
    PROMOTION_REJECTED = "promotion_rejected"
    PROMOTION_OUTCOME = "promotion_outcome"
    UPDATE_REQUESTED = "update_requested"
    ROLLOUT_STARTED = "rollout_started"
    ROLLOUT_PAUSED = "rollout_paused"
    ROLLOUT_RESUMED = "rollout_resumed"
    ROLLOUT_CANCELLED = "rollout_cancelled"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REPORTED = "reported"


# Who acts when nobody calls the API: the platform's own rules, and ServiceNow's approvers.
POLICY = "policy"
SERVICENOW = "servicenow"


@dataclass(frozen=True)
class Actor:
    """Who did it: the credential, and the user it acted for, if any."""

    credential: str
    on_behalf_of: str | None = None
    name: str = ""  # how the trail names them; by default `credential for user`

    @property
    def display(self) -> str:
        if self.name:
            return self.name
        if self.on_behalf_of is None:
            return self.credential
        return f"{self.credential} for {self.on_behalf_of}"


@dataclass(frozen=True)
class AuditEntry:
    action: Action
    outcome: Outcome
    actor: Actor
    landing_zone_id: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    # Names the entry among its landing zone's entries of this action: a writer that may run
    # again (a replayed workflow step) passes the same key and records once. Empty: a fresh one.
    dedupe_key: str = ""


class AuditView(BaseModel):
    seq: int = Field(description="Position in the trail; entries are listed in this order.")
    at: datetime
    landing_zone_id: str | None
    action: Action
    outcome: Outcome
    actor: str = Field(
        description="Who did it, as one line: `backstage for user:default/jane.doe`, "
        "`operator`, `servicenow:cab.approver`, `policy`.",
        examples=["backstage for user:default/jane.doe"],
    )
    credential: str = Field(description="The API credential, or `servicenow` / `policy`.")
    on_behalf_of: str | None = Field(
        default=None, description="The user a delegating credential acted for."
    )
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditPage(BaseModel):
    items: list[AuditView]
    next_cursor: str | None = Field(
        default=None, description="Pass it as `cursor` for the next page; none on the last."
    )
