"""The table mode: a requested item inserted through the Table API.

For instances whose own business rule asks for approval when such an item is inserted with
`approval=requested` (and, when configured, the approval group in `approval_group_field`). A
stock instance asks nobody on a bare insert: use the catalog mode there.
"""

from __future__ import annotations

from landingzone.integrations.base import ApprovalRecord, ApprovalRequest
from landingzone.integrations.servicenow.client import (
    Row,
    ServiceNowClient,
    check_sys_id,
    query_value,
)
from landingzone.integrations.servicenow.config import ServiceNowSettings
from landingzone.integrations.servicenow.items import (
    APPROVERS,
    CLOSED_SKIPPED,
    ITEM_FIELDS,
    OPEN,
    RequestedItemDesk,
)

# Approver rows an approver still sees in the inbox, and what ServiceNow sets them to once
# the approval is no longer needed ("No Longer Required").
_WAITING = ("requested", "not requested")
NO_LONGER_REQUIRED = "not_required"


class TableApprovalDesk(RequestedItemDesk):
    def __init__(
        self,
        config: ServiceNowSettings,
        *,
        timeout_s: float,
        client: ServiceNowClient | None = None,
    ) -> None:
        super().__init__(config, config.table, timeout_s=timeout_s, client=client)

    def ensure_request(self, request: ApprovalRequest) -> ApprovalRecord:
        existing = self._find_by_correlation(request.correlation_id)
        if existing is not None:
            return self._record(existing)
        values = {
            "short_description": request.short_description,
            "description": request.description,
            "correlation_id": request.correlation_id,
            "approval": "requested" if request.needs_approval else "approved",
            "state": OPEN,
        }
        requested_for = self._items.user_sys_id(request.requested_for_email)
        if requested_for:
            values["requested_for"] = requested_for
        if self._config.approval_group_field and request.approval_group:
            group = self._items.group_sys_id(request.approval_group)
            values[self._config.approval_group_field] = group
        return self._record(self._client.create(self._config.table, values))

    def cancel_request(self, sys_id: str, note: str) -> None:
        """Close the record as skipped, its approval cancelled if still pending, and release
        every approval still asked of an approver, so no inbox shows it any more."""
        current = self.get_request(sys_id)
        table = self._config.table
        if not current.closed:
            values = {"state": CLOSED_SKIPPED, "close_notes": note}
            if current.decision == "pending":
                values["approval"] = "cancelled"
            self._client.patch(table, sys_id, values)
        # The instance's own rule may have done this already; a replay finds nothing left.
        query = f"sysapproval={check_sys_id(sys_id)}^stateIN{','.join(_WAITING)}"
        for row in self._client.find(APPROVERS, query, ("sys_id", "state")):
            if row.get("state") in _WAITING:
                self._client.patch(APPROVERS, str(row["sys_id"]), {"state": NO_LONGER_REQUIRED})

    def _find_by_correlation(self, correlation_id: str) -> Row | None:
        query = f"correlation_id={query_value(correlation_id)}^ORDERBYsys_created_on"
        rows = self._client.find(self._config.table, query, ITEM_FIELDS)
        matching = [r for r in rows if r.get("correlation_id") == correlation_id]
        return matching[0] if matching else None
