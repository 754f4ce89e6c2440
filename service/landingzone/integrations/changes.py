"""Change management: the interface the promotion workflow talks to a change desk through.

A change follows the instance's change model. A normal change goes New -> Assess ->
Authorize, where the approval group is asked; once approved the instance moves it to
Scheduled; the implementer moves it to Implement, then Review, then Closed with a close code
and notes. A standard change is pre-approved: New -> Scheduled -> Implement -> Review ->
Closed. A rejection sends a normal change back to New with `approval` "rejected".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

ChangeApproval = Literal["not requested", "requested", "approved", "rejected"]
CloseCode = Literal["successful", "successful_issues", "unsuccessful"]


class ChangeState(StrEnum):
    NEW = "new"
    ASSESS = "assess"
    AUTHORIZE = "authorize"
    SCHEDULED = "scheduled"
    IMPLEMENT = "implement"
    REVIEW = "review"
    CLOSED = "closed"
    CANCELED = "canceled"


@dataclass(frozen=True)
class ChangeRequest:
    correlation_id: str  # the promotion id; how a replay finds the change it opened
    standard: bool  # a pre-approved standard change, or a normal change that needs approval
    short_description: str
    description: str  # what an approver needs: component, owner, environment, digest, links
    justification: str
    implementation_plan: str
    backout_plan: str  # the rollback: the digest the environment ran before
    test_plan: str
    assignment_group: str | None = None  # the group asked in Authorize
    requested_by: str | None = None  # a user name the instance knows, if any


@dataclass(frozen=True)
class ChangeRecord:
    sys_id: str
    number: str  # e.g. CHG0030001
    url: str
    state: ChangeState
    approval: ChangeApproval
    decided_by: tuple[str, ...] = ()  # who approved or rejected
    comments: tuple[str, ...] = ()  # the approvers' comments, oldest first
    close_code: str = ""


class ChangeDesk(Protocol):
    def ensure_change(self, request: ChangeRequest) -> ChangeRecord:
        """The change opened for `request.correlation_id`, opened now if there is none."""
        ...

    def get_change(self, sys_id: str) -> ChangeRecord: ...

    def move_change(self, sys_id: str, state: ChangeState) -> ChangeRecord:
        """Move the change to `state`; a change already there is returned as it is."""
        ...

    def add_work_note(self, sys_id: str, note: str) -> None: ...

    def close_change(self, sys_id: str, code: CloseCode, notes: str) -> None:
        """Close the change (from Review) with its close code and notes; closed is fine."""
        ...

    def cancel_change(self, sys_id: str, note: str) -> None:
        """Cancel the change and every approval still asked; canceled or closed is fine."""
        ...
