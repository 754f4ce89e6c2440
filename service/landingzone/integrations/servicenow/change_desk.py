"""The ChangeDesk on ServiceNow: change requests (change_request) through the Table API.

The instance runs the change model: it refuses a transition the model does not allow, or
closing without close code and notes (403, a PermanentError here); it asks the assignment
group when a normal change enters Authorize and moves the change on once that is decided
(Scheduled when approved, back to New when rejected).
"""

from __future__ import annotations

from landingzone.integrations.base import PermanentError
from landingzone.integrations.changes import (
    ChangeApproval,
    ChangeRecord,
    ChangeRequest,
    ChangeState,
    CloseCode,
)
from landingzone.integrations.servicenow.client import (
    SYSTEM,
    Row,
    check_sys_id,
)
from landingzone.integrations.servicenow.config import ServiceNowSettings
from landingzone.integrations.servicenow.items import APPROVERS, TaskDesk

CHANGES = "change_request"
STATE_VALUES: dict[ChangeState, str] = {
    ChangeState.NEW: "-5",
    ChangeState.ASSESS: "-4",
    ChangeState.AUTHORIZE: "-3",
    ChangeState.SCHEDULED: "-2",
    ChangeState.IMPLEMENT: "-1",
    ChangeState.REVIEW: "0",
    ChangeState.CLOSED: "3",
    ChangeState.CANCELED: "4",
}
_STATES = {value: state for state, value in STATE_VALUES.items()}
_APPROVALS: dict[str, ChangeApproval] = {
    "not requested": "not requested",
    "requested": "requested",
    "approved": "approved",
    "rejected": "rejected",
}
_FINAL = frozenset({ChangeState.CLOSED, ChangeState.CANCELED})
_FORWARD = list(STATE_VALUES)[: list(STATE_VALUES).index(ChangeState.CLOSED) + 1]
CHANGE_FIELDS = ("sys_id", "number", "state", "approval", "correlation_id", "close_code")


def _further(current: ChangeState, target: ChangeState) -> bool:
    """Whether `current` lies past `target` on the way to Closed (a final state is past all)."""
    if current in _FINAL:
        return True
    if target in (ChangeState.NEW, ChangeState.CANCELED):
        return False
    return _FORWARD.index(current) > _FORWARD.index(target)


class ServiceNowChangeDesk(TaskDesk):
    @classmethod
    def table_of(cls, config: ServiceNowSettings) -> tuple[str, tuple[str, ...]]:
        return CHANGES, CHANGE_FIELDS

    def ensure_change(self, request: ChangeRequest) -> ChangeRecord:
        existing = self._items.find_by_correlation(request.correlation_id)
        if existing is not None:
            return self._record(existing)
        values = {
            "type": "standard" if request.standard else "normal",
            "state": STATE_VALUES[ChangeState.NEW],
            "correlation_id": request.correlation_id,
            "short_description": request.short_description,
            "description": request.description,
            "justification": request.justification,
            "implementation_plan": request.implementation_plan,
            "backout_plan": request.backout_plan,
            "test_plan": request.test_plan,
        }
        if request.assignment_group:
            values["assignment_group"] = self._items.group_sys_id(request.assignment_group)
        requested_by = self._user_sys_id(request.requested_by)
        if requested_by:
            values["requested_by"] = requested_by
        return self._record(self._client.create(CHANGES, values))

    def get_change(self, sys_id: str) -> ChangeRecord:
        return self._record(self._items.get(sys_id))

    def move_change(self, sys_id: str, state: ChangeState) -> ChangeRecord:
        """A change already there, or further along (the instance moves it on by itself once
        approved, and a replayed move finds it there), is returned as it is."""
        current = self.get_change(sys_id)
        if current.state == state or _further(current.state, state):
            return current
        return self._record(self._client.patch(CHANGES, sys_id, {"state": STATE_VALUES[state]}))

    def close_change(self, sys_id: str, code: CloseCode, notes: str) -> None:
        if self.get_change(sys_id).state == ChangeState.CLOSED:
            return
        values = {"state": STATE_VALUES[ChangeState.CLOSED], "close_code": code}
        self._client.patch(CHANGES, sys_id, values | {"close_notes": notes})

    def cancel_change(self, sys_id: str, note: str) -> None:
        """A change in Review cannot be canceled (the work is done): it is closed unsuccessful
        with the note instead."""
        current = self.get_change(sys_id)
        if current.state == ChangeState.REVIEW:
            self.close_change(sys_id, "unsuccessful", note)
        elif current.state not in _FINAL:
            values = {"state": STATE_VALUES[ChangeState.CANCELED], "work_notes": note}
            self._client.patch(CHANGES, sys_id, values)
        # The instance releases them itself; a replay, or a customised instance, finds the rest.
        self._items.release_approvers(sys_id)

    # ------------------------------------------------------------------ helpers

    def _record(self, row: Row) -> ChangeRecord:
        sys_id = str(row["sys_id"])
        state_value = str(row.get("state", ""))
        state = _STATES.get(state_value)
        if state is None:
            raise PermanentError(SYSTEM, f"{CHANGES} {sys_id} has an unknown state {state_value!r}")
        approval = _APPROVALS.get(str(row.get("approval", "")), "not requested")
        decided_by, comments = self._decisions(sys_id, approval)
        return ChangeRecord(
            sys_id=sys_id,
            number=str(row.get("number", "")),
            url=self._config.record_url(CHANGES, sys_id),
            state=state,
            approval=approval,
            decided_by=decided_by,
            comments=comments,
            close_code=str(row.get("close_code", "")),
        )

    def _decisions(
        self, sys_id: str, approval: ChangeApproval
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Who decided the change (approved or rejected it) and the approvers' comments."""
        if approval not in ("approved", "rejected"):
            return (), ()
        deciders = tuple(
            sorted(d.name or d.user_name for d in self._items.deciders(sys_id, approval))
        )
        query = f"sysapproval={check_sys_id(sys_id)}^state={approval}"
        rows = self._client.find(APPROVERS, query, ("sys_id", "state"))
        row_ids = [check_sys_id(str(r["sys_id"])) for r in rows if r.get("state") == approval]
        if not row_ids:
            return deciders, ()
        query = f"element_idIN{','.join(row_ids)}^element=comments^ORDERBYsys_created_on"
        notes = self._client.find("sys_journal_field", query, ("value",))
        return deciders, tuple(str(n.get("value", "")).strip() for n in notes)

    def _user_sys_id(self, user_name: str | None) -> str | None:
        if not user_name or "^" in user_name or "\n" in user_name:
            return None
        rows = self._client.find("sys_user", f"user_name={user_name}", ("sys_id", "user_name"))
        return str(rows[0]["sys_id"]) if len(rows) == 1 else None
