"""What both ways of opening a request share: the requested item (sc_req_item) the decision is
read from, its work notes, closing it, and the people who decided."""

from __future__ import annotations

from collections.abc import Mapping

from landingzone.integrations.base import ApprovalRecord, Decider, Decision, PermanentError
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


class RequestedItems:
    """Reads and writes requested items of `table` (sc_req_item unless configured); work
    notes, approvers, group and user look-ups work alike on every task table."""

    def __init__(
        self,
        config: ServiceNowSettings,
        client: ServiceNowClient,
        table: str,
        fields: tuple[str, ...] = ITEM_FIELDS,
    ) -> None:
        self.config = config
        self.client = client
        self.table = table
        self.fields = fields

    def get(self, sys_id: str) -> Row:
        rows = self.client.find(self.table, f"sys_id={check_sys_id(sys_id)}", self.fields)
        if not rows:
            raise PermanentError(SYSTEM, f"{self.table} record {sys_id} not found")
        return rows[0]

    def find_by_correlation(self, correlation_id: str) -> Row | None:
        """The oldest record of the table carrying `correlation_id`, if any."""
        query = f"correlation_id={query_value(correlation_id)}^ORDERBYsys_created_on"
        rows = self.client.find(self.table, query, self.fields)
        matching = [r for r in rows if r.get("correlation_id") == correlation_id]
        return matching[0] if matching else None

    def release_approvers(self, sys_id: str) -> None:
        """Every approval still asked of an approver becomes No Longer Required, so no inbox
        shows it any more (the instance may have done it already; a replay finds nothing)."""
        query = f"sysapproval={check_sys_id(sys_id)}^stateIN{','.join(_WAITING)}"
        for row in self.client.find(APPROVERS, query, ("sys_id", "state")):
            if row.get("state") in _WAITING:
                self.client.patch(APPROVERS, str(row["sys_id"]), {"state": NO_LONGER_REQUIRED})

    def record(
        self, row: Row, *, request_number: str = "", notes: bool = True, deciders: bool = True
    ) -> ApprovalRecord:
        """The record `row` is; its work notes and deciders are read unless told not to (a
        request just opened has no notes, and one approved by policy no deciders)."""
        sys_id = str(row["sys_id"])
        decision = decision_of(row)
        who = self.deciders(sys_id, decision) if deciders else ()
        return ApprovalRecord(
            sys_id=sys_id,
            number=str(row.get("number", "")),
            url=self.config.record_url(self.table, sys_id),
            decision=decision,
            closed=str(row.get("state", "")) in CLOSED_STATES,
            notes=self.notes(sys_id) if notes else (),
            request_number=request_number,
            decided_by=tuple(sorted(d.name or d.user_name for d in who)),
            deciders=who,
        )

    def notes(self, sys_id: str) -> tuple[str, ...]:
        query = f"element_id={check_sys_id(sys_id)}^element=work_notes^ORDERBYsys_created_on"
        rows = self.client.find("sys_journal_field", query, ("value",))
        return tuple(_normalized(str(row.get("value", ""))) for row in rows)

    def add_work_note(self, sys_id: str, note: str) -> None:
        if not note.strip() or _normalized(note) in self.notes(sys_id):
            return
        self.client.patch(self.table, sys_id, {"work_notes": note})

    def close(
        self, sys_id: str, *, succeeded: bool, note: str, work_note: str | None = None
    ) -> None:
        """Close the record; `work_note`, unless the record has it already, in the same update."""
        values = {"state": CLOSED_COMPLETE if succeeded else CLOSED_INCOMPLETE, "close_notes": note}
        if work_note and work_note.strip() and _normalized(work_note) not in self.notes(sys_id):
            values["work_notes"] = work_note
        self.client.patch(self.table, sys_id, values)

    def deciders(self, sys_id: str, decision: Decision) -> tuple[Decider, ...]:
        """The approvers whose answer is the decision; none while it is pending."""
        if decision not in ("approved", "rejected"):
            return ()
        query = f"sysapproval={check_sys_id(sys_id)}^state={decision}"
        rows = self.client.find(APPROVERS, query, ("approver", "state"))
        approver_ids = sorted({str(r["approver"]) for r in rows if r.get("state") == decision})
        if not approver_ids:
            return ()
        query = f"sys_idIN{','.join(check_sys_id(i) for i in approver_ids)}"
        users = self.client.find("sys_user", query, ("sys_id", "name", "user_name", "email"))
        found = [
            Decider(str(u.get("user_name", "")), str(u.get("name", "")), str(u.get("email", "")))
            for u in users
        ]
        return tuple(sorted(found, key=lambda d: (d.name or d.user_name, d.user_name)))

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


class TaskDesk:
    """A desk working on the records of one task table (`table_of`) through its client."""

    def __init__(
        self,
        config: ServiceNowSettings,
        *,
        timeout_s: float,
        client: ServiceNowClient | None = None,
    ) -> None:
        self._config = config
        self._client = client or ServiceNowClient(config, timeout_s)
        self._items = RequestedItems(config, self._client, *self.table_of(config))

    @classmethod
    def table_of(cls, config: ServiceNowSettings) -> tuple[str, tuple[str, ...]]:
        """The table the desk works on, and the fields it reads of a record."""
        return ITEMS, ITEM_FIELDS

    def add_work_note(self, sys_id: str, note: str) -> None:
        self._items.add_work_note(sys_id, note)


class RequestedItemDesk(TaskDesk):
    """What both desks do alike once a requested item exists: read it, note on it, close it.
    Subclasses open the item (`ensure_request`) and withdraw it (`cancel_request`)."""

    def get_request(self, sys_id: str) -> ApprovalRecord:
        return self._record(self._items.get(sys_id))

    def close_request(
        self, sys_id: str, *, succeeded: bool, note: str, work_note: str | None = None
    ) -> None:
        self._items.close(sys_id, succeeded=succeeded, note=note, work_note=work_note)

    def _record(self, row: Row) -> ApprovalRecord:
        return self._items.record(row)
