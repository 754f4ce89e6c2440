"""What both ways of opening a request share: the requested item (sc_req_item) the decision is
read from, its work notes, closing it, and the people who decided."""

from __future__ import annotations

from collections.abc import Mapping

from landingzone.integrations.base import ApprovalRecord, Decision, PermanentError
from landingzone.integrations.servicenow.client import (
    SYSTEM,
    Row,
    ServiceNowClient,
    check_sys_id,
    query_value,
)
from landingzone.integrations.servicenow.config import ServiceNowSettings

ITEMS = "sc_req_item"
APPROVERS = "sysapproval_approver"
GROUPS = "sys_user_group"
OPEN = "1"
CLOSED_COMPLETE = "3"
CLOSED_INCOMPLETE = "4"
CLOSED_SKIPPED = "7"
CLOSED_STATES = frozenset({CLOSED_COMPLETE, CLOSED_INCOMPLETE, CLOSED_SKIPPED})
ITEM_FIELDS = ("sys_id", "number", "approval", "state", "correlation_id", "request")
_WITHDRAWN_APPROVALS = frozenset({"cancelled", "not_required", "duplicate"})


def decision_of(row: Mapping[str, object]) -> Decision:
    approval = str(row.get("approval", ""))
    if approval in ("approved", "rejected"):
        return "approved" if approval == "approved" else "rejected"
    if approval in _WITHDRAWN_APPROVALS or str(row.get("state", "")) in CLOSED_STATES:
        return "cancelled"
    return "pending"


def _normalized(note: str) -> str:
    return note.replace("\r\n", "\n").strip()


class RequestedItems:
    """Reads and writes requested items of `table` (sc_req_item unless configured)."""

    def __init__(self, config: ServiceNowSettings, client: ServiceNowClient, table: str) -> None:
        self.config = config
        self.client = client
        self.table = table

    def get(self, sys_id: str) -> Row:
        rows = self.client.find(self.table, f"sys_id={check_sys_id(sys_id)}", ITEM_FIELDS)
        if not rows:
            raise PermanentError(SYSTEM, f"{self.table} record {sys_id} not found")
        return rows[0]

    def record(self, row: Row, *, request_number: str = "") -> ApprovalRecord:
        sys_id = str(row["sys_id"])
        decision = decision_of(row)
        return ApprovalRecord(
            sys_id=sys_id,
            number=str(row.get("number", "")),
            url=self.config.record_url(self.table, sys_id),
            decision=decision,
            closed=str(row.get("state", "")) in CLOSED_STATES,
            notes=self.notes(sys_id),
            request_number=request_number,
            decided_by=self.deciders(sys_id, decision),
        )

    def notes(self, sys_id: str) -> tuple[str, ...]:
        query = f"element_id={check_sys_id(sys_id)}^element=work_notes^ORDERBYsys_created_on"
        rows = self.client.find("sys_journal_field", query, ("value",))
        return tuple(_normalized(str(row.get("value", ""))) for row in rows)

    def add_work_note(self, sys_id: str, note: str) -> None:
        if not note.strip() or _normalized(note) in self.notes(sys_id):
            return
        self.client.patch(self.table, sys_id, {"work_notes": note})

    def close(self, sys_id: str, *, succeeded: bool, note: str) -> None:
        state = CLOSED_COMPLETE if succeeded else CLOSED_INCOMPLETE
        self.client.patch(self.table, sys_id, {"state": state, "close_notes": note})

    def deciders(self, sys_id: str, decision: Decision) -> tuple[str, ...]:
        """Names of the approvers whose answer is the decision; none while it is pending."""
        if decision not in ("approved", "rejected"):
            return ()
        query = f"sysapproval={check_sys_id(sys_id)}^state={decision}"
        rows = self.client.find(APPROVERS, query, ("approver", "state"))
        approver_ids = sorted({str(r["approver"]) for r in rows if r.get("state") == decision})
        if not approver_ids:
            return ()
        query = f"sys_idIN{','.join(check_sys_id(i) for i in approver_ids)}"
        users = self.client.find("sys_user", query, ("sys_id", "name", "user_name"))
        return tuple(sorted(str(u.get("name") or u.get("user_name", "")) for u in users))

    def user_sys_id(self, email: str) -> str | None:
        if not email or "^" in email or "\n" in email:
            return None
        rows = self.client.find("sys_user", f"email={email}", ("sys_id", "email"))
        return str(rows[0]["sys_id"]) if len(rows) == 1 else None

    def group_sys_id(self, name: str) -> str:
        """The sys_user_group named `name`: a reference takes a sys_id, and ServiceNow stores
        whatever it is given there, so an unknown name is refused here."""
        rows = self.client.find(GROUPS, f"name={query_value(name)}", ("sys_id", "name", "active"))
        named = [r for r in rows if str(r.get("name", "")).casefold() == name.casefold()]
        if len(named) != 1:
            how = "no" if not named else "more than one"
            raise PermanentError(SYSTEM, f"{how} ServiceNow group is named {name!r} ({GROUPS})")
        if str(named[0].get("active", "true")) == "false":
            raise PermanentError(SYSTEM, f"the ServiceNow group {name!r} is inactive")
        return str(named[0]["sys_id"])


class RequestedItemDesk:
    """What both desks do alike once a requested item exists: read it, note on it, close it.
    Subclasses open the item (`ensure_request`) and withdraw it (`cancel_request`)."""

    def __init__(
        self,
        config: ServiceNowSettings,
        table: str,
        *,
        timeout_s: float,
        client: ServiceNowClient | None = None,
    ) -> None:
        self._config = config
        self._client = client or ServiceNowClient(config, timeout_s)
        self._items = RequestedItems(config, self._client, table)

    def get_request(self, sys_id: str) -> ApprovalRecord:
        return self._record(self._items.get(sys_id))

    def add_work_note(self, sys_id: str, note: str) -> None:
        self._items.add_work_note(sys_id, note)

    def close_request(self, sys_id: str, *, succeeded: bool, note: str) -> None:
        self._items.close(sys_id, succeeded=succeeded, note=note)

    def _record(self, row: Row) -> ApprovalRecord:
        return self._items.record(row)
