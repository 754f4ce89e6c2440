"""The table mode: a requested item inserted through the Table API.

For instances whose own business rule asks for approval when such an item is inserted with
`approval=requested` (and, when configured, the approval group in `approval_group_field`). A
stock instance asks nobody on a bare insert: use the catalog mode there.
"""

from __future__ import annotations

from landingzone.integrations.base import ApprovalRecord, ApprovalRequest
from landingzone.integrations.servicenow.client import Row
from landingzone.integrations.servicenow.config import ServiceNowSettings
from landingzone.integrations.servicenow.items import (
    CLOSED_SKIPPED,
    ITEM_FIELDS,
    OPEN,
    RequestedItemDesk,
)


class TableApprovalDesk(RequestedItemDesk):
    @classmethod
    def table_of(cls, config: ServiceNowSettings) -> tuple[str, tuple[str, ...]]:
        return config.table, ITEM_FIELDS

    def ensure_request(self, request: ApprovalRequest) -> ApprovalRecord:
        existing = self._items.find_by_correlation(request.correlation_id)
        if existing is not None:
            return self._opened(existing, request)
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
        return self._opened(self._client.create(self._config.table, values), request)

    def _opened(self, row: Row, request: ApprovalRequest) -> ApprovalRecord:
        return self._items.record(row, notes=False, deciders=request.needs_approval)

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
        self._items.release_approvers(sys_id)
