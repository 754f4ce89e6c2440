"""ServiceNowApprovalDesk: the ApprovalDesk capability on a ServiceNow requested item."""

from __future__ import annotations

from collections.abc import Mapping

from landingzone.integrations.base import ApprovalRecord, ApprovalRequest, Decision, PermanentError
from landingzone.integrations.servicenow.client import (
    SYSTEM,
    Row,
    TableClient,
    check_sys_id,
    query_value,
)
from landingzone.integrations.servicenow.config import ServiceNowConfig

OPEN = "1"
CLOSED_COMPLETE = "3"
CLOSED_INCOMPLETE = "4"
CLOSED_SKIPPED = "7"
CLOSED_STATES = frozenset({CLOSED_COMPLETE, CLOSED_INCOMPLETE, CLOSED_SKIPPED})
_RECORD_FIELDS = ("sys_id", "number", "approval", "state", "correlation_id")
_WITHDRAWN_APPROVALS = frozenset({"cancelled", "not_required", "duplicate"})
APPROVERS = "sysapproval_approver"
GROUPS = "sys_user_group"
# Approver rows an approver still sees in the inbox, and what ServiceNow sets them to once
# the approval is no longer needed ("No Longer Required").
_WAITING = ("requested", "not requested")
NO_LONGER_REQUIRED = "not_required"


def decision_of(row: Mapping[str, object]) -> Decision:
    approval = str(row.get("approval", ""))
    if approval in ("approved", "rejected"):
        return "approved" if approval == "approved" else "rejected"
    if approval in _WITHDRAWN_APPROVALS or str(row.get("state", "")) in CLOSED_STATES:
        return "cancelled"
    return "pending"


def _normalized(note: str) -> str:
    return note.replace("\r\n", "\n").strip()


class ServiceNowApprovalDesk:
    def __init__(self, config: ServiceNowConfig, client: TableClient | None = None) -> None:
        self._config = config
        self._table = config.table
        self._client = client or TableClient(config)

    def ensure_request(self, request: ApprovalRequest) -> ApprovalRecord:
        existing = self._find_by_correlation(request.correlation_id)
        if existing is not None:
            return self._record(existing, notes=self._notes(str(existing["sys_id"])))
        values = {
            "short_description": request.short_description,
            "description": request.description,
            "correlation_id": request.correlation_id,
            "approval": "requested" if request.needs_approval else "approved",
            "state": OPEN,
        }
        requested_for = self._user_sys_id(request.requested_for_email)
        if requested_for:
            values["requested_for"] = requested_for
        if self._config.approval_group_field and request.approval_group:
            values[self._config.approval_group_field] = self._group_sys_id(request.approval_group)
        created = self._client.create(self._table, values)
        return self._record(created, notes=())

    def get_request(self, sys_id: str) -> ApprovalRecord:
        rows = self._client.find(self._table, f"sys_id={check_sys_id(sys_id)}", _RECORD_FIELDS)
        if not rows:
            raise PermanentError(SYSTEM, f"{self._table} record {sys_id} not found")
        return self._record(rows[0], notes=self._notes(sys_id))

    def add_work_note(self, sys_id: str, note: str) -> None:
        if not note.strip() or _normalized(note) in self._notes(sys_id):
            return
        self._client.patch(self._table, sys_id, {"work_notes": note})

    def close_request(self, sys_id: str, *, succeeded: bool, note: str) -> None:
        state = CLOSED_COMPLETE if succeeded else CLOSED_INCOMPLETE
        self._client.patch(self._table, sys_id, {"state": state, "close_notes": note})

    def cancel_request(self, sys_id: str, note: str) -> None:
        """Close the record as skipped, its approval cancelled if still pending, and release
        every approval still asked of an approver, so no inbox shows it any more."""
        current = self.get_request(sys_id)
        if not current.closed:
            values = {"state": CLOSED_SKIPPED, "close_notes": note}
            if current.decision == "pending":
                values["approval"] = "cancelled"
            self._client.patch(self._table, sys_id, values)
        # The instance's own rule may have done this already; a replay finds nothing left.
        query = f"sysapproval={check_sys_id(sys_id)}^stateIN{','.join(_WAITING)}"
        for row in self._client.find(APPROVERS, query, ("sys_id", "state")):
            if row.get("state") in _WAITING:
                self._client.patch(APPROVERS, str(row["sys_id"]), {"state": NO_LONGER_REQUIRED})

    # ------------------------------------------------------------------ helpers

    def _find_by_correlation(self, correlation_id: str) -> Row | None:
        query = f"correlation_id={query_value(correlation_id)}^ORDERBYsys_created_on"
        rows = self._client.find(self._table, query, _RECORD_FIELDS)
        matching = [r for r in rows if r.get("correlation_id") == correlation_id]
        return matching[0] if matching else None

    def _group_sys_id(self, name: str) -> str:
        """The sys_user_group named `name`: a reference field takes a sys_id, and ServiceNow
        stores whatever it is given there, so an unknown name is refused here."""
        rows = self._client.find(GROUPS, f"name={query_value(name)}", ("sys_id", "name", "active"))
        named = [r for r in rows if str(r.get("name", "")).casefold() == name.casefold()]
        if len(named) != 1:
            how = "no" if not named else "more than one"
            raise PermanentError(SYSTEM, f"{how} ServiceNow group is named {name!r} ({GROUPS})")
        if str(named[0].get("active", "true")) == "false":
            raise PermanentError(SYSTEM, f"the ServiceNow group {name!r} is inactive")
        return str(named[0]["sys_id"])

    def _user_sys_id(self, email: str) -> str | None:
        if not email or "^" in email or "\n" in email:
            return None
        rows = self._client.find("sys_user", f"email={email}", ("sys_id", "email"))
        return str(rows[0]["sys_id"]) if len(rows) == 1 else None

    def _notes(self, sys_id: str) -> tuple[str, ...]:
        query = f"element_id={check_sys_id(sys_id)}^element=work_notes^ORDERBYsys_created_on"
        rows = self._client.find("sys_journal_field", query, ("value",))
        return tuple(_normalized(str(row.get("value", ""))) for row in rows)

    def _record(self, row: Row, notes: tuple[str, ...]) -> ApprovalRecord:
        sys_id = str(row["sys_id"])
        return ApprovalRecord(
            sys_id=sys_id,
            number=str(row.get("number", "")),
            url=self._config.record_url(self._table, sys_id),
            decision=decision_of(row),
            closed=str(row.get("state", "")) in CLOSED_STATES,
            notes=notes,
        )
